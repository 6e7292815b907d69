/**
 * The project's image, for real (issue 10, Done-when 3): built from the repository's
 * Dockerfile by a lab node's dockerd (lab/images/productImage.ts: a locally imported Debian
 * base with this host's Node, npm packages from an offline cache, no network in the build),
 * then driven with testcontainers pointed at that node's engine: as a controller (GET
 * /v1/health) and as an agent (/Plugin.Activate through a mounted socket dir), each until
 * its HEALTHCHECK reports healthy. A 1-node bare lab; the base rootfs and the npm cache are
 * kept in /var/cache/swarmvol-lab between runs. Then the managed plugin: made from the
 * image by packaging/plugin/make-plugin.sh, enabled on the node, and a volume created and
 * mounted through it. Needs root, dockerd, debootstrap.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StartedTestContainer } from "testcontainers";
import { callPlugin } from "../../test/support/pluginClient.js";
import { shouldSkip } from "../../test/support/requirements.js";
import { engineFor } from "../cluster/engine.js";
import { hostRunner } from "../cluster/host.js";
import { BUSYBOX_IMAGE, defaultLabDeps, down, up } from "../cluster/lab.js";
import { dockerHost } from "../cluster/plan.js";
import type { NodeState } from "../cluster/state.js";
import { buildProductImage, PRODUCT_IMAGE } from "./productImage.js";

const skip = shouldSkip("product image", ["dockerd", "docker", "docker-registry", "iptables", "nsenter", "unshare", "busybox", "ip", "debootstrap", "chroot", "npm"]);
const repoDir = join(import.meta.dirname, "..", "..");
const cacheDir = "/var/cache/swarmvol-lab";

/** Runs the docker CLI against the node; resolves with exit code and output. */
async function docker(node: NodeState, args: string[]) {
  return hostRunner.run("env", [`DOCKER_HOST=${dockerHost(node)}`, "docker", ...args], { timeoutMs: 120_000 });
}

