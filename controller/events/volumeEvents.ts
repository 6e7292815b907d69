/**
 * The events a catalog write means, read off the record before and after it: every
 * status change of a volume passes through one catalog put, whoever makes it (the
 * reconciler's step, the API's t6 and t7), so events are derived there, once, instead of at each
 * call site. Pure: records in, events out, in the order an operator reads them.
 */
import type { NewEvent } from "../../core/events.js";
import type { MoveTimeline, VolumeRecord } from "../../core/volume.js";
import { resizeEvents } from "./resizeEvents.js";

/** A move's phases in order, as the metric `swarmvol_move_phase_seconds` names them. */
const phases: ReadonlyArray<[keyof MoveTimeline, string, string]> = [
  ["t3Fenced", "t3_fenced", "the old holder is fenced (safe to detach)"],
  ["t4Detached", "t4_detached", "detached from the old holder"],
  ["t4aSnapshotted", "t4a_snapshotted", "snapshot of the old volume taken (it moves to another zone)"],
  ["t4bCreated", "t4b_created", "new volume created in the new zone"],
  ["t5Attached", "t5_attached", "attached to the new node"],
  ["t6Verified", "t6_verified", "device verified by the new node's agent"],
  ["t7Mounted", "t7_mounted", "mounted by the new node's agent"],
];

export function volumeEvents(before: VolumeRecord | undefined, after: VolumeRecord): NewEvent[] {
  const volume = after.spec.name;
  const events: NewEvent[] = [];
  if (!before) {
    events.push({ type: "volume.created", volume, data: { backend: after.spec.backend, sizeBytes: after.spec.sizeBytes, fsType: after.spec.fsType }, message: `volume ${volume} recorded` });
  }
  events.push(...moveEvents(volume, before?.status.lastMove, after.status.lastMove));
  events.push(...grantEvents(before, after));
  events.push(...holderEvents(before, after));
  const condition = after.status.condition;
  if ((condition?.message ?? null) !== (before?.status.condition?.message ?? null)) {
    events.push({
      type: "condition.changed", volume, ...(after.status.grantedTo ? { node: after.status.grantedTo.nodeId } : {}),
      data: { reason: condition?.reason ?? null }, message: condition ? `${condition.reason}: ${condition.message}` : "condition cleared: the volume is where it is wanted",
    });
  }
  events.push(...resizeEvents(before, after));
  return events;
}

/** The volume removed from the catalog. */
export function removedEvent(record: VolumeRecord): NewEvent {
  return { type: "volume.removed", volume: record.spec.name, data: { backendId: record.status.backendId ?? null }, message: `volume ${record.spec.name} removed` };
}

function moveEvents(volume: string, before: MoveTimeline | undefined, after: MoveTimeline | undefined): NewEvent[] {
  if (!after) return [];
  const same = before !== undefined && before.toNode === after.toNode && before.t2Seen === after.t2Seen;
  const base = { fromNode: after.fromNode ?? null, toNode: after.toNode };
  const events: NewEvent[] = [];
  if (!same) {
    events.push({ type: "move.phase", volume, node: after.toNode, data: { ...base, phase: "t2_seen", seconds: 0 }, message: `move ${route(after)} seen` });
  }
  for (const [key, phase, words] of phases) {
    const at = after[key];
    if (typeof at !== "number" || (same && before?.[key] !== undefined)) continue;
    const seconds = (at - after.t2Seen) / 1000;
    events.push({
      type: "move.phase", volume, node: after.toNode, data: { ...base, phase, seconds, forced: after.forced },
      message: `move ${route(after)}: ${words}${phase === "t3_fenced" && after.forced ? " (forced)" : ""} at +${seconds.toFixed(2)}s`,
    });
  }
  return events;
}

/** A grant to a node (or a new epoch there); a move's end when it is the move's target. */
function grantEvents(before: VolumeRecord | undefined, after: VolumeRecord): NewEvent[] {
  const granted = after.status.grantedTo;
  const previous = before?.status.grantedTo;
  if (!granted || (previous?.nodeId === granted.nodeId && previous.epoch === granted.epoch)) return [];
  const volume = after.spec.name;
  const events: NewEvent[] = [{
    type: "volume.placed", volume, node: granted.nodeId, data: { epoch: granted.epoch, device: granted.device, instanceId: granted.instanceId },
    message: `granted to ${granted.nodeId} at epoch ${granted.epoch} (${granted.device})`,
  }];
  const move = after.status.lastMove;
  if (move && move.toNode === granted.nodeId && previous?.nodeId !== granted.nodeId) {
    const seconds = ((Date.parse(granted.since) || move.t2Seen) - move.t2Seen) / 1000;
    events.push({
      type: "move.done", volume, node: granted.nodeId, data: { fromNode: move.fromNode ?? null, toNode: move.toNode, seconds, forced: move.forced },
      message: `move ${route(move)} done in ${seconds.toFixed(2)}s${move.forced ? " (forced detach)" : ""}`,
    });
  }
  return events;
}

/** A multi-writer share's new holders (core/sharedPlacement.ts): each told once as placed, the others' grants unchanged. */
function holderEvents(before: VolumeRecord | undefined, after: VolumeRecord): NewEvent[] {
  const known = new Set((before?.status.holders ?? []).map((grant) => `${grant.nodeId}@${grant.epoch}`));
  return (after.status.holders ?? []).filter((grant) => !known.has(`${grant.nodeId}@${grant.epoch}`)).map((grant) => ({
    type: "volume.placed", volume: after.spec.name, node: grant.nodeId, data: { epoch: grant.epoch, device: grant.device, instanceId: grant.instanceId },
    message: `granted to ${grant.nodeId} at epoch ${grant.epoch} (${grant.device}), beside its other holders (multi-writer)`,
  }));
}

function route(move: MoveTimeline): string {
  return `${move.fromNode ?? "(nowhere)"} -> ${move.toNode}`;
}
