/**
 * `lab up` with swarmvol, for real: 3 nodes, the EC2 emulator on the bridge (real loop
 * devices), an agent inside every node before its dockerd, the controller (the one replica
 * of a one-manager lab) inside node1.
 * Needs root, the lab's programs and a built dist/ (`npm run build`). Outside CI a missing
 * requirement skips with a printed reason; under CI=true nothing skips.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AttachVolumeCommand, CreateVolumeCommand, DescribeInstancesCommand, DescribeVolumesCommand, EC2Client, waitUntilVolumeAvailable } from "@aws-sdk/client-ec2";
import { shouldSkip } from "../../test/support/requirements.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labCommand } from "../../cli/labCommand.js";
import { engineFor, pollUntil } from "./engine.js";
import { listProcesses } from "./host.js";
import { defaultLabDeps, down, restartLabNode, systemClock, up } from "./lab.js";
import { requireState, type LabState, type NodeState } from "./state.js";
import { httpGetStatus, logTail } from "./swarmvolCloud.js";
import { controllerPids, killController, startController } from "./swarmvolController.js";
import { advertisesVolumePlugin } from "./swarmvolPlugins.js";
import { CLOUD_ENDPOINT, nodeSwarmvolPaths, REGION, swarmvolPaths } from "./swarmvolPlan.js";

const skip = shouldSkip("lab swarmvol integration", ["dockerd", "docker-registry", "iptables", "nsenter", "unshare", "busybox", "ip", "losetup"]);
const missingBuild = ["dist/cli/main.js", "dist/lab/cloud/main.js"].find((file) => !existsSync(join(import.meta.dirname, "..", "..", file)));
if (missingBuild !== undefined && !skip) throw new Error(`lab swarmvol integration needs ${missingBuild}; run \`npm run build\` (npm test does)`);

async function hostSnapshot(): Promise<{ loops: string; mounts: string[] }> {
  const mountinfo = await readFile("/proc/self/mountinfo", "utf8");
  const mounts = mountinfo.split("\n").filter((l) => l !== "").map((l) => l.split(" ")[4] ?? "").sort();
  return { loops: execFileSync("losetup", ["-a"], { encoding: "utf8" }), mounts };
}

/** Host PIDs of one node's agent (the daemon itself), found by its state dir. */
async function agentPids(node: NodeState): Promise<number[]> {
  const stateDir = nodeSwarmvolPaths(node).agentStateDir;
  return (await listProcesses()).filter((p) => p.argv.includes("agent") && p.argv.includes(stateDir)).map((p) => p.pid);
}

const ec2 = new EC2Client({
  endpoint: CLOUD_ENDPOINT, region: REGION, maxAttempts: 1, credentials: { accessKeyId: "lab", secretAccessKey: "lab" },
});

