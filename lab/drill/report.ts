/**
 * The drill's report: one result per scenario run, the verdict rules, the JSON document
 * written by `--json FILE`, and the text printed at the end. Pure.
 *
 * A run passes when the service came back (t8 and t9 observed; for a scenario that moves
 * no volume, t9 alone: a write acknowledged by the same task after the fault), no
 * acknowledged row or file is missing or different, the emulator never let two instances
 * hold a volume, and the scenario's own checks (partition fencing, no replaced task and no
 * self-fencing for the controller scenarios) found nothing, and the phases it observed are
 * in order with none of a block volume's missing between t5 and t7 ({@link phaseProblems}).
 */
import type { OverlapViolation } from "../cloud/index.js";
import type { DoubleAttachment } from "./doubleAttach.js";
import { movesVolume, type ScenarioName } from "./options.js";
import { offset, PHASE_LABELS, PHASES, relativeSeconds, renderSummaryTable, renderTimelineTable, type Phase, type Timeline } from "./timeline.js";
import type { FileCheck, RowCheck } from "./verify.js";

export interface ScenarioResult {
  scenario: ScenarioName;
  iteration: number;
  service: string;
  fromNode: string | null;
  toNode: string | null;
  timeline: Timeline;
  rows: RowCheck | null;
  files: FileCheck | null;
  overlaps: OverlapViolation[];
  /** The drill's own check of the EC2 events of this run (doubleAttach.ts); absent when not read. */
  doubleAttachments?: DoubleAttachment[];
  /** The cloud fault profile was on during the run. */
  cloudFaults?: boolean;
  /** A node kill: when a manager first listed the killed node down (Swarm's own detection, ADR 0022). */
  swarmNodeDownAt?: number;
  /** A soak's round: its number and the soak's seed (a replay: `--soak ROUND --seed SEED`). */
  soakRound?: { round: number; seed: number };
  violations: string[];
  notes: string[];
  /** Writes during the scenario (from just before t0 until verified). */
  writes: { db: { acked: number; failed: number }; jenkins: { acked: number; failed: number } };
  error: string | null;
}

/** At most this many missing ids/paths are kept per run in the report. */
const LIST_CAP = 50;

export function lostCount(r: ScenarioResult): number {
  return (r.rows?.missing.length ?? 0) + (r.rows?.corrupt.length ?? 0) + (r.files?.missing.length ?? 0) + (r.files?.corrupt.length ?? 0);
}

/**
 * What is wrong with the timeline itself: a phase stamped later than the next observed one
 * (each is stamped where it happens, so the order must hold: kill-db once showed t7 after
 * t8 while t7 was the controller's receive time), or t7 without t6 (an agent that mounted
 * a block device verified it first and must say when).
 */
export function phaseProblems(timeline: Timeline): string[] {
  const problems: string[] = [];
  const observed = PHASES.filter((phase) => timeline[phase] !== undefined);
  for (let i = 1; i < observed.length; i += 1) {
    const [before, after] = [observed[i - 1] as Phase, observed[i] as Phase];
    if ((timeline[before] as number) > (timeline[after] as number)) {
      problems.push(`phase ${before} (${PHASE_LABELS[before]}) at +${offset(timeline, before)} s is after ${after} (${PHASE_LABELS[after]}) at +${offset(timeline, after)} s`);
    }
  }
  if (timeline.t7 !== undefined && timeline.t6 === undefined) problems.push(`phase t6 (${PHASE_LABELS.t6}) is missing although t7 was stamped`);
  return problems;
}

