import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultFaults } from "../lab/cloud/faults.js";
import { defaultLabDeps, down, up, type LabState } from "../lab/cluster/index.js";
import type { LabDeps } from "../lab/cluster/lab.js";
import { BURST_TIMEOUT_MS, deployBurst, type BurstRound } from "./lab/burst.js";
import { renderProfile, renderSlowest } from "./lab/burstProfile.js";
import { renderPipeline } from "./lab/swarmPipeline.js";
import { renderCpu } from "./lab/cpuShare.js";
import { collectLogs } from "../lab/drill/environment.js";
import { createMover, handoffTimes } from "./lab/handoff.js";
import { createWriter, killAndTime } from "./lab/nodeKill.js";
import { summarise, type BenchResult } from "./stats.js";

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** Where each lab suite's daemon, node and EC2 logs are copied before `lab down`. */
export const BENCH_LOGS = "/var/tmp/swarmvol-bench-logs";

/**
 * Runs `body` on a fresh 4-node lab with the emulator's AWS-like latencies; always copies
 * the lab's logs (a benchmark's slow or failed round is explained by them) and tears it down.
 */
async function withLab<T>(suite: string, body: (state: LabState, dir: string, deps: LabDeps) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "swarmvol-bench-lab-"));
  const deps = defaultLabDeps();
  try {
    const { state } = await up({ dir, nodes: 4, fastCloud: false }, deps);
    return await body(state, dir, deps);
  } finally {
    const logs = join(BENCH_LOGS, suite);
    const names = Array.from({ length: 4 }, (_, i) => `node${i + 1}`);
    await collectLogs(dir, names, logs).then(() => process.stderr.write(`bench: ${suite} lab logs copied to ${logs}\n`), () => undefined);
    await down(dir, deps).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * P1 and P2 on a real 4-node lab: handoff overhead of a move, and node kill → data back.
 */
export function benchLabFailover(): Promise<BenchResult[]> {
  const latency = defaultFaults().latencyMs;
  return withLab("lab-failover", async (state, dir, deps) => {
    await createMover(state, "p1vol", "p1data");
    await createMover(state, "p1base", undefined);
    const withVolume = await handoffTimes(state, "p1vol", 12);
    const baseline = median(await handoffTimes(state, "p1base", 8));
    const cloudLatency = latency.detach + latency.attach;
    const overhead = withVolume.map((ms) => ms - baseline - cloudLatency);
    await createWriter(state, "p2", "p2data");
    const kills = [await killAndTime(state, dir, deps, "p2"), await killAndTime(state, dir, deps, "p2")];
    const excess = kills.map((kill) => kill.dataBackMs - kill.detectionMs - cloudLatency);
    return [
      summarise("lab.p1.handoff-overhead", "P1 handoff overhead (task created → running, minus no-volume baseline and cloud latency)", "ms", overhead, { stat: "p50", max: 300 },
        `p95 target 1000 ms: ${overhead.length} moves; baseline ${Math.round(baseline)} ms; cloud ${cloudLatency} ms`),
      summarise("lab.p2.kill-data-back", "P2 node kill → data back, minus Swarm detection and cloud latency", "ms", excess, { stat: "p99", max: 2000 },
        kills.map((kill) => `detection ${kill.detectionMs} ms, data back ${kill.dataBackMs} ms`).join("; ")),
    ];
  });
}

/**
 * P6 on a real 4-node lab: 50 services each with a new volume in one stack deploy, against
 * the same deploy without volumes (Swarm's own time on this machine) in the same round, so
 * both see the same machine: the shared machine's load changes from minute to minute, and
 * only the ratio within a round says what swarmvol adds. Three rounds.
 */
export function benchLabBurst(): Promise<BenchResult[]> {
  const latency = defaultFaults().latencyMs;
  const burstLatency = latency.create + latency.attach;
  return withLab("lab-burst", async (state, dir) => {
    const rounds: Array<{ baseline: BurstRound; burst: BurstRound }> = [];
    for (let round = 1; round <= 3; round += 1) {
      const baseline = await deployBurst(state, dir, 50, false, round);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const burst = await deployBurst(state, dir, 50, true, round);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      rounds.push({ baseline, burst });
      process.stderr.write(`bench: lab-burst round ${round}: ${roundNote({ baseline, burst }, round)}\n`);
    }
    const notes = rounds.map((r, index) => roundNote(r, index + 1)).join("; ");
    const timeout = BURST_TIMEOUT_MS;
    const ms = (r: BurstRound) => r.ms ?? timeout;
    return [
      summarise("lab.p6.burst-ratio", "P6 50 services with new volumes: time until all run, as a multiple of the same round's deploy without volumes", "ratio",
        rounds.map((r) => ms(r.burst) / ms(r.baseline)), { stat: "p99", max: 1.5 }, `2 cores; cloud ${burstLatency} ms; ${notes}`),
      summarise("lab.p6.burst-50", "P6 50 services with new volumes: all running, minus the same deploy without volumes and create+attach latency", "ms",
        rounds.map((r) => ms(r.burst) - ms(r.baseline) - burstLatency), { stat: "p50", max: 5000 }, `cloud ${burstLatency} ms, 2 cores`),
      summarise("lab.p6.burst-errors", "P6 failed or rejected tasks in the 50-service burst", "tasks",
        rounds.map((r) => r.burst.errors + (r.burst.ms === undefined ? 1 : 0)), { stat: "p99", max: 0 }),
    ];
  });
}

/** One round for the notes: times, ratio, task errors, the slowest volume and what could not be removed. */
function roundNote(r: { baseline: BurstRound; burst: BurstRound }, round: number): string {
  const s = (ms: number | undefined) => (ms === undefined ? `not all running in ${BURST_TIMEOUT_MS / 1000} s` : `${(ms / 1000).toFixed(1)} s`);
  const ratio = r.burst.ms !== undefined && r.baseline.ms !== undefined ? ` (${(r.burst.ms / r.baseline.ms).toFixed(2)}×)` : "";
  const parts = [`round ${round}: ${s(r.burst.ms)} with volumes, ${s(r.baseline.ms)} without${ratio}`];
  if (r.burst.errors > 0) parts.push(`task errors ${r.burst.taskErrors.join(" | ")}`);
  if (r.baseline.errors > 0) parts.push(`baseline task errors ${r.baseline.taskErrors.join(" | ")}`);
  if (r.baseline.pipeline) parts.push(`baseline ${renderPipeline(r.baseline.pipeline)}`);
  if (r.baseline.cpu) parts.push(`baseline ${renderCpu(r.baseline.cpu)}`);
  if (r.burst.pipeline) parts.push(`burst ${renderPipeline(r.burst.pipeline)}`);
  if (r.burst.cpu) parts.push(`burst ${renderCpu(r.burst.cpu)}`);
  if (r.burst.slowest) parts.push(`slowest ${renderSlowest(r.burst.slowest)}`);
  if (r.burst.profile) parts.push(renderProfile(r.burst.profile));
  if (r.burst.leftovers.length > 0) parts.push(`not removed: ${r.burst.leftovers.join(" | ")}`);
  return parts.join(", ");
}
