/**
 * Issue 14 Done-when 1, summarised: node kill → the database answers with every
 * acknowledged row, p50 ≤ 12 s and p95 ≤ 15 s over at least 10 kills, reported beside
 * Swarm's own detection (when a manager first listed the killed node down) in the same
 * run. Reads the drill's JSON report (lab/drill/report.ts buildReport). Pure.
 */
import { summarise, type BenchResult } from "../stats.js";

/** What the summary reads of one drill run. */
export interface DrillRun {
  passed: boolean;
  timeline: { t0: number; t9?: number };
  swarmNodeDownAt?: number;
}

export interface KillSeries {
  /** Kill → first acknowledged database write, of the runs that passed (every acknowledged row present). */
  answersMs: number[];
  /** Kill → Swarm lists the node down, where it was seen. */
  swarmDownMs: number[];
  /** Runs that failed (a write lost, a violation, no answer). */
  failed: number;
}

export function killSeries(runs: readonly DrillRun[]): KillSeries {
  const series: KillSeries = { answersMs: [], swarmDownMs: [], failed: 0 };
  for (const run of runs) {
    const { t0, t9 } = run.timeline;
    if (!run.passed || t9 === undefined) series.failed += 1;
    else series.answersMs.push(t9 - t0);
    if (run.swarmNodeDownAt !== undefined) series.swarmDownMs.push(run.swarmNodeDownAt - t0);
  }
  return series;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The series as benchmark results, their ids suffixed with the setting (`hb5s`: Swarm's
 * default dispatcher heartbeat): both targets, Swarm's detection beside them, and the failed runs.
 */
export function summariseKills(setting: string, title: string, series: KillSeries): BenchResult[] {
  const sorted = [...series.swarmDownMs].sort((a, b) => a - b);
  const detection = sorted.length === 0 ? "Swarm's detection not seen" : `Swarm listed the node down after ${sorted.map(seconds).join(", ")}`;
  const note = `${series.answersMs.length} kills answered, ${series.failed} failed; ${detection}`;
  const answered = `P7 node kill → database answers with every acknowledged row (${title})`;
  return [
    summarise(`lab.p7.kill-answers.${setting}`, answered, "ms", series.answersMs, { stat: "p50", max: 12_000 }, note),
    summarise(`lab.p7.kill-answers-p95.${setting}`, `${answered}, p95`, "ms", series.answersMs, { stat: "p95", max: 15_000 }, note),
    summarise(`lab.p7.swarm-node-down.${setting}`, `P7 kill → Swarm lists the node down (${title})`, "ms", series.swarmDownMs, null),
    summarise(`lab.p7.kill-failed.${setting}`, `P7 kill runs failed or losing a write (${title})`, "failures", [series.failed], { stat: "p50", max: 0 }),
  ];
}