/** Why a run failed, in words (empty when it passed). */
export function failures(r: ScenarioResult): string[] {
  const why: string[] = [];
  if (r.error !== null) why.push(r.error);
  if (r.timeline.t8 === undefined && movesVolume(r.scenario)) why.push("the service did not run again");
  if (r.timeline.t9 === undefined) why.push("no client write was acknowledged after the fault");
  if (r.rows === null) why.push("rows were not verified");
  if (r.files === null) why.push("files were not verified");
  const lost = lostCount(r);
  if (lost > 0) why.push(`${lost} acknowledged writes lost or changed`);
  if (r.overlaps.length > 0) why.push(`${r.overlaps.length} double attachments in the EC2 log`);
  for (const d of r.doubleAttachments ?? []) why.push(`double attachment: ${d.message}`);
  why.push(...phaseProblems(r.timeline));
  why.push(...r.violations);
  return why;
}

export function passed(r: ScenarioResult): boolean {
  return failures(r).length === 0;
}

export function label(r: ScenarioResult): string {
  return `${r.scenario}${r.cloudFaults === true ? "+cloud" : ""} #${r.iteration}`;
}

/** The JSON report (`--json FILE`). */
export function buildReport(input: {
  startedAt: number; finishedAt: number; options: object; results: readonly ScenarioResult[]; setupError: string | null;
  /** What the controllers' metrics missed (lab/drill/metricsCheck.ts); any fails the drill. */
  metricsProblems?: readonly string[];
}) {
  const cap = <T>(list: readonly T[]) => list.slice(0, LIST_CAP);
  const runs = input.results.map((r) => ({
    ...r,
    rows: r.rows === null ? null : { ...r.rows, missing: cap(r.rows.missing), corrupt: cap(r.rows.corrupt) },
    files: r.files === null ? null : { ...r.files, missing: cap(r.files.missing), corrupt: cap(r.files.corrupt) },
    relative: relativeSeconds(r.timeline) as Partial<Record<Phase, number>>,
    passed: passed(r),
    failures: failures(r),
  }));
  const lost = input.results.reduce((n, r) => n + lostCount(r), 0);
  const metricsProblems = [...(input.metricsProblems ?? [])];
  return {
    startedAt: new Date(input.startedAt).toISOString(),
    finishedAt: new Date(input.finishedAt).toISOString(),
    options: input.options,
    setupError: input.setupError,
    passed: input.setupError === null && input.results.length > 0 && runs.every((r) => r.passed) && metricsProblems.length === 0,
    metricsProblems,
    runs: runs.length,
    failedRuns: runs.filter((r) => !r.passed).length,
    acknowledgedWritesLost: lost,
    results: runs,
  };
}

/** The human text for one finished run: its timeline and verdict. */
export function renderRun(r: ScenarioResult): string {
  const verdict = passed(r) ? "PASS" : `FAIL: ${failures(r).join("; ")}`;
  const rows = r.rows === null ? "rows not verified" : `rows ${r.rows.present}/${r.rows.acked} acknowledged present`;
  const files = r.files === null ? "files not verified" : `files ${r.files.present}/${r.files.acked} acknowledged intact`;
  return [
    `== ${label(r)}: ${r.service} ${r.fromNode ?? "?"} -> ${r.toNode ?? "?"}`,
    renderTimelineTable(r.timeline).trimEnd(),
    ...r.notes.map((n) => `   note: ${n}`),
    `   ${rows}; ${files}; overlaps ${r.overlaps.length}; double attachments ${r.doubleAttachments?.length ?? "-"}; writes during: db ${r.writes.db.acked} acked/${r.writes.db.failed} failed, jenkins ${r.writes.jenkins.acked} acked/${r.writes.jenkins.failed} failed`,
    `   ${verdict}`,
    "",
  ].join("\n");
}

/** The closing summary: a row per run (seconds after t0) and the totals. */
export function renderSummary(results: readonly ScenarioResult[]): string {
  const table = renderSummaryTable(results.map((r) => ({ label: label(r), timeline: r.timeline, verdict: passed(r) ? "PASS" : "FAIL" })));
  const lost = results.reduce((n, r) => n + lostCount(r), 0);
  const ok = results.filter(passed).length;
  return `${table}${ok}/${results.length} runs passed; acknowledged writes lost: ${lost}\n`;
}
