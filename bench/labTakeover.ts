/**
 * `npm run bench -- lab-takeover`: controller high availability on a real lab of 3
 * managers (a controller replica each) and 2 workers, with the emulator's AWS-like
 * latencies and a writer service on a swarmvol volume on a worker (so a lapsed agent
 * would have a container to kill). N rounds of a crash (SIGKILL to the leader replica)
 * and N of a graceful handover (SIGTERM), alternating; see bench/lab/takeover.ts.
 *
 * Until the HA controller is merged, the replicas answer /v1/health without a role (each
 * would act on its own): the suite then reports its three results unmeasured (misses, with
 * the reason in their notes) instead of timing a takeover that does not exist.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultLabDeps, down, up } from "../lab/cluster/index.js";
import { createWriter } from "./lab/nodeKill.js";
import { summariseTakeover, takeoverRound, whyNotMeasurable, type TakeoverSample } from "./lab/takeover.js";
import type { BenchResult } from "./stats.js";

/** Rounds per kind (crash and handover). */
export const TAKEOVER_ROUNDS = 5;

export async function benchLabTakeover(rounds = TAKEOVER_ROUNDS): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), "swarmvol-bench-takeover-"));
  const deps = defaultLabDeps();
  try {
    const { state } = await up({ dir, nodes: 5, managers: 3, fastCloud: false }, deps);
    const notMeasured = await whyNotMeasurable(state);
    if (notMeasured !== null) {
      process.stderr.write(`bench: lab-takeover not measured: ${notMeasured}\n`);
      return summariseTakeover([], notMeasured);
    }
    await createWriter(state, "takeover", "takeoverdata");
    const samples: TakeoverSample[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      for (const kind of ["crash", "handover"] as const) {
        const sample = await takeoverRound(state, dir, kind);
        samples.push(sample);
        process.stderr.write(`bench: lab-takeover ${kind} #${round}: ${sample.from} → ${sample.to} in ${sample.takeoverMs} ms, ${sample.lapses} lapses, ${sample.kills} kills\n`);
      }
    }
    return summariseTakeover(samples);
  } finally {
    await down(dir, deps).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
