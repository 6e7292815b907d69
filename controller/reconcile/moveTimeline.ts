import type { PlacementAction, PlacementDecision } from "../../core/placement.js";
import type { ControllerMetrics, MoveKind, MoveMode, MovePhase, OpenMove } from "../../core/metrics.js";
import { EARLIER_MOVES_KEPT, type MoveTimeline, type VolumeRecord, type VolumeStatus } from "../../core/volume.js";

/** A move to another zone is a relocation; else from no holder a first placement, from another node a failover. */
export function kindOf(move: MoveTimeline): MoveKind {
  if (move.toZone !== undefined) return "relocation";
  return move.fromNode === undefined ? "first" : "failover";
}

export function modeOf(move: MoveTimeline): MoveMode {
  return move.forced ? "forced" : "planned";
}

/** Observes `phase` of `move` (already updated with what this phase learnt, like `forced`), reached at `now`. */
function observe(metrics: ControllerMetrics, move: MoveTimeline, phase: MovePhase, now: number): void {
  metrics.movePhase(phase, kindOf(move), modeOf(move), (now - move.t2Seen) / 1000);
}

/**
 * Starts a timeline when the target differs from the holder and no move to that target is
 * open. A move stays open until the grant makes the target the holder. A move that turns
 * out to cross zones (the decision says so once the target's zone is known) gets its zones.
 */
export function startMove(record: VolumeRecord, decision: PlacementDecision, now: number): MoveTimeline | undefined {
  const target = decision.target;
  const holder = record.status.grantedTo?.nodeId;
  if (target === undefined || target === holder) return undefined;
  const open = record.status.lastMove;
  const zones = decision.zones;
  if (open && open.toNode === target) return zones && open.toZone === undefined && open.t5Attached === undefined ? { ...open, ...zones } : undefined;
  return { ...(holder ? { fromNode: holder } : {}), toNode: target, t2Seen: now, forced: false, ...zones };
}

/**
 * t3: the old holder is known safe to detach from (its release arrived, or it was fenced),
 * stamped when the controller starts the detach, so fencing is timed apart from detaching.
 */
export function fenceMove(move: MoveTimeline | undefined, action: PlacementAction, now: number, metrics: ControllerMetrics): MoveTimeline | undefined {
  if (!move || action.kind !== "detach" || move.t3Fenced !== undefined) return move;
  const next = { ...move, t3Fenced: now, forced: move.forced || action.force };
  observe(metrics, next, "t3_fenced", now);
  return next;
}

/** The timeline after an action finished at `now`, with each new phase observed as a metric. */
export function advanceMove(move: MoveTimeline | undefined, action: PlacementAction, now: number, metrics: ControllerMetrics): MoveTimeline | undefined {
  if (!move) return move;
  if (action.kind === "detach") {
    const next = { ...move, t3Fenced: move.t3Fenced ?? now, t4Detached: now, forced: move.forced || action.force };
    observe(metrics, next, "t4_detached", now);
    return next;
  }
  if (action.kind === "snapshotForRelocation" || action.kind === "createRelocated") {
    const [key, phase] = action.kind === "snapshotForRelocation" ? ["t4aSnapshotted", "t4a_snapshotted"] as const : ["t4bCreated", "t4b_created"] as const;
    const next = { ...move, [key]: now };
    observe(metrics, next, phase, now);
    return next;
  }
  if (action.kind === "attach" && action.nodeId === move.toNode) {
    // An attach that adopts one already made (an answer lost, a stale read) is not a new
    // t5: the first stands unless a detach came after it (a stuck attach aborted).
    if (move.t5Attached !== undefined && (move.t4Detached ?? Number.NEGATIVE_INFINITY) <= move.t5Attached) return move;
    const next = { ...move, t5Attached: now };
    observe(metrics, next, "t5_attached", now);
    return next;
  }
  return move;
}

