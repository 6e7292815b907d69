/**
 * The drill's own double-attachment check over the EC2 emulator's event log
 * (GET /_swarmvol/log): a volume must never be attached, or attaching, to two instances at
 * once. The emulator answers `overlaps` itself; this is a second witness that does not let
 * the component under test grade itself, and it says in words what happened.
 *
 * A hold starts at `attach-requested` (the device may appear any moment after) and lasts
 * through `attached` and `detach-requested` (a detaching volume is still on the instance)
 * until `detached` or `force-detached`; `volume-deleted` ends every hold. An
 * `attach-requested` for another instance during a hold is a violation. The emulator
 * keeps at most one attachment per volume, so DescribeVolumes could never show two: the
 * log, which records every transition, is the witness that can.
 *
 * Pure: no I/O, table-tested.
 */
import type { CloudEvent } from "../cloud/index.js";

export interface DoubleAttachment {
  volumeId: string;
  /** Instance that held the volume, and how far its hold had got. */
  holder: string;
  holderState: "attaching" | "attached" | "detaching";
  /** Seq of the event that started the holder's hold. */
  heldSince: number;
  /** Instance the volume was attach-requested for meanwhile. */
  intruder: string;
  seq: number;
  time: string;
  /** One line for the report, with node names where known. */
  message: string;
}

interface Hold {
  state: DoubleAttachment["holderState"];
  since: number;
}

/** Names of instances for the messages (instance id → lab node name). */
export type InstanceNames = ReadonlyMap<string, string>;

const named = (names: InstanceNames, id: string) => (names.has(id) ? `${names.get(id)} (${id})` : id);

function violation(e: CloudEvent & { volumeId: string; instanceId: string }, holder: string, hold: Hold, names: InstanceNames): DoubleAttachment {
  return {
    volumeId: e.volumeId, holder, holderState: hold.state, heldSince: hold.since, intruder: e.instanceId, seq: e.seq, time: e.time,
    message: `volume ${e.volumeId} was attach-requested for ${named(names, e.instanceId)} at ${e.time} (event ${e.seq}) ` +
      `while ${named(names, holder)} still held it (${hold.state}, since event ${hold.since})`,
  };
}

/** Applies one event to the volume's holds; returns the violations it makes. */
function step(holds: Map<string, Hold>, e: CloudEvent & { volumeId: string; instanceId: string }, names: InstanceNames): DoubleAttachment[] {
  const found: DoubleAttachment[] = [];
  if (e.type === "attach-requested") {
    for (const [holder, hold] of holds) if (holder !== e.instanceId) found.push(violation(e, holder, hold, names));
    holds.set(e.instanceId, { state: "attaching", since: e.seq });
  } else if (e.type === "attached" || e.type === "detach-requested") {
    const hold = holds.get(e.instanceId);
    if (hold !== undefined) hold.state = e.type === "attached" ? "attached" : "detaching";
  } else if (e.type === "detached" || e.type === "force-detached") {
    holds.delete(e.instanceId);
  }
  return found;
}

/**
 * Every moment the log shows a volume held by two instances. Violations at or before
 * `afterSeq` are left out (an earlier run's), but the holds they started still count.
 */
export function findDoubleAttachments(events: readonly CloudEvent[], names: InstanceNames = new Map(), afterSeq = 0): DoubleAttachment[] {
  const holds = new Map<string, Map<string, Hold>>();
  const found: DoubleAttachment[] = [];
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    if (e.volumeId === undefined) continue;
    if (e.type === "volume-deleted") {
      holds.delete(e.volumeId);
      continue;
    }
    if (e.instanceId === undefined) continue;
    const volumeHolds = holds.get(e.volumeId) ?? new Map<string, Hold>();
    holds.set(e.volumeId, volumeHolds);
    found.push(...step(volumeHolds, { ...e, volumeId: e.volumeId, instanceId: e.instanceId }, names));
  }
  return found.filter((d) => d.seq > afterSeq);
}
