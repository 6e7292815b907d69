/** CreateSnapshot, DescribeSnapshots and DeleteSnapshot. */
import type { CloudEngine } from "./engine.js";
import { errors } from "./ec2Error.js";
import { applyFilters, paginate, tagField } from "./filters.js";
import { filters, indexed, int, optional, required, tagSpecifications, type Params } from "./params.js";
import { snapshotXml } from "./render.js";
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
    startTime: now, dueAt: now + engine.faults.latencyMs.snapshot, description: optional(p, "Description") ?? "",
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
  return snapshotXml(s);
}

const SNAPSHOT_FILTERS = [
  "description", "encrypted", "owner-id", "progress", "snapshot-id", "start-time", "status", "volume-id", "volume-size",
];

function snapshotField(s: SnapshotRecord, name: string): string[] {
  const tag = tagField(s.tags, name);
  if (tag !== undefined) return tag;
  const fields: Record<string, Array<string | number | boolean>> = {
    description: [s.description], encrypted: [s.encrypted], "owner-id": [ACCOUNT_ID],
    progress: [s.status === "completed" ? "100%" : "0%"], "snapshot-id": [s.snapshotId],
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
  snaps = applyFilters(snaps, filters(p), SNAPSHOT_FILTERS, snapshotField);
  const page = paginate(snaps, (s) => s.snapshotId, max, optional(p, "NextToken"));
  return list("snapshotSet", page.items, snapshotXml) + el("nextToken", page.nextToken);
}

export async function deleteSnapshot(engine: CloudEngine, p: Params): Promise<string> {
  const snapshotId = required(p, "SnapshotId");
  if (engine.state.snapshots[snapshotId] === undefined) throw errors.snapshotNotFound([snapshotId]);
  engine.dryRunGate(p);
  await engine.host.deleteSnapshot(snapshotId);
  delete engine.state.snapshots[snapshotId];
  engine.event({ type: "snapshot-deleted", snapshotId });
  return el("return", true);
}
