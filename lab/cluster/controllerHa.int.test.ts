/**
 * Controller HA in a real lab (issue 9): 3 managers and 2 workers, a replica on every
 * manager, a busybox service on a worker writing to a swarmvol volume. Proves, with real
 * dockerd nodes, Swarm's Raft store and the EC2 emulator (--fast-cloud):
 * - the leader's process killed (-9), then the manager holding the leadership killed: the
 *   same task keeps running on its worker and no agent's lease lapses;
 * - every replica stopped and its state directory deleted while the volume's node is dead:
 *   the new leader still frees that node's volume and it follows its task, keeping its
 *   options and creation time (they come from Swarm's store, not the lost files).
 * Needs root and a built dist/; outside CI a missing requirement skips, under CI=true never.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shouldSkip } from "../../test/support/requirements.js";
import { readSelfFence } from "../drill/selfFence.js";
import { dockerCli } from "../drill/environment.js";
import { pollUntil } from "./engine.js";
import { hostRunner } from "./host.js";
import { BUSYBOX_IMAGE, defaultLabDeps, down, killLabNode, restartLabNode, systemClock, up } from "./lab.js";
import type { LabState, NodeState } from "./state.js";
import { killController, startController } from "./swarmvolController.js";
import { nodeSwarmvolPaths, swarmvolPaths } from "./swarmvolPlan.js";
import { leaderReplica, waitForLeader } from "./swarmvolReplicas.js";

const skip = shouldSkip("controller HA in the lab", ["dockerd", "docker-registry", "iptables", "nsenter", "unshare", "busybox", "ip", "losetup"]);
const missingBuild = ["dist/cli/main.js", "dist/lab/cloud/main.js"].find((file) => !existsSync(join(import.meta.dirname, "..", "..", file)));
if (missingBuild !== undefined && !skip) throw new Error(`controller HA lab test needs ${missingBuild}; run \`npm run build\` (npm test does)`);

const SERVICE = "hasvc";
const VOLUME = "ha-data";

describe.skipIf(skip)("controller replicas in a lab of 3 managers and 2 workers", () => {
  const deps = defaultLabDeps();
  let dir = "";
  let state: LabState;
  const manager = () => state.nodes.find((n) => n.role === "manager" && n.pid1 !== null) as NodeState;
  const docker = async (args: string[]) => (await dockerCli(hostRunner, manager(), args)).trim();
  /** The service's running tasks as "taskId node". */
  const running = async () => (await docker(["service", "ps", SERVICE, "--filter", "desired-state=running", "--format", "{{.ID}} {{.Node}} {{.CurrentState}}"]))
    .split("\n").filter((line) => line.includes("Running")).map((line) => line.split(" ").slice(0, 2).join(" "));
  const volume = async () => {
    const token = (await readFile(swarmvolPaths(dir).tokenFile, "utf8")).trim();
    const leader = await leaderReplica(state);
    const answer = await fetch(`${leader?.url}/v1/volumes/${VOLUME}`, { headers: { Authorization: `Bearer ${token}` } });
    return ((await answer.json()) as { volume?: { createdAt: string; spec: { options: Record<string, string> }; status: { epoch: number } } }).volume;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-lab-ha-"));
    state = (await up({ dir, nodes: 5, managers: 3, fastCloud: true }, deps)).state;
    await docker(["volume", "create", "-d", "swarmvol", "-o", "size=1", VOLUME]);
    await docker(["service", "create", "-d", "--name", SERVICE, "--constraint", "node.role==worker", "--restart-delay", "1s",
      "--mount", `type=volume,source=${VOLUME},target=/data,volume-driver=swarmvol`,
      BUSYBOX_IMAGE, "sh", "-c", "while true; do date >> /data/log; sleep 1; done"]);
    await pollUntil(systemClock, 120_000, `${SERVICE} running`, async () => ((await running()).length === 1 ? true : null), 500);
  });

  afterAll(async () => {
    if (dir) {
      await down(dir, deps).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  /** Runs a fault and checks the task and every agent's lease came through it untouched. */
  async function survives(fault: () => Promise<string>): Promise<void> {
    const before = await running();
    const from = Date.now();
    const gone = await fault();
    await waitForLeader(state, { clock: systemClock, exclude: [gone], timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    expect(await running()).toEqual(before);
    const ends = Object.fromEntries(state.nodes.filter((n) => n.name === gone).map((n) => [n.name, from]));
    const fenced = await readSelfFence(state, from, Date.now(), ends);
    expect(fenced, JSON.stringify(fenced.byNode)).toMatchObject({ lapses: 0, kills: 0 });
  }

  it("the leader's process killed with -9: another replica leads, the task keeps running, no lease lapses", async () => {
    await survives(async () => (await killController(dir, { clock: systemClock })).node);
    await startController(dir);
  });

  it("the manager holding the leadership killed: the same, and it rejoins as a standby", async () => {
    const leader = await leaderReplica(state);
    expect(leader).not.toBeNull();
    await survives(async () => {
      await killLabNode(dir, leader?.node as string, deps);
      return leader?.node as string;
    });
    await restartLabNode(dir, leader?.node as string, deps);
    await startController(dir);
    const roles = await waitForLeader(state, { clock: systemClock, timeoutMs: 30_000 });
    expect(roles.leader.node).not.toBe(leader?.node);
  });

  it("every replica's state directory deleted while the volume's node is dead: the volume still follows its task", async () => {
    const [task] = await running();
    const victim = state.nodes.find((n) => n.name === task?.split(" ")[1]) as NodeState;
    const before = await volume();
    await killLabNode(dir, victim.name, deps);
    for (const host of state.nodes.filter((n) => n.role === "manager")) {
      await killController(dir, { node: host.name, clock: systemClock });
      await rm(nodeSwarmvolPaths(host).controllerStateDir, { recursive: true, force: true });
    }
    await startController(dir);
    const moved = await pollUntil(systemClock, 120_000, `${SERVICE} running away from ${victim.name}`, async () => {
      const lines = await running().catch(() => []);
      return lines.length === 1 && !lines[0]?.includes(victim.name) ? lines[0] : null;
    }, 1_000);
    expect(moved).not.toContain(victim.name);
    const after = await volume();
    expect(after?.createdAt).toBe(before?.createdAt);
    expect(after?.spec.options).toEqual({ size: "1" });
    expect(after?.status.epoch).toBeGreaterThan(before?.status.epoch ?? 0);
    await restartLabNode(dir, victim.name, deps);
  });
});
