/**
 * Issue 14 Done-when 1, summarised: node kill → the database answers with every
 * acknowledged row, p50 ≤ 12 s and p95 ≤ 15 s over at least 10 kills, reported beside
 * Swarm's own detection (when a manager first listed the killed node down) in the same
 * run. Reads the drill's JSON report (lab/drill/report.ts buildReport). Pure.
 *
 * Beside them, "the cost after the attach" (issue 14): where the seconds between t5
 * (attached) and t9 (first acknowledged write) go, per step of the drill's own phase
 * stamps (lab/drill/timeline.ts), so nothing is measured twice or by another clock.
 */
import { summarise, type BenchResult } from "../stats.js";

/** What the summary reads of one drill run (its `timeline`: absolute epoch ms per observed phase). */
export interface DrillRun {
  passed: boolean;
  timeline: { t0: number; t5?: number; t6?: number; t7?: number; t8?: number; t9?: number };
  swarmNodeDownAt?: number;
}

/** The steps after the attach, each from one phase to the next, as their result ids name them. */
export const AFTER_ATTACH_STEPS = [
  { id: "wait-mount", from: "t5", to: "t6", title: "attached → device verified (waiting for Docker's Mount, which Swarm sends once the node is down)" },
  { id: "fsck-mount", from: "t6", to: "t7", title: "device verified → mounted (e2fsck -p with journal replay, then mount)" },
  { id: "container-start", from: "t7", to: "t8", title: "mounted → new task running (container start)" },
  { id: "db-answers", from: "t8", to: "t9", title: "task running → first write acknowledged (PostgreSQL recovery and the client)" },
] as const;
export type AfterAttachStep = (typeof AFTER_ATTACH_STEPS)[number]["id"];

export interface KillSeries {
  /** Kill → first acknowledged database write, of the runs that passed (every acknowledged row present). */
  answersMs: number[];
  /** Kill → Swarm lists the node down, where it was seen. */
  swarmDownMs: number[];
  /** Runs that failed (a write lost, a violation, no answer). */
  failed: number;
  /** Per step after the attach, its duration in each passed run that stamped both ends. */
  afterAttachMs: Record<AfterAttachStep, number[]>;
}

function emptySteps(): Record<AfterAttachStep, number[]> {
  return Object.fromEntries(AFTER_ATTACH_STEPS.map((step) => [step.id, []])) as unknown as Record<AfterAttachStep, number[]>;
}

export function killSeries(runs: readonly DrillRun[]): KillSeries {
  const series: KillSeries = { answersMs: [], swarmDownMs: [], failed: 0, afterAttachMs: emptySteps() };
  for (const run of runs) {
    const { t0, t9 } = run.timeline;
    if (!run.passed || t9 === undefined) series.failed += 1;
    else {
      series.answersMs.push(t9 - t0);
      for (const step of AFTER_ATTACH_STEPS) {
        const [from, to] = [run.timeline[step.from], run.timeline[step.to]];
        if (from !== undefined && to !== undefined) series.afterAttachMs[step.id].push(to - from);
      }
    }
    if (run.swarmNodeDownAt !== undefined) series.swarmDownMs.push(run.swarmNodeDownAt - t0);
  }
  return series;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The steps after the attach as reported results (no target: issue 14 asks where the time
 * goes, not for a bound), each with its p50 and p95 over the passed kills; a step that some
 * passed runs did not stamp says how many in its notes.
 */
export function summariseAfterAttach(setting: string, title: string, series: KillSeries): BenchResult[] {
  return AFTER_ATTACH_STEPS.map((step) => {
    const values = series.afterAttachMs[step.id];
    const unstamped = series.answersMs.length - values.length;
    const note = `${step.from}→${step.to} over ${values.length} passed kills${unstamped > 0 ? `; ${unstamped} passed kills lack ${step.from} or ${step.to}` : ""}`;
    return summarise(`lab.p7.after-attach.${step.id}.${setting}`, `P7 after the attach, ${step.title} (${title})`, "ms", values, null, note);
  });
}

/**
 * The series as benchmark results, their ids suffixed with the setting (`hb5s`: Swarm's
 * default dispatcher heartbeat): both targets, Swarm's detection beside them, the failed
 * runs, then the steps after the attach ({@link summariseAfterAttach}).
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
    ...summariseAfterAttach(setting, title, series),
  ];
}
