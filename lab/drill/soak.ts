/**
 * `swarmvol drill --soak N`: one lab, N rounds, each a fault drawn by soakPlan.ts from the
 * seed (printed first, so a failing soak can be replayed with `--soak N --seed S`) and run
 * by the drill's own runScenario, while the db and file clients keep writing throughout.
 *
 * A round that fails its checks (a write lost, a double attachment, a violation) is
 * counted and the soak goes on. A round that ended in an error (the fault machinery or a
 * workload did not come back, the lab could not be read) stops the soak: later rounds
 * would only measure a broken lab. Either way the closing figures are printed, and with
 * `--results FILE` merged into that benchmark results file.
 */
import { basename, dirname, join } from "node:path";
import { writeResults } from "../../bench/resultsFile.js";
import { findDoubleAttachments } from "./doubleAttach.js";
import { fetchCloudLog } from "./observe.js";
import type { DrillOptions } from "./options.js";
import { label, renderRun, type ScenarioResult } from "./report.js";
import { runScenario, type DrillWorld } from "./scenario.js";
import { describeRound, planRound, soakPool } from "./soakPlan.js";
import { renderSoak, soakBenchResults, summariseSoak, type SoakSummary } from "./soakReport.js";

/** The seed of this soak: the one asked for, or a fresh one (printed, so it can be replayed). */
export function soakSeed(options: Pick<DrillOptions, "seed">, random: () => number = Math.random): number {
  return options.seed ?? Math.floor(random() * 2 ** 32);
}

/** The chart drawn beside a results file named results.json (as `npm run bench` does); none for other names. */
export function chartBeside(resultsFile: string): string | undefined {
  return basename(resultsFile) === "results.json" ? join(dirname(resultsFile), "results.svg") : undefined;
}

async function doubleAttachmentsInLog(world: DrillWorld): Promise<number | undefined> {
  const names = new Map(world.state.nodes.map((n) => [n.instanceId, n.name]));
  return fetchCloudLog(world.state).then((log) => findDoubleAttachments(log.events, names).length, () => undefined);
}

/** Runs the rounds into `results`; returns the summary (already printed, and written with --results). */
export async function runSoak(world: DrillWorld, options: DrillOptions, out: (text: string) => void, results: ScenarioResult[]): Promise<SoakSummary> {
  const rounds = options.soak ?? 1;
  const seed = soakSeed(options);
  const pool = soakPool(options.managers);
  world.progress.note(`[soak] ${rounds} rounds, seed ${seed} (replay: --soak ${rounds} --seed ${seed}); faults: ${pool.faults.join(", ")}`);
  if (pool.leftOut !== null) world.progress.note(`[soak] ${pool.leftOut}`);
  let stoppedEarly: string | null = null;
  const first = results.length;
  for (let round = 1; round <= rounds; round++) {
    const plan = planRound(seed, round, pool, options.cloudFaults);
    world.progress.note(`[soak] ${describeRound(plan, rounds)}`);
    const result = await runScenario(world, plan.scenario, round, { cloudFaults: plan.cloudFaults });
    result.soakRound = { round, seed };
    results.push(result);
    out(renderRun(result));
    if (result.error !== null) {
      stoppedEarly = `round ${round} (seed ${seed}) ${label(result)} ended in an error, the lab may be broken: ${result.error}`;
      world.progress.note(`[soak] stopping: ${stoppedEarly}`);
      break;
    }
  }
  const inLog = await doubleAttachmentsInLog(world);
  const summary = summariseSoak({
    seed, requested: rounds, results: results.slice(first), stoppedEarly, ...(inLog === undefined ? {} : { doubleAttachmentsInLog: inLog }),
  });
  out(renderSoak(summary));
  if (options.resultsFile !== null) {
    const chart = chartBeside(options.resultsFile);
    await writeResults(options.resultsFile, soakBenchResults(summary), chart === undefined ? {} : { chart });
    world.progress.note(`[soak] figures merged into ${options.resultsFile}${chart === undefined ? "" : ` (chart ${chart})`}`);
  }
  return summary;
}