/** The new holder's agent's own times of a mount (its clock, epoch ms), as its heartbeat reported them. */
export interface ReportedMount {
  verifiedAt?: number;
  mountedAt?: number;
}

const within = (value: number, low: number, high: number): number => Math.min(Math.max(value, low), high);

/**
 * Marks t6 and t7 when the new holder's agent first reports the volume mounted: the move is
 * done. Each is the agent's own stamp (a heartbeat comes up to a renewal period after the
 * mount, when the container may already run), kept within [t5, `now`] (the receive time) and
 * t6 <= t7, so a skewed agent clock can neither put a phase in the future nor before the
 * attach. Without a reported time t7 is `now` (an older agent) and t6 stays unset.
 */
export function markMounted(move: MoveTimeline | undefined, nodeId: string, now: number, metrics: ControllerMetrics, reported: ReportedMount = {}): MoveTimeline | undefined {
  if (!move || move.toNode !== nodeId || move.t7Mounted !== undefined || move.t5Attached === undefined) return move;
  const t5 = move.t5Attached;
  const t7 = within(reported.mountedAt ?? now, t5, now);
  const t6 = reported.verifiedAt === undefined ? undefined : within(reported.verifiedAt, t5, t7);
  const next: MoveTimeline = { ...move, ...(t6 === undefined ? {} : { t6Verified: t6 }), t7Mounted: t7 };
  if (t6 !== undefined) observe(metrics, next, "t6_verified", t6);
  observe(metrics, next, "t7_mounted", t7);
  metrics.moveDone(kindOf(next), modeOf(next), (t7 - next.t2Seen) / 1000);
  return next;
}

/**
 * Every move not yet mounted on its new node whose target still wants the volume (a
 * task or claim there), with the last phase it reached, for the "move stuck in a phase"
 * alert. A move abandoned by its target (service removed or rescheduled) is not stuck.
 */
export function openMoves(records: readonly VolumeRecord[], now: number, wantedOn: (volume: string, nodeId: string) => boolean): OpenMove[] {
  const open: OpenMove[] = [];
  for (const { spec, status: { lastMove: move } } of records) {
    if (!move || move.t7Mounted !== undefined || !wantedOn(spec.name, move.toNode)) continue;
    open.push({ phase: lastPhase(move), seconds: Math.max(0, now - move.t2Seen) / 1000 });
  }
  return open;
}

/** The last phase an open move reached, by the controller's own stamps. */
function lastPhase(move: MoveTimeline): OpenMove["phase"] {
  if (move.t5Attached !== undefined) return "t5_attached";
  if (move.t4bCreated !== undefined) return "t4b_created";
  if (move.t4aSnapshotted !== undefined) return "t4a_snapshotted";
  if (move.t4Detached !== undefined) return "t4_detached";
  return move.t3Fenced !== undefined ? "t3_fenced" : "t2_seen";
}

/** The same move seen by two writers: keep what either has stamped (the API stamps t6 and t7). */
export function mergeMove(current: MoveTimeline | undefined, next: MoveTimeline): MoveTimeline {
  if (!current || current.toNode !== next.toNode || current.t2Seen !== next.t2Seen) return next;
  return { ...current, ...Object.fromEntries(Object.entries(next).filter(([, value]) => value !== undefined)) } as MoveTimeline;
}

/**
 * The earlier moves once `next` is written as the last one: when it is a new move (not the
 * current one merged), the current one joins them, newest first, at most EARLIER_MOVES_KEPT.
 */
export function earlierMovesAfter(status: Pick<VolumeStatus, "lastMove" | "earlierMoves">, next: MoveTimeline): MoveTimeline[] | undefined {
  const current = status.lastMove;
  if (!current || (current.toNode === next.toNode && current.t2Seen === next.t2Seen)) return status.earlierMoves;
  return [current, ...(status.earlierMoves ?? [])].slice(0, EARLIER_MOVES_KEPT);
}
