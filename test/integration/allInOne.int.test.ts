import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBusyboxRootfs } from "../../lab/images/busybox.js";
import { ProcessRunner } from "../../storage/os/commandRunner.js";
import { shouldSkip } from "../support/requirements.js";
import { docker, killHard, startDockerd, startSwarmvol, stopGracefully, type Started } from "../support/singleHost.js";

const skip = shouldSkip("all-in-one with a real dockerd", ["dockerd", "docker", "losetup", "mkfs.ext4", "busybox"]);
const driver = `svit${process.pid}`;
const image = "swarmvol-test/busybox:latest";

interface VolumeInspect {
  Scope?: string;
  CreatedAt?: string;
  Status?: Record<string, unknown>;
}

describe.skipIf(skip)("swarmvol all-in-one with a real dockerd", () => {
  let root: string;
  let socket: string;
  let engine: Started & { host: string };
  let swarmvol: Started;
  const swarmvolArgs = () => [
    "--plugin-socket", socket, "--state-dir", join(root, "state"), "--api-listen", "127.0.0.1:0", "--docker-host", engine?.host ?? `unix://${root}/engine/docker.sock`,
  ];
  const run = (args: string[]) => docker(engine.host, args);
  const ok = async (args: string[]) => {
    const result = await run(args);
    expect(result.code, `docker ${args.join(" ")}: ${result.stderr}`).toBe(0);
    return result.stdout.trim();
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "swarmvol-it-"));
    socket = `/run/docker/plugins/${driver}.sock`;
    swarmvol = await startSwarmvol(swarmvolArgs(), socket);
    engine = await startDockerd(join(root, "engine"));
    const tar = await buildBusyboxRootfs(new ProcessRunner(), join(root, "cache"));
    await ok(["import", "--change", "CMD [\"/bin/sh\"]", tar, image]);
  });

  afterAll(async () => {
    if (engine) {
      await run(["rm", "-f", "holder"]);
      await stopGracefully(engine);
    }
    if (swarmvol) await stopGracefully(swarmvol);
    // A socket left behind would make every later `docker volume ls` on this host wait for it.
    await rm(socket, { force: true });
    const loops = await new ProcessRunner().run("losetup", ["--list", "--noheadings", "--output", "BACK-FILE"]);
    for (const line of loops.stdout.split("\n").filter((l) => root && l.includes(root))) {
      await new ProcessRunner().run("sh", ["-c", `losetup -j '${line.trim()}' -O NAME -n | xargs -r -n1 losetup -d`]);
    }
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("creates a volume with options and shows it in ls and inspect (Scope global, CreatedAt)", async () => {
    await ok(["volume", "create", "-d", driver, "-o", "size=64MiB", "-o", "fsType=ext4", "jenkins_home"]);
    expect(await ok(["volume", "ls", "--format", "{{.Driver}} {{.Name}}"])).toContain(`${driver} jenkins_home`);
    const [inspect] = JSON.parse(await ok(["volume", "inspect", "jenkins_home"])) as VolumeInspect[];
    expect(inspect?.Scope).toBe("global");
    expect(inspect?.CreatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(inspect?.Status).toMatchObject({ size: 64 * 1024 ** 2, fsType: "ext4", backend: "local" });
  });

  it("rejects bad options with a message naming the valid ones", async () => {
    const result = await run(["volume", "create", "-d", driver, "-o", "sise=1", "badopts"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown option "sise".*valid options: size, fsType/);
  });

  it("keeps what one container wrote for the next", async () => {
    await ok(["run", "--rm", "--network", "none", "-v", "jenkins_home:/data", image, "sh", "-c", "echo hello-swarmvol > /data/config.xml && sync"]);
    expect(await ok(["run", "--rm", "--network", "none", "-v", "jenkins_home:/data", image, "cat", "/data/config.xml"])).toBe("hello-swarmvol");
  });

  it("refuses to remove a volume in use, with a clear message", async () => {
    await ok(["run", "-d", "--name", "holder", "--network", "none", "-v", "jenkins_home:/data", image, "sleep", "3600"]);
    const result = await run(["volume", "rm", "jenkins_home"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/in use/);
  });

  it("survives kill -9 of swarmvol: the running container keeps its data and the refcount is kept", async () => {
    await killHard(swarmvol);
    swarmvol = await startSwarmvol(swarmvolArgs(), socket);
    expect(await ok(["exec", "holder", "cat", "/data/config.xml"])).toBe("hello-swarmvol");
    const [inspect] = JSON.parse(await ok(["volume", "inspect", "jenkins_home"])) as VolumeInspect[];
    expect(inspect?.Status?.mountsOnThisNode).toBe(1);
    await ok(["rm", "-f", "holder"]);
    const mounts = JSON.parse(await readFile(join(root, "state", "node-mounts.json"), "utf8")) as { mounts: Record<string, unknown> };
    expect(mounts.mounts).toEqual({});
  });

  it("keeps volumes across a dockerd restart (Get answers from the catalog)", async () => {
    await stopGracefully(engine);
    engine = await startDockerd(join(root, "engine"));
    expect(await ok(["volume", "ls", "--format", "{{.Name}}"])).toContain("jenkins_home");
    expect(await ok(["run", "--rm", "--network", "none", "-v", "jenkins_home:/data", image, "cat", "/data/config.xml"])).toBe("hello-swarmvol");
  });

  it("drains on SIGTERM and exits 0, leaving no socket behind", async () => {
    await stopGracefully(swarmvol);
    expect(await swarmvol.exited).toBe(0);
    expect(existsSync(socket)).toBe(false);
    swarmvol = await startSwarmvol(swarmvolArgs(), socket);
  });

  it("removes the volume, its image file and its catalog entry", async () => {
    const catalogPath = join(root, "state", "catalog.json");
    const before = JSON.parse(await readFile(catalogPath, "utf8")) as { volumes: Record<string, { uid: string }> };
    const uid = before.volumes.jenkins_home?.uid;
    await ok(["volume", "rm", "jenkins_home"]);
    expect(existsSync(join(root, "state", "images", `${uid}.img`))).toBe(false);
    const after = JSON.parse(await readFile(catalogPath, "utf8")) as { volumes: Record<string, unknown> };
    expect(after.volumes).toEqual({});
  });
});