describe.skipIf(skip)("lab up with swarmvol (3 nodes, --fast-cloud)", () => {
  const deps = defaultLabDeps();
  let dir = "";
  let before: Awaited<ReturnType<typeof hostSnapshot>>;
  let state: LabState;

  beforeAll(async () => {
    before = await hostSnapshot();
    dir = await mkdtemp(join(tmpdir(), "swarmvol-lab-sv-"));
    const start = Date.now();
    const result = await up({ dir, nodes: 3, fastCloud: true }, deps);
    const ms = Date.now() - start;
    console.log(`[lab] up with swarmvol from nothing took ${(ms / 1000).toFixed(1)} s`, result.timings);
    state = result.state;
    expect(ms).toBeLessThan(120_000);
  });

  afterAll(async () => {
    if (dir !== "") {
      await down(dir, deps);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("status --json shows the emulator's endpoint, the controller and its 0600 token file, not the token", async () => {
    const out: string[] = [];
    const code = await labCommand(["status", "--json", "--dir", dir], { out: (t) => out.push(t), err: () => {} }, deps);
    expect(code).toBe(0);
    const report = JSON.parse(out.join("")) as { cloud: { endpoint: string }; controller: { url: string; tokenFile: string; endpoint: string } };
    expect(report.cloud.endpoint).toBe("http://10.213.0.1:4566");
    expect(report.controller.url).toBe("http://10.213.0.11:7750");
    expect(report.controller.endpoint).toBe(report.controller.url);
    expect(report.controller.tokenFile).toBe(join(dir, "nodes", "swarmvol.token"));
    expect((await stat(report.controller.tokenFile)).mode & 0o777).toBe(0o600);
    const token = (await readFile(report.controller.tokenFile, "utf8")).trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(out.join("")).not.toContain(token);
    expect((await readFile(join(dir, "lab.json"), "utf8")).includes(token)).toBe(true);
  });

  it("every node advertises the swarmvol volume plugin to Swarm", async () => {
    const nodes = (await engineFor(state.nodes[0] as NodeState).listNodes()) as Parameters<typeof advertisesVolumePlugin>[0][];
    expect(nodes).toHaveLength(3);
    for (const node of nodes) expect(advertisesVolumePlugin(node)).toBe(true);
  });

  it("the controller answers /v1/health on node1's address; the emulator lists 3 instances", async () => {
    expect(await httpGetStatus("http://10.213.0.11:7750/v1/health")).toBe(200);
    const reply = await ec2.send(new DescribeInstancesCommand({}));
    const ids = (reply.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId).sort();
    expect(ids).toEqual(state.nodes.map((n) => n.instanceId).sort());
  });

  it("lab status --json names the one replica, leading, with its pid (a controller from before HA counts as leader)", async () => {
    const out: string[] = [];
    expect(await labCommand(["status", "--json", "--dir", dir], { out: (t) => out.push(t), err: () => undefined }, deps)).toBe(0);
    const report = JSON.parse(out.join("")) as { controllers: Array<{ node: string; url: string; role: string | null; pid: number | null }>; leader: string | null };
    expect(report.controllers).toEqual([{ node: "node1", url: "http://10.213.0.11:7750", role: "leader", pid: (await controllerPids(state, "node1"))[0] }]);
    expect(report.leader).toBe("node1");
  });

  it("killController and startController: SIGKILL alone, then back and healthy", async () => {
    expect((await killController(dir, deps)).node).toBe("node1");
    expect(await controllerPids(await requireState(dir))).toEqual([]);
    expect(await httpGetStatus("http://10.213.0.11:7750/v1/health")).toBeNull();
    const start = Date.now();
    await startController(dir, deps);
    console.log(`[lab] controller restart to healthy: ${Date.now() - start} ms`);
    expect(await controllerPids(await requireState(dir))).toHaveLength(1);
  });

  it("restartLabNode restarts the node's agent, which advertises the plugin again", async () => {
    const node2 = state.nodes[1] as NodeState;
    const old = await agentPids(node2);
    expect(old).toHaveLength(1);
    const start = Date.now();
    await restartLabNode(dir, "node2", deps);
    console.log(`[lab] restart of node2 with its agent: ${Date.now() - start} ms`);
    const now = await agentPids(node2);
    expect(now).toHaveLength(1);
    expect(now).not.toEqual(old);
  });

  it("down leaves no process, loop device or mount behind, even with a volume attached", async () => {
    const created = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1 }));
    const volumeId = created.VolumeId as string;
    await waitUntilVolumeAvailable({ client: ec2, maxWaitTime: 30, minDelay: 1 }, { VolumeIds: [volumeId] });
    await ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: (state.nodes[2] as NodeState).instanceId, Device: "/dev/xvdf" }));
    const link = join((state.nodes[2] as NodeState).paths.deviceDir, `nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}`);
    await pollUntil(systemClock, 30_000, "the attached volume's device link", async () => (existsSync(link) ? true : null), 50).catch(
      async (err: unknown) => {
        // Say why: the emulator's view of the volume and the tail of its own log.
        const seen = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] })).catch((e: unknown) => e);
        console.error("[lab] attach never showed its device link", JSON.stringify(seen), await logTail(swarmvolPaths(dir).cloudLog, 40));
        throw err;
      },
    );
    expect(execFileSync("losetup", ["-a"], { encoding: "utf8" })).toContain(join(dir, "cloud"));

    await down(dir, deps);
    await down(dir, deps);
    const leftovers = (await listProcesses()).filter((p) => p.argv.some((a) => a.includes(dir)));
    expect(leftovers).toEqual([]);
    // Only what this lab made is compared: other suites in the same run may still be
    // releasing loop devices or mounts of their own when this one starts.
    const after = await hostSnapshot();
    const ours = (snapshot: typeof after) => ({
      loops: snapshot.loops.split("\n").filter((line) => line.includes(dir)),
      mounts: snapshot.mounts.filter((mount) => mount.includes(dir)),
    });
    expect(ours(after)).toEqual(ours(before));
    expect(existsSync(join(dir, "cloud"))).toBe(false);
    expect(existsSync(join(dir, "lab.json"))).toBe(false);
  });
});
