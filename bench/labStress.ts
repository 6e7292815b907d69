/**
 * `npm run bench -- lab-stress`: the fast lease under a full CPU (issue 14 Done-when 2, ADR
 * 0022). A lab of 3 managers (a controller replica each) and 2 workers with the emulator's
 * AWS-like latencies; a writer on a swarmvol volume pinned to every node; then a global
 * stress service fills every core for STRESS_MINUTES (10 by default, or the environment's
 * SWARMVOL_STRESS_MINUTES) and every minute is checked for a false fence
 * (bench/lab/stress.ts). Then one control minute under the same load: a worker's agent is
 * frozen (SIGSTOP) for CONTROL_FREEZE_MS, past its lease and grace, and that minute must
 * count a fence, so a clean window is not a blind one. The controllers and agents run with
 * the settings of the environment (SWARMVOL_LEASE_TTL_MS, SWARMVOL_FENCE_GRACE_MS, ...),
 * the defaults otherwise.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OperatorClient } from "../api/client/operatorClient.js";
import { controllerHosts, controllerUrl, defaultLabDeps, down, signalAgent, swarmvolPaths, up, BUSYBOX_IMAGE, type LabState } from "../lab/cluster/index.js";
import { collectLogs } from "../lab/drill/environment.js";
import { readSelfFence } from "../lab/drill/selfFence.js";
import { dockerOn, managerOf, sleep, tasksOf, waitFor } from "./lab/labDocker.js";
import { countFenceEvents, idleFraction, readCpuTimes, STRESS_COMMAND, summariseControl, summariseStress, type StressMinute } from "./lab/stress.js";
import { BENCH_LOGS } from "./labFailover.js";
import type { BenchResult } from "./stats.js";

const MINUTE_MS = 60_000;
/** Past the default lease (3 s) and grace (2 s) with room for a loaded controller's rounds. */
const CONTROL_FREEZE_MS = 10_000;
const writer = "i=0; while true; do i=$((i+1)); echo $i >> /data/log; sync; sleep 0.2; done";

export async function benchLabStress(minutes = Number(process.env.SWARMVOL_STRESS_MINUTES ?? 10)): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), "swarmvol-bench-stress-"));
  const deps = defaultLabDeps();
  try {
    const { state } = await up({ dir, nodes: 5, managers: 3, fastCloud: false }, deps);
    await startWriters(state);
    const urls = controllerHosts(state.nodes).map(controllerUrl);
    const client = new OperatorClient({ endpoints: () => urls, token: (await readFile(swarmvolPaths(dir).tokenFile, "utf8")).trim(), timeoutMs: 30_000 });
    await startStress(state);
    const samples = await watch(state, client, minutes);
    const control = await controlMinute(state, client);
    const settings = `lease ${process.env.SWARMVOL_LEASE_TTL_MS ?? "3000 (default)"} ms + grace ${process.env.SWARMVOL_FENCE_GRACE_MS ?? "2000 (default)"} ms`;
    return [...summariseStress(samples.minutes, samples.idle, settings), summariseControl(control, CONTROL_FREEZE_MS)];
  } finally {
    await collectLogs(dir, Array.from({ length: 5 }, (_, i) => `node${i + 1}`), join(BENCH_LOGS, "lab-stress")).catch(() => undefined);
    await down(dir, deps).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/** One writer per node, pinned there, each on its own volume; waits until all run. */
async function startWriters(state: LabState): Promise<void> {
  const manager = managerOf(state);
  for (const node of state.nodes) {
    await dockerOn(manager, ["volume", "create", "-d", "swarmvol", "-o", "size=1", `stress-${node.name}`]);
    await dockerOn(manager, [
      "service", "create", "-d", "--name", `writer-${node.name}`, "--constraint", `node.id==${node.nodeId}`,
      "--mount", `type=volume,source=stress-${node.name},target=/data,volume-driver=swarmvol`, BUSYBOX_IMAGE, "sh", "-c", writer,
    ]);
  }
  for (const node of state.nodes) {
    await waitFor(`writer-${node.name} running`, 300_000, async () => ((await tasksOf(state, `writer-${node.name}`)).some((t) => t.state === "running") ? true : undefined), 1_000);
  }
}

async function startStress(state: LabState): Promise<void> {
  await dockerOn(managerOf(state), ["service", "create", "-d", "--name", "stress", "--mode", "global", BUSYBOX_IMAGE, "sh", "-c", STRESS_COMMAND]);
  await waitFor("the stress service on every node", 300_000, async () => {
    const running = (await tasksOf(state, "stress")).filter((t) => t.state === "running");
    return new Set(running.map((t) => t.node)).size >= state.nodes.length ? true : undefined;
  }, 1_000);
}

/** The control minute: a worker's agent frozen past its lease and grace, then thawed; counted like any minute. */
async function controlMinute(state: LabState, client: OperatorClient): Promise<StressMinute> {
  const windowStart = Date.now();
  const from = Date.now();
  const victim = state.nodes.find((node) => node.role === "worker") ?? (state.nodes.at(-1) as LabState["nodes"][number]);
  const pids = await signalAgent(victim, "SIGSTOP");
  try {
    await sleep(CONTROL_FREEZE_MS);
  } finally {
    await signalAgent(victim, "SIGCONT");
  }
  await sleep(MINUTE_MS - CONTROL_FREEZE_MS);
  const sample = await countMinute(state, client, windowStart, from, Date.now());
  process.stderr.write(`bench: lab-stress control minute (agent on ${victim.name}, pids ${pids.join(",")}, frozen ${CONTROL_FREEZE_MS} ms): ${JSON.stringify(sample)}\n`);
  return sample;
}

/** What one minute [from, to] left behind (bench/lab/stress.ts StressMinute). */
async function countMinute(state: LabState, client: OperatorClient, windowStart: number, from: number, to: number): Promise<StressMinute> {
  const events = (await client.events({ sinceTime: new Date(from).toISOString(), limit: 1000 })).events.filter((e) => Date.parse(e.time) <= to);
  const fence = await readSelfFence(state, from, to);
  const restarts = await restartsSince(state, windowStart, from, to);
  return { ...countFenceEvents(events.map((e) => e.type)), selfFenceLapses: fence.lapses, kills: fence.kills, restarts };
}

/** Minute by minute: the leader's fence events, the agents' self-fencing, writer restarts, CPU idle. */
async function watch(state: LabState, client: OperatorClient, minutes: number): Promise<{ minutes: StressMinute[]; idle: number[] }> {
  const result: { minutes: StressMinute[]; idle: number[] } = { minutes: [], idle: [] };
  const windowStart = Date.now();
  for (let minute = 0; minute < minutes; minute += 1) {
    const from = Date.now();
    const cpuBefore = await readCpuTimes();
    await sleep(MINUTE_MS);
    const to = Date.now();
    result.idle.push(idleFraction(cpuBefore, await readCpuTimes()));
    const sample = await countMinute(state, client, windowStart, from, to);
    result.minutes.push(sample);
    process.stderr.write(`bench: lab-stress minute ${minute + 1}/${minutes}: idle ${(result.idle.at(-1) ?? 0).toFixed(3)}, ${JSON.stringify(sample)}\n`);
  }
  return result;
}

/** Writer tasks created in [from, to] after the window began (each one a container that had to start again). */
async function restartsSince(state: LabState, windowStart: number, from: number, to: number): Promise<number> {
  let count = 0;
  for (const node of state.nodes) {
    count += (await tasksOf(state, `writer-${node.name}`)).filter((t) => t.createdAt > windowStart && t.createdAt >= from && t.createdAt <= to).length;
  }
  return count;
}
