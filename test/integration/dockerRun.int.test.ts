/**
 * The EBS flow through the plugin as dockerd drives it for plain `docker run -v`, in a real
 * lab: a volume written on one node is read on another (the device leaves the first node),
 * then the same flow converges with the emulator throttling 20 % of calls, failing 10 %
 * with 500 and leaving the next attach stuck: one cloud volume, attached to one instance,
 * and the emulator's log shows no volume ever attached to two instances at once.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUSYBOX_IMAGE, CLOUD_ENDPOINT, defaultLabDeps, dockerHost, down, up, type LabState, type NodeState } from "../../lab/cluster/index.js";
import { shouldSkip } from "../support/requirements.js";
import { docker } from "../support/singleHost.js";

const skip = shouldSkip("docker run in the lab", ["dockerd", "docker-registry", "iptables", "losetup", "busybox"]);

interface EmulatorState {
  volumes: Record<string, { volumeId: string; tags: Record<string, string>; attachment?: { instanceId: string; status: string } }>;
}

describe.skipIf(skip)("docker run -v on swarmvol volumes across lab nodes", () => {
  const deps = defaultLabDeps();
  let dir = "";
  let state: LabState;
  const node = (name: string) => state.nodes.find((n) => n.name === name) as NodeState;
  const run = async (name: string, args: string[]) => {
    const result = await docker(dockerHost(node(name)), args);
    expect(result.code, `docker ${args.join(" ")} on ${name}: ${result.stderr}`).toBe(0);
    return result.stdout.trim();
  };
  const ebsLinks = async (name: string) => (await readdir(node(name).paths.deviceDir)).filter((entry) => entry.startsWith("nvme-Amazon_Elastic_Block_Store_"));
  const emulator = async (path: string, body?: unknown) => {
    const response = await fetch(`${CLOUD_ENDPOINT}/_swarmvol/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    expect(response.ok).toBe(true);
    return response.json() as Promise<unknown>;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-dockerrun-"));
    state = (await up({ dir, nodes: 3, fastCloud: true }, deps)).state;
    await run("node1", ["volume", "create", "-d", "swarmvol", "-o", "size=1", "plain"]);
  });

  afterAll(async () => {
    if (dir === "") return;
    await down(dir, deps);
    await rm(dir, { recursive: true, force: true });
  });

  it("writes on node2, and the volume stays attached there after the container is gone", async () => {
    await run("node2", ["run", "--rm", "--network", "none", "-v", "plain:/data", BUSYBOX_IMAGE, "sh", "-c", "echo hello-ebs > /data/f && sync"]);
    expect(await ebsLinks("node2")).toHaveLength(1);
  });

  it("reads the data on node3; the device is gone from node2", async () => {
    expect(await run("node3", ["run", "--rm", "--network", "none", "-v", "plain:/data", BUSYBOX_IMAGE, "cat", "/data/f"])).toBe("hello-ebs");
    expect(await ebsLinks("node2")).toEqual([]);
    expect(await ebsLinks("node3")).toHaveLength(1);
  });

  it("converges under throttling, 5xx and a stuck attach: one volume, one attachment, no overlap", async () => {
    await emulator("faults", { throttleRate: 0.2, serverErrorRate: 0.1, stickNextAttach: 1 });
    expect(await run("node2", ["run", "--rm", "--network", "none", "-v", "plain:/data", BUSYBOX_IMAGE, "cat", "/data/f"])).toBe("hello-ebs");
    await emulator("faults", { reset: true });
    const cloud = (await emulator("state")) as EmulatorState;
    const ours = Object.values(cloud.volumes).filter((volume) => volume.tags["swarmvol/name"] === "plain");
    expect(ours).toHaveLength(1);
    expect(ours[0]?.attachment).toMatchObject({ instanceId: node("node2").instanceId, status: "attached" });
    const log = (await emulator("log")) as { overlaps: unknown[] };
    expect(log.overlaps).toEqual([]);
    expect(existsSync(node("node3").paths.deviceDir) && (await ebsLinks("node3")).length).toBe(0);
  });
});
