/**
 * The figures of `npm run bench -- lab-cross-zone` from a drill report (`swarmvol drill
 * --zones 2 --scenario cross-zone --json FILE`): per relocation, t4a→t4b (the snapshot of
 * the detached old volume completing, then the new volume created from it in the other
 * zone) and t2→t7 (the controller saw the task in the other zone → the new volume mounted
 * there). Pure, unit-tested; the suite that runs the drill is bench/labCrossZone.ts.
 */
import { summarise, type BenchResult } from "../stats.js";

/** The parts of one run of the drill's JSON report this reads (lab/drill/report.ts buildReport). */
export interface CrossZoneRun {
  scenario: string;
  iteration: number;
  passed: boolean;
  failures: readonly string[];
  timeline: Partial<Record<"t0" | "t2" | "t4" | "t4a" | "t4b" | "t5" | "t7" | "t9", number>>;
}

export interface CrossZoneSample {
  iteration: number;
  /** t4a → t4b in ms. */
  snapshotToCreatedMs: number;
  /** t2 → t7 in ms. */
  seenToMountedMs: number;
  /** t4 → t4a: the detached volume's snapshot call (ms). */
  detachedToSnapshotMs: number;
}

/**
 * The samples of the passed cross-zone runs with every phase needed; the others are named
 * in `rejected` (a run that lost data or missed a phase measures nothing).
 */
export function crossZoneSamples(runs: readonly CrossZoneRun[]): { samples: CrossZoneSample[]; rejected: string[] } {
  const samples: CrossZoneSample[] = [];
  const rejected: string[] = [];
  for (const run of runs.filter((r) => r.scenario === "cross-zone")) {
    const { t2, t4, t4a, t4b, t7 } = run.timeline;
    if (!run.passed) {
      rejected.push(`run ${run.iteration} failed: ${run.failures.join("; ") || "no reason given"}`);
    } else if (t2 === undefined || t4 === undefined || t4a === undefined || t4b === undefined || t7 === undefined) {
      rejected.push(`run ${run.iteration} lacks a phase (t2, t4, t4a, t4b or t7)`);
    } else {
      samples.push({ iteration: run.iteration, snapshotToCreatedMs: t4b - t4a, seenToMountedMs: t7 - t2, detachedToSnapshotMs: t4a - t4 });
    }
  }
  return { samples, rejected };
}

/**
 * Two results, reported without a target (issue 11 asks for the figure, not a bound): the
 * raw per-run figures and any rejected runs go into the notes.
 */
export function crossZoneResults(runs: readonly CrossZoneRun[], context: string): BenchResult[] {
  const { samples, rejected } = crossZoneSamples(runs);
  const each = (pick: (s: CrossZoneSample) => number) => samples.map((s) => `run ${s.iteration} ${(pick(s) / 1000).toFixed(1)} s`).join(", ");
  const tail = [context, ...(rejected.length > 0 ? [`not counted: ${rejected.join(" | ")}`] : [])].join("; ");
  return [
    summarise("lab.cross-zone.t4a-t4b", "Cross-zone relocation of 1 GiB: snapshot taken (t4a) → volume created in the new zone (t4b)", "ms",
      samples.map((s) => s.snapshotToCreatedMs), null, `${each((s) => s.snapshotToCreatedMs) || "no run measured"}; ${tail}`),
    summarise("lab.cross-zone.t2-t7", "Cross-zone relocation of 1 GiB: controller saw the task in the other zone (t2) → mounted there (t7)", "ms",
      samples.map((s) => s.seenToMountedMs), null,
      `${each((s) => s.seenToMountedMs) || "no run measured"}; t4→t4a (the snapshot call) ${each((s) => s.detachedToSnapshotMs) || "-"}; ${tail}`),
  ];
}
