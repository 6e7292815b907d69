/**
 * The move timeline of one scenario (design.md "A move, phase by phase"), built from three
 * independent witnesses so that no single component grades itself:
 *
 * - t0 the drill's own clock at the fault; t9 the drill's first successful client write
 *   after t0 (the clients run outside the cluster);
 * - t1 and t8 from Swarm's task objects: t1 the first replacement task's CreatedAt, t8 the
 *   status timestamp of the first replacement that is running (under cloud faults a first
 *   replacement may fail while an attach is stuck, and Swarm's next one is what runs);
 * - t2..t7 from the controller's `lastMove` of the volume (epoch ms, same machine clock):
 *   t2..t5 stamped by the controller as it acts (with t4a, snapshot taken, and t4b, volume
 *   created in the new zone, when the move crosses zones: ADR 0024), t6 (device verified) and t7 (mounted) by
 *   the new node's agent where they happened, sent with its heartbeat (ADR 0016).
 *
 * Each phase is stamped by the component where it happens, never when someone else hears
 * of it, so the phases are in order; report.ts flags any that is not.
 *
 * Pure: no I/O, unit-tested.
 */
import type { MoveTimeline } from "../../core/volume.js";

export const PHASES = ["t0", "t1", "t2", "t3", "t4", "t4a", "t4b", "t5", "t6", "t7", "t8", "t9"] as const;
export type Phase = (typeof PHASES)[number];

export const PHASE_LABELS: Readonly<Record<Phase, string>> = {
  t0: "fault injected (drill)",
  t1: "replacement task created (Swarm)",
  t2: "controller saw the assignment",
  t3: "old holder fenced",
  t4: "detached from the old node",
  t4a: "snapshot of the old volume (other zone)",
  t4b: "volume created in the new zone",
  t5: "attached to the new node",
  t6: "device visible and verified",
  t7: "mounted on the new node",
  t8: "new task running (Swarm)",
  t9: "first client write acknowledged",
};

/** Absolute epoch-ms time of each phase that was observed. */
export type Timeline = { t0: number } & Partial<Record<Phase, number>>;

/** The subset of a Swarm task the drill reads, already parsed. */
export interface DrillTask {
  id: string;
  nodeId: string | null;
  createdAt: number;
  state: string;
  desiredState: string;
  /** Status.Timestamp: when the task entered its current state. */
  stateAt: number;
}

/** The first task created at or after t0 (the replacement), if any. */
export function replacementTask(tasks: readonly DrillTask[], t0: number): DrillTask | undefined {
  return [...tasks].filter((t) => t.createdAt >= t0).sort((a, b) => a.createdAt - b.createdAt)[0];
}

/** The move whose t2 is not before t0: a lastMove from an earlier scenario does not count. */
export function moveSince(move: MoveTimeline | undefined, t0: number): MoveTimeline | undefined {
  return move !== undefined && move.t2Seen >= t0 ? move : undefined;
}

/** Assembles t0..t9 from the three witnesses; missing witnesses leave phases undefined. */
export function buildTimeline(input: {
  t0: number;
  tasks: readonly DrillTask[];
  move: MoveTimeline | undefined;
  firstAckAfterT0: number | undefined;
}): Timeline {
  const timeline: Timeline = { t0: input.t0 };
  const first = replacementTask(input.tasks, input.t0);
  if (first !== undefined) timeline.t1 = first.createdAt;
  const running = replacementTask(input.tasks.filter((task) => task.state === "running"), input.t0);
  if (running !== undefined) timeline.t8 = running.stateAt;
  const move = moveSince(input.move, input.t0);
  if (move !== undefined) {
    timeline.t2 = move.t2Seen;
    timeline.t3 = move.t3Fenced;
    timeline.t4 = move.t4Detached;
    timeline.t4a = move.t4aSnapshotted;
    timeline.t4b = move.t4bCreated;
    timeline.t5 = move.t5Attached;
    timeline.t6 = move.t6Verified;
    timeline.t7 = move.t7Mounted;
  }
  if (input.firstAckAfterT0 !== undefined) timeline.t9 = input.firstAckAfterT0;
  for (const phase of PHASES) if (timeline[phase] === undefined) delete timeline[phase];
  return timeline;
}

/** Seconds after t0 with one decimal, or "-" when the phase was not observed. */
export function offset(timeline: Timeline, phase: Phase): string {
  const at = timeline[phase];
  return at === undefined ? "-" : ((at - timeline.t0) / 1000).toFixed(1);
}

/** Relative timeline in seconds (for the JSON report). */
export function relativeSeconds(timeline: Timeline): Partial<Record<Phase, number>> {
  const out: Partial<Record<Phase, number>> = {};
  for (const phase of PHASES) {
    const at = timeline[phase];
    if (at !== undefined) out[phase] = Math.round(at - timeline.t0) / 1000;
  }
  return out;
}

/** Lays out rows of cells in aligned columns (two spaces apart). */
export function renderColumns(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n") + "\n";
}

/** One scenario's timeline, a phase per line, with the step from the previous observed phase. */
export function renderTimelineTable(timeline: Timeline): string {
  let previous = timeline.t0;
  const rows = PHASES.map((phase) => {
    const at = timeline[phase];
    if (at === undefined) return [phase, PHASE_LABELS[phase], "-", "-"];
    const step = ((at - previous) / 1000).toFixed(1);
    previous = Math.max(previous, at);
    return [phase, PHASE_LABELS[phase], `+${offset(timeline, phase)} s`, phase === "t0" ? "" : `${step} s`];
  });
  return renderColumns(["PHASE", "WHAT", "AT", "STEP"], rows);
}

/** A row per scenario run: each phase in seconds after t0. */
export function renderSummaryTable(runs: readonly { label: string; timeline: Timeline; verdict: string }[]): string {
  const rows = runs.map((r) => [r.label, ...PHASES.slice(1).map((p) => offset(r.timeline, p)), r.verdict]);
  return renderColumns(["SCENARIO", ...PHASES.slice(1), "RESULT"], rows);
}
