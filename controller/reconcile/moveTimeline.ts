import type { PlacementAction, PlacementDecision } from "../../core/placement.js";
import type { Metrics } from "../../core/metrics.js";
import type { MoveTimeline, VolumeRecord } from "../../core/volume.js";

const phaseHelp = "Seconds from the controller seeing a move (t2) to each later phase of it";

/**
 * Starts a timeline when the target differs from the holder and no move to that target is
 * open. A move stays open until the grant makes the target the holder.
 */
export function startMove(record: VolumeRecord, decision: PlacementDecision, now: number): MoveTimeline | undefined {
  const target = decision.target;
  const holder = record.status.grantedTo?.nodeId;
  if (target === undefined || target === holder) return undefined;
  const open = record.status.lastMove;
  if (open && open.toNode === target) return undefined;
  return { ...(holder ? { fromNode: holder } : {}), toNode: target, t2Seen: now, forced: false };
}

/**
 * t3: the old holder is known safe to detach from (its release arrived, or it was fenced),
 * stamped when the controller starts the detach, so fencing is timed apart from detaching.
 */
export function fenceMove(move: MoveTimeline | undefined, action: PlacementAction, now: number, metrics: Metrics): MoveTimeline | undefined {
  if (!move || action.kind !== "detach" || move.t3Fenced !== undefined) return move;
  metrics.observe("swarmvol_move_phase_seconds", phaseHelp, { phase: "t3_fenced" }, (now - move.t2Seen) / 1000);
  return { ...move, t3Fenced: now, forced: move.forced || action.force };
}

/** The timeline after an action finished at `now`, with each new phase observed as a metric. */
export function advanceMove(move: MoveTimeline | undefined, action: PlacementAction, now: number, metrics: Metrics): MoveTimeline | undefined {
  if (!move) return move;
  const observe = (phase: string) => metrics.observe("swarmvol_move_phase_seconds", phaseHelp, { phase }, (now - move.t2Seen) / 1000);
  if (action.kind === "detach") {
    observe("t4_detached");
    return { ...move, t3Fenced: move.t3Fenced ?? now, t4Detached: now, forced: move.forced || action.force };
  }
  if (action.kind === "attach" && action.nodeId === move.toNode) {
    observe("t5_attached");
    return { ...move, t5Attached: now };
  }
  return move;
}

/** Marks t7 when the new holder's agent first reports the volume mounted. */
export function markMounted(move: MoveTimeline | undefined, nodeId: string, now: number, metrics: Metrics): MoveTimeline | undefined {
  if (!move || move.toNode !== nodeId || move.t7Mounted !== undefined || move.t5Attached === undefined) return move;
  metrics.observe("swarmvol_move_phase_seconds", phaseHelp, { phase: "t7_mounted" }, (now - move.t2Seen) / 1000);
  return { ...move, t7Mounted: now };
}

/** The same move seen by two writers: keep what either has stamped (the API stamps t7). */
export function mergeMove(current: MoveTimeline | undefined, next: MoveTimeline): MoveTimeline {
  if (!current || current.toNode !== next.toNode || current.t2Seen !== next.t2Seen) return next;
  return { ...current, ...Object.fromEntries(Object.entries(next).filter(([, value]) => value !== undefined)) } as MoveTimeline;
}