describe.skipIf(skip)("the product image, built and run on a lab node", () => {
  const deps = defaultLabDeps();
  let dir = "";
  let node: NodeState;
  const started: StartedTestContainer[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-lab-image-"));
    const start = Date.now();
    const { state } = await up({ dir, nodes: 1, managers: 1, bare: true }, deps);
    node = state.nodes[0] as NodeState;
    const upMs = Date.now() - start;
    const build = await buildProductImage(hostRunner, { repoDir, cacheDir, engine: engineFor(node, 600_000), dockerHost: dockerHost(node) });
    console.log(`[image] lab up ${upMs} ms; build steps (ms)`, build.timings);
    // testcontainers reads these when it first connects; nothing may be pulled here. In a
    // container (/.dockerenv) it would look for a "bridge" network the lab's engines lack:
    // the host its containers answer on is the node's address (they use its network).
    process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
    process.env.TESTCONTAINERS_HOST_OVERRIDE = node.address;
    process.env.DOCKER_HOST = dockerHost(node);
  });

  afterAll(async () => {
    for (const container of started) await container.stop({ timeout: 5_000 }).catch(() => undefined);
    delete process.env.DOCKER_HOST;
    delete process.env.TESTCONTAINERS_HOST_OVERRIDE;
    if (dir === "") return;
    await down(dir, deps);
    await rm(dir, { recursive: true, force: true });
  });

  async function run(command: string[], options: { env?: Record<string, string>; binds?: Array<{ source: string; target: string }> }) {
    const { GenericContainer, Wait } = await import("testcontainers");
    const container = await new GenericContainer(PRODUCT_IMAGE)
      .withPullPolicy({ shouldPull: () => false })
      .withNetworkMode("host")
      .withCommand(command)
      .withEnvironment(options.env ?? {})
      .withBindMounts((options.binds ?? []).map((bind) => ({ ...bind, mode: "rw" as const })))
      .withWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(90_000)
      .start();
    started.push(container);
    return container;
  }

  it("ships the product only, with the daemons' tools, its ENTRYPOINT and a HEALTHCHECK", async () => {
    const listing = await docker(node, ["run", "--rm", "--network", "none", "--entrypoint", "sh", PRODUCT_IMAGE, "-c",
      "ls /opt/swarmvol/dist; ls /opt/swarmvol/dist/cli; ls /opt/swarmvol/node_modules; "
      + "for t in mount umount losetup blkid lsblk fsfreeze blockdev e2fsck mkfs.ext4 resize2fs mkfs.xfs xfs_growfs; do command -v $t >/dev/null || echo missing $t; done"]);
    expect(listing.code, listing.stderr).toBe(0);
    const lines = listing.stdout.split("\n");
    expect(lines.slice(0, 6)).toEqual(["api", "cli", "controller", "core", "plugin", "storage"]);
    expect(lines).toContain("main.js");
    expect(lines).toContain("healthcheck.js");
    expect(lines.filter((line) => /^(labCommand|drillCommand)\.js$|\.test\.js$|^missing /.test(line))).toEqual([]);
    // Production dependencies only: the dev tools were pruned.
    expect(lines).toContain("dockerode");
    expect(lines.filter((line) => ["typescript", "vitest", "eslint", "testcontainers"].includes(line))).toEqual([]);
    const config = await docker(node, ["image", "inspect", "-f", "{{json .Config.Entrypoint}} {{json .Config.Healthcheck.Test}}", PRODUCT_IMAGE]);
    expect(config.stdout.trim()).toBe("[\"node\",\"/opt/swarmvol/dist/cli/main.js\"] [\"CMD\",\"node\",\"/opt/swarmvol/dist/cli/main.js\",\"healthcheck\"]");
  });

  it("`swarmvol lab` in the image says it runs from a source checkout (exit 3)", async () => {
    const lab = await docker(node, ["run", "--rm", "--network", "none", PRODUCT_IMAGE, "lab", "up"]);
    expect(lab.code).toBe(3);
    expect(lab.stderr).toContain("`swarmvol lab` is not in this build");
    expect(lab.stderr).toContain("`npm ci && npm run drill`");
  });

  it("as a controller: GET /v1/health answers and the HEALTHCHECK goes healthy", async () => {
    await run(["controller", "--listen", "0.0.0.0:7750", "--nice", "0", "--ec2-endpoint", "http://127.0.0.1:9"], {
      env: { SWARMVOL_TOKEN: "image-test-token-0123456789abcdef", AWS_EC2_METADATA_DISABLED: "true" },
      binds: [{ source: node.paths.socket, target: "/var/run/docker.sock" }],
    });
    const answer = await fetch(`http://${node.address}:7750/v1/health`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ status: "ok", mode: "controller" });
  });

  it("as an agent: the mounted plugin socket answers /Plugin.Activate and the HEALTHCHECK goes healthy", async () => {
    const plugins = join(dir, "image-plugins");
    await mkdir(plugins, { recursive: true });
    await run(["agent", "--controller", "http://127.0.0.1:7750", "--instance-id", "i-0123456789abcdef0", "--zone", "us-east-1a", "--nice", "0"], {
      env: { SWARMVOL_TOKEN: "image-test-node-token" },
      binds: [{ source: plugins, target: "/run/docker/plugins" }],
    });
    const answer = await callPlugin(join(plugins, "swarmvol.sock"), "/Plugin.Activate");
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ Implements: ["VolumeDriver"] });
  });

  it("as a managed plugin: made by packaging/plugin/make-plugin.sh, enabled, a volume created and mounted through it", async () => {
    const plugin = "swarmvol:lab";
    const etc = join(dir, "plugin-etc");
    await mkdir(etc, { recursive: true });
    let start = Date.now();
    const made = await hostRunner.run("env", [`DOCKER_HOST=${dockerHost(node)}`, join(repoDir, "packaging", "plugin", "make-plugin.sh"), PRODUCT_IMAGE, plugin], { timeoutMs: 600_000 });
    expect(made.code, made.stderr).toBe(0);
    console.log(`[image] make-plugin.sh took ${Date.now() - start} ms`);
    // One host, no controller: the plugin runs all-in-one (local backend, loop devices); the
    // controller container above keeps port 7750 of this node.
    const set = await docker(node, ["plugin", "set", plugin, "args=all-in-one --api-listen 127.0.0.1:7751", `docker-sock.source=${node.paths.socket}`, `etc.source=${etc}`]);
    expect(set.code, set.stderr).toBe(0);
    start = Date.now();
    const enabled = await docker(node, ["plugin", "enable", plugin]);
    expect(enabled.code, enabled.stderr).toBe(0);
    console.log(`[image] plugin enable took ${Date.now() - start} ms`);
    try {
      const inspect = await docker(node, ["plugin", "inspect", "-f", "{{.Enabled}} {{json .Config.Interface.Types}} {{.Config.PropagatedMount}}", plugin]);
      expect(inspect.stdout.trim()).toBe("true [\"docker.volumedriver/1.0\"] /var/lib/swarmvol");
      const created = await docker(node, ["volume", "create", "-d", plugin, "-o", "size=64MiB", "plugin_vol"]);
      expect(created.code, created.stderr).toBe(0);
      const write = await docker(node, ["run", "--rm", "--network", "none", "-v", "plugin_vol:/data", BUSYBOX_IMAGE, "sh", "-c", "echo through-the-plugin > /data/x"]);
      expect(write.code, write.stderr).toBe(0);
      const read = await docker(node, ["run", "--rm", "--network", "none", "-v", "plugin_vol:/data", BUSYBOX_IMAGE, "cat", "/data/x"]);
      expect(read.stdout.trim()).toBe("through-the-plugin");
      const volume = await docker(node, ["volume", "inspect", "-f", "{{.Driver}}", "plugin_vol"]);
      expect(volume.stdout.trim()).toBe(plugin);
      const removed = await docker(node, ["volume", "rm", "plugin_vol"]);
      expect(removed.code, removed.stderr).toBe(0);
    } finally {
      await docker(node, ["plugin", "disable", "-f", plugin]);
      await docker(node, ["plugin", "rm", "-f", plugin]);
    }
  });
});
