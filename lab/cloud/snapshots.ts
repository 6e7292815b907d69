/**
 * CreateSnapshot, DescribeSnapshots and DeleteSnapshot. A snapshot holds the bytes of its
 * volume's backing storage at the moment of the call (the DeviceHost copies them before
 * the answer), then stays `pending` with a climbing `progress` for an EBS-like time.
 * CreateSnapshot takes no ClientToken on EC2 (unlike CreateVolume), so none is read here:
 * callers make it idempotent with a tag of their own and a describe before the create.
 */
import type { CloudEngine } from "./engine.js";
import { errors } from "./ec2Error.js";
import { applyFilters, paginate, tagField } from "./filters.js";
import { filters, indexed, int, optional, required, tagSpecifications, type Params } from "./params.js";
import { snapshotProgress, snapshotXml } from "./render.js";
import { resourceId } from "./rng.js";
import { ACCOUNT_ID, type SnapshotRecord } from "./types.js";
import { el, isoTime, list } from "./xml.js";

/** CreateSnapshot: the data is copied at once (point in time); `pending` until the latency passes. */
export async function createSnapshot(engine: CloudEngine, p: Params): Promise<string> {
  const volumeId = required(p, "VolumeId");
  const v = engine.state.volumes[volumeId];
  if (v === undefined) throw errors.volumeNotFound([volumeId]);
  if (v.status !== "available" && v.status !== "in-use") {
    throw errors.incorrectState(`The volume '${volumeId}' is in the '${v.status}' state.`);
  }
  const tags = tagSpecifications(p, "snapshot");
  engine.dryRunGate(p);
  const now = engine.now();
  const s: SnapshotRecord = {
    snapshotId: resourceId(engine.rng, "snap"), volumeId, volumeSize: v.size, status: "pending",
    startTime: now, dueAt: now + snapshotLatencyMs(engine, v.size), description: optional(p, "Description") ?? "",
    encrypted: v.encrypted, tags, ...(v.kmsKeyId === undefined ? {} : { kmsKeyId: v.kmsKeyId }),
  };
  try {
    await engine.host.createSnapshot(volumeId, s.snapshotId);
  } catch (err) {
    engine.logger.warn({ err, volumeId, snapshotId: s.snapshotId }, "snapshot copy failed");
    s.status = "error";
  }
  engine.state.snapshots[s.snapshotId] = s;
  engine.event({ type: "snapshot-created", volumeId, snapshotId: s.snapshotId });
  if (s.status === "pending") engine.schedule(s.dueAt);
  return snapshotXml(s, now);
}

/** How long a snapshot of `sizeGiB` stays pending: a base plus a share per GiB. */
function snapshotLatencyMs(engine: CloudEngine, sizeGiB: number): number {
  const { snapshot, snapshotPerGiB } = engine.faults.latencyMs;
  return snapshot + snapshotPerGiB * sizeGiB;
}

const SNAPSHOT_FILTERS = [
  "description", "encrypted", "owner-id", "progress", "snapshot-id", "start-time", "status", "volume-id", "volume-size",
];

function snapshotField(s: SnapshotRecord, name: string, now: number): string[] {
  const tag = tagField(s.tags, name);
  if (tag !== undefined) return tag;
  const fields: Record<string, Array<string | number | boolean>> = {
    description: [s.description], encrypted: [s.encrypted], "owner-id": [ACCOUNT_ID],
    progress: [snapshotProgress(s, now)], "snapshot-id": [s.snapshotId],
    "start-time": [isoTime(s.startTime)], status: [s.status], "volume-id": [s.volumeId], "volume-size": [s.volumeSize],
  };
  return (fields[name] ?? []).map(String);
}

export function describeSnapshots(engine: CloudEngine, p: Params): string {
  const ids = indexed(p, "SnapshotId");
  const max = int(p, "MaxResults", 5, 1000);
  if (ids.length > 0 && max !== undefined) {
    throw errors.combination("The parameter snapshotSet cannot be used with the parameter maxResults");
  }
  const owners = indexed(p, "Owner");
  const mine = owners.length === 0 || owners.some((o) => o === "self" || o === ACCOUNT_ID);
  let snaps = mine ? Object.values(engine.state.snapshots).filter((s) => engine.visible(s.startTime)) : [];
  if (ids.length > 0) {
    const missing = ids.filter((id) => !snaps.some((s) => s.snapshotId === id));
    if (missing.length > 0) throw errors.snapshotNotFound(missing);
    snaps = snaps.filter((s) => ids.includes(s.snapshotId));
  }
  const now = engine.now();
  snaps = applyFilters(snaps, filters(p), SNAPSHOT_FILTERS, (s, name) => snapshotField(s, name, now));
  const page = paginate(snaps, (s) => s.snapshotId, max, optional(p, "NextToken"));
  return list("snapshotSet", page.items, (s) => snapshotXml(s, now)) + el("nextToken", page.nextToken);
}

/**
 * DeleteSnapshot. A snapshot behind a registered image is refused (InvalidSnapshot.InUse,
 * EC2's words). Deleting one that a volume is still being restored from is allowed, as on
 * EBS; its bytes are then removed once that restore has copied them (engine.finishCreate).
 */
export async function deleteSnapshot(engine: CloudEngine, p: Params): Promise<string> {
  const snapshotId = required(p, "SnapshotId");
  const snap = engine.state.snapshots[snapshotId];
  if (snap === undefined) throw errors.snapshotNotFound([snapshotId]);
  if (snap.inUseBy !== undefined) throw errors.snapshotInUse(snapshotId, snap.inUseBy);
  engine.dryRunGate(p);
  if (!restoring(engine, snapshotId)) await engine.host.deleteSnapshot(snapshotId);
  delete engine.state.snapshots[snapshotId];
  engine.event({ type: "snapshot-deleted", snapshotId });
  return el("return", true);
}

/** Whether a volume is still `creating` from this snapshot (its bytes not copied yet). */
export function restoring(engine: CloudEngine, snapshotId: string): boolean {
  return Object.values(engine.state.volumes).some((v) => v.status === "creating" && v.snapshotId === snapshotId);
}
