/**
 * The lab itself, for real: a 3-node Swarm (1 manager, 2 workers) on this machine.
 * Needs root, dockerd (docker.io), docker-registry, iptables, busybox-static. Outside CI a
 * missing requirement skips with a printed reason; under CI=true nothing skips.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shouldSkip } from "../../test/support/requirements.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineFor, waitForSwarmState, pollUntil } from "./engine.js";
import { isRunning } from "./node.js";
import { listProcesses } from "./host.js";
import {
  BUSYBOX_IMAGE, defaultLabDeps, down, drainLabNode, execLabNode, healLabNode, killLabNode, partitionLabNode,
  restartLabNode, status, systemClock, up,
} from "./lab.js";
import { requireState, type LabState, type NodeState } from "./state.js";

const skip = shouldSkip("lab/cluster integration", ["dockerd", "docker-registry", "iptables", "nsenter", "unshare", "busybox", "ip", "losetup"]);

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8" });

/** What `down` must restore: namespaces, loop devices, mounts. */
async function hostSnapshot(): Promise<{ netns: string; loops: string; mounts: string[] }> {
  const mountinfo = await readFile("/proc/self/mountinfo", "utf8");
  const mounts = mountinfo.split("\n").filter((l) => l !== "").map((l) => l.split(" ").slice(4, 5).join(" ")).sort();
  return { netns: sh("ip", ["netns", "list"]), loops: sh("losetup", ["-a"]), mounts };
}

const SERVICE = "lab-it-sleep";

async function taskNode(state: LabState): Promise<NodeState | null> {
  const tasks = (await engineFor(state.nodes[0] as NodeState).listTasks({
    filters: { service: [SERVICE], "desired-state": ["running"] },
  })) as { NodeID?: string; Status: { State: string } }[];
  const running = tasks.find((t) => t.Status.State === "running");
  return state.nodes.find((n) => n.nodeId === running?.NodeID) ?? null;
}

async function waitForTaskOn(state: LabState, accept: (n: NodeState) => boolean, ms = 90_000): Promise<NodeState> {
  return pollUntil(systemClock, ms, `${SERVICE} running on an acceptable node`, async () => {
    const node = await taskNode(state);
    return node !== null && accept(node) ? node : null;
  }, 250);
}

describe.skipIf(skip)("lab cluster (3 nodes, real dockerd per node)", () => {
  const deps = defaultLabDeps();
  let dir = "";
  let before: Awaited<ReturnType<typeof hostSnapshot>>;
  let state: LabState;
  const startedPids: number[] = [];

  beforeAll(async () => {
    before = await hostSnapshot();
    dir = await mkdtemp(join(tmpdir(), "swarmvol-lab-it-"));
    const start = Date.now();
    const result = await up({ dir, bare: true }, deps);
    console.log(`[lab] up from nothing took ${((Date.now() - start) / 1000).toFixed(1)} s`, result.timings);
    state = result.state;
    startedPids.push(...state.nodes.map((n) => n.pid1 as number), state.registry.pid as number);
    expect(Date.now() - start).toBeLessThan(120_000);
  });

  afterAll(async () => {
    if (dir === "") return;
    const start = Date.now();
    await down(dir, deps);
    console.log(`[lab] down took ${((Date.now() - start) / 1000).toFixed(1)} s`);
    await down(dir, deps);
    // Other engineers' suites may run at the same time on this machine: anything new that
    // is the lab's (its dir, its svn*/svv* names) fails; anything else is only reported.
    const after = await hostSnapshot();
    const added = {
      netns: after.netns.split("\n").filter((l) => l !== "" && !before.netns.includes(l)),
      loops: after.loops.split("\n").filter((l) => l !== "" && !before.loops.includes(l)),
      mounts: after.mounts.filter((m) => !before.mounts.includes(m)),
    };
    const ours = (line: string) => line.includes(dir) || /\bsv[nv]\d+\b|svbr0/.test(line);
    expect([...added.netns, ...added.loops, ...added.mounts].filter(ours)).toEqual([]);
    if ([...added.netns, ...added.loops, ...added.mounts].length > 0) console.warn("[lab] not the lab's, left as is:", added);
    const gone = before.mounts.filter((m) => !after.mounts.includes(m));
    expect(gone.filter(ours)).toEqual([]);
    const leftovers = (await listProcesses()).filter((p) => p.argv.some((a) => a.includes(dir)));
    expect(leftovers).toEqual([]);
    for (const pid of startedPids) expect(await isRunning(pid)).toBe(false);
    expect(sh("ip", ["-o", "link", "show"])).not.toMatch(/svbr0|svv\d/);
    await rm(dir, { recursive: true, force: true });
  });

  it("reports every node ready with its address, zone, instance id and socket", async () => {
    const report = await status(dir, deps);
    expect(report.nodes.map((n) => [n.name, n.role, n.state, n.address, n.zone])).toEqual([
      ["node1", "manager", "ready", "10.213.0.11", "us-east-1a"],
      ["node2", "worker", "ready", "10.213.0.12", "us-east-1a"],
      ["node3", "worker", "ready", "10.213.0.13", "us-east-1a"],
    ]);
    expect(report.nodes[0]?.dockerHost).toBe(`unix://${dir}/nodes/node1/docker.sock`);
    expect(report.cloud).toEqual({ endpoint: null });
  });

  it("runs commands inside a node: own hostname, own plugin and device dirs", async () => {
    const node2 = state.nodes[1] as NodeState;
    await writeFile(join(node2.paths.pluginDir, "marker"), "");
    await writeFile(join(node2.paths.deviceDir, "nvme-Amazon_Elastic_Block_Store_vol0test"), "");
    expect((await execLabNode(dir, "node2", ["hostname"], deps)).stdout.trim()).toBe("node2");
    expect((await execLabNode(dir, "node2", ["ls", "/run/docker/plugins"], deps)).stdout.trim()).toBe("marker");
    expect((await execLabNode(dir, "node2", ["ls", "/dev/disk/by-id"], deps)).stdout).toContain("vol0test");
    expect((await execLabNode(dir, "node3", ["ls", "/dev/disk/by-id"], deps)).stdout.trim()).toBe("");
    expect((await execLabNode(dir, "node3", ["ip", "-o", "-4", "addr", "show", "eth0"], deps)).stdout).toContain("10.213.0.13/24");
  });

  it("reschedules a service on another node when its node is killed", async () => {
    await engineFor(state.nodes[0] as NodeState).createService({
      Name: SERVICE,
      TaskTemplate: {
        // sleep as PID 1 ignores SIGTERM: a short grace keeps drain from waiting 10 s.
        ContainerSpec: { Image: BUSYBOX_IMAGE, Command: ["sleep", "1000000"], StopGracePeriod: 1_000_000_000 },
        Placement: { Constraints: ["node.role==worker"] },
        RestartPolicy: { Condition: "any", Delay: 0 },
      },
      Mode: { Replicated: { Replicas: 1 } },
    });
    const first = await waitForTaskOn(state, () => true, 30_000);
    const killedAt = Date.now();
    await killLabNode(dir, first.name, deps);
    state = await requireState(dir);
    await waitForSwarmState(state, first, ["down"], systemClock, 60_000);
    const downAfter = Date.now() - killedAt;
    const second = await waitForTaskOn(state, (n) => n.name !== first.name);
    console.log(`[lab] kill ${first.name}: marked down after ${downAfter / 1000} s, running on ${second.name} after ${(Date.now() - killedAt) / 1000} s`);
    expect((await status(dir, deps)).nodes.find((n) => n.name === first.name)).toMatchObject({ process: "stopped", state: "down" });
  });

  it("restarts a killed node on its data-root with the same swarm identity", async () => {
    const killed = state.nodes.find((n) => n.pid1 === null) as NodeState;
    await restartLabNode(dir, killed.name, deps);
    state = await requireState(dir);
    const report = await status(dir, deps);
    expect(report.nodes.find((n) => n.name === killed.name)).toMatchObject({ nodeId: killed.nodeId, state: "ready", process: "running" });
  });

  it("partitions a node (Swarm marks it down) and heals it (ready again)", async () => {
    const victim = state.nodes[2] as NodeState;
    const cutAt = Date.now();
    await partitionLabNode(dir, victim.name, deps);
    expect((await status(dir, deps)).nodes[2]).toMatchObject({ link: "down", process: "running" });
    const seen = await waitForSwarmState(state, victim, ["down", "disconnected"], systemClock, 60_000);
    console.log(`[lab] partition ${victim.name}: ${seen} after ${(Date.now() - cutAt) / 1000} s`);
    const healedAt = Date.now();
    await healLabNode(dir, victim.name, deps);
    await waitForSwarmState(state, victim, ["ready"], systemClock, 60_000);
    console.log(`[lab] heal ${victim.name}: ready after ${(Date.now() - healedAt) / 1000} s`);
  });

  it("drains a node: its task moves to the other worker", async () => {
    const holder = await waitForTaskOn(state, () => true, 30_000);
    await drainLabNode(dir, holder.name, deps);
    const moved = await waitForTaskOn(state, (n) => n.name !== holder.name, 60_000);
    expect(moved.role).toBe("worker");
  });
});

describe.skipIf(skip)("lab node supervisor (pre-dockerd program)", () => {
  const deps = defaultLabDeps();
  let dir = "";

  afterAll(async () => {
    if (dir === "") return;
    await down(dir, deps);
    await rm(dir, { recursive: true, force: true });
  });

  it("starts the pre-dockerd program in the node before dockerd, and kill takes it down too", async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-lab-it-pre-"));
    const { state } = await up({
      dir,
      nodes: 1,
      bare: true,
      preDockerd: () => ({
        argv: ["sh", "-c", "hostname > /run/docker/plugins/agent.ready; exec sleep 1000017"],
        waitFor: "/run/docker/plugins/agent.ready",
      }),
    }, deps);
    const node = state.nodes[0] as NodeState;
    // Written inside the node (its hostname, its plugin dir), visible at the host path.
    expect((await readFile(join(node.paths.pluginDir, "agent.ready"), "utf8")).trim()).toBe("node1");
    const agent = (await listProcesses()).find((p) => p.argv.join(" ") === "sleep 1000017" && p.pid !== node.pid1);
    expect(agent).toBeDefined();
    await killLabNode(dir, "node1", deps);
    expect(await isRunning(agent?.pid ?? -1)).toBe(false);
    await restartLabNode(dir, "node1", deps);
    const again = (await listProcesses()).filter((p) => p.argv.join(" ") === "sleep 1000017");
    expect(again.length).toBeGreaterThan(0);
  });
});
