/** CreateVolume, DescribeVolumes and DeleteVolume. */
import type { CloudEngine } from "./engine.js";
import { errors } from "./ec2Error.js";
import { applyFilters, paginate, tagField } from "./filters.js";
import {
  bool, filters, fingerprint, indexed, int, optional, required, tagSpecifications, type Params,
} from "./params.js";
import { volumeXml } from "./render.js";
import { resourceId } from "./rng.js";
import { ACCOUNT_ID, type SnapshotRecord, type VolumeRecord } from "./types.js";
import { el, isoTime, list } from "./xml.js";

export const VOLUME_TYPES = ["standard", "io1", "io2", "gp2", "gp3", "sc1", "st1"];

type VolumeSpec = Pick<VolumeRecord, "size" | "snapshotId" | "zone" | "volumeType" | "iops" | "throughput" | "encrypted" | "kmsKeyId">;

function sourceSnapshot(engine: CloudEngine, p: Params): SnapshotRecord | undefined {
  const snapshotId = optional(p, "SnapshotId");
  if (snapshotId === undefined || snapshotId === "") return undefined;
  const snap = engine.state.snapshots[snapshotId];
  if (snap === undefined) throw errors.snapshotNotFound([snapshotId]);
  if (snap.status !== "completed") throw errors.incorrectState(`Snapshot is in invalid state - ${snap.status}`);
  return snap;
}

function volumeSize(p: Params, snap: SnapshotRecord | undefined): number {
  const size = int(p, "Size", 1, 65536);
  if (size === undefined) {
    if (snap === undefined) throw errors.missing("size/snapshot");
    return snap.volumeSize;
  }
  if (snap !== undefined && size < snap.volumeSize) {
    throw errors.invalidValue(`Volume of size ${size} is smaller than snapshot '${snap.snapshotId}', expect size >= ${snap.volumeSize}`);
  }
  return size;
}

/** IOPS and throughput as EC2 sets them per volume type. */
export function performance(p: Params, type: string, size: number): Pick<VolumeSpec, "iops" | "throughput"> {
  const iops = int(p, "Iops", 100, 256000);
  const throughput = int(p, "Throughput", 125, 2000);
  if (throughput !== undefined && type !== "gp3") {
    throw errors.combination(`The parameter throughput is not supported for ${type} volumes.`);
  }
  if (type === "gp3") return { iops: iops ?? 3000, throughput: throughput ?? 125 };
  if (type === "io1" || type === "io2") {
    if (iops === undefined) throw errors.missing("iops");
    return { iops };
  }
  if (iops !== undefined) throw errors.combination(`The parameter iops is not supported for ${type} volumes.`);
  if (type === "gp2") return { iops: Math.min(16000, Math.max(100, 3 * size)) };
  return {};
}

function encryption(engine: CloudEngine, p: Params, snap: SnapshotRecord | undefined): Pick<VolumeSpec, "encrypted" | "kmsKeyId"> {
  const encrypted = (bool(p, "Encrypted") ?? false) || (snap?.encrypted ?? false);
  const kmsKeyId = optional(p, "KmsKeyId");
  if (kmsKeyId !== undefined && !encrypted) {
    throw errors.dependency("The parameter KmsKeyId requires the parameter Encrypted to be set.");
  }
  if (!encrypted) return { encrypted };
  const defaultKey = `arn:aws:kms:${engine.region}:${ACCOUNT_ID}:key/0e5e0000-0000-4000-8000-00000000eb50`;
  return { encrypted, kmsKeyId: kmsKeyId ?? snap?.kmsKeyId ?? defaultKey };
}

function parseVolumeSpec(engine: CloudEngine, p: Params): VolumeSpec {
  const zone = required(p, "AvailabilityZone");
  if (!engine.zones().has(zone)) throw errors.invalidValue(`Invalid availability zone: [${zone}]`);
  const volumeType = optional(p, "VolumeType") ?? "gp2";
  if (!VOLUME_TYPES.includes(volumeType)) {
    throw errors.invalidValue(`Value (${volumeType}) for parameter volumeType is invalid. Valid values: ${VOLUME_TYPES.join(", ")}`);
  }
  if (bool(p, "MultiAttachEnabled") === true) throw errors.invalidValue("Multi-Attach is not supported by this emulator.");
  const snap = sourceSnapshot(engine, p);
  const size = volumeSize(p, snap);
  return {
    zone, size, volumeType, snapshotId: snap?.snapshotId ?? "",
    ...performance(p, volumeType, size), ...encryption(engine, p, snap),
  };
}

/** CreateVolume, idempotent per ClientToken. */
export function createVolume(engine: CloudEngine, p: Params): string {
  const token = optional(p, "ClientToken");
  const known = token === undefined ? undefined : engine.state.tokens[token];
  if (known !== undefined) {
    if (known.fingerprint !== fingerprint(p)) throw errors.idempotentMismatch();
    const current = engine.state.volumes[known.volumeId];
    return current === undefined ? volumeXml(known.firstSeen, "deleted") : volumeXml(current);
  }
  const spec = parseVolumeSpec(engine, p);
  const tags = tagSpecifications(p, "volume");
  engine.dryRunGate(p);
  const now = engine.now();
  const v: VolumeRecord = {
    volumeId: resourceId(engine.rng, "vol"), ...spec, tags,
    status: "creating", createTime: now, dueAt: now + engine.faults.latencyMs.create,
  };
  engine.state.volumes[v.volumeId] = v;
  if (token !== undefined) {
    engine.state.tokens[token] = { fingerprint: fingerprint(p), volumeId: v.volumeId, firstSeen: structuredClone(v) };
  }
  engine.schedule(v.dueAt);
  return volumeXml(v);
}

const VOLUME_FILTERS = [
  "attachment.attach-time", "attachment.delete-on-termination", "attachment.device", "attachment.instance-id",
  "attachment.status", "availability-zone", "create-time", "encrypted", "multi-attach-enabled", "fast-restored",
  "size", "snapshot-id", "status", "volume-id", "volume-type",
];

function volumeField(v: VolumeRecord, name: string): string[] {
  const tag = tagField(v.tags, name);
  if (tag !== undefined) return tag;
  const a = v.attachment;
  const fields: Record<string, Array<string | number | boolean | undefined>> = {
    "attachment.attach-time": [a === undefined ? undefined : isoTime(a.attachTime)],
    "attachment.delete-on-termination": [a === undefined ? undefined : false],
    "attachment.device": [a?.device],
    "attachment.instance-id": [a?.instanceId],
    "attachment.status": [a?.status],
    "availability-zone": [v.zone], "create-time": [isoTime(v.createTime)], encrypted: [v.encrypted],
    "multi-attach-enabled": [false], "fast-restored": [false], size: [v.size], "snapshot-id": [v.snapshotId],
    status: [v.status], "volume-id": [v.volumeId], "volume-type": [v.volumeType],
  };
  return (fields[name] ?? []).filter((x) => x !== undefined).map(String);
}

export function describeVolumes(engine: CloudEngine, p: Params): string {
  const ids = indexed(p, "VolumeId");
  const max = int(p, "MaxResults", 5, 500);
  if (ids.length > 0 && max !== undefined) {
    throw errors.combination("The parameter volumeSet cannot be used with the parameter maxResults");
  }
  let volumes = Object.values(engine.state.volumes).filter((v) => engine.visible(v.createTime));
  if (ids.length > 0) {
    const missing = ids.filter((id) => !volumes.some((v) => v.volumeId === id));
    if (missing.length > 0) throw errors.volumeNotFound(missing);
    volumes = volumes.filter((v) => ids.includes(v.volumeId));
  }
  volumes = applyFilters(volumes, filters(p), VOLUME_FILTERS, volumeField);
  const page = paginate(volumes, (v) => v.volumeId, max, optional(p, "NextToken"));
  return list("volumeSet", page.items, (v) => volumeXml(v)) + el("nextToken", page.nextToken);
}

export function deleteVolume(engine: CloudEngine, p: Params): string {
  const volumeId = required(p, "VolumeId");
  const v = engine.state.volumes[volumeId];
  if (v === undefined) throw errors.volumeNotFound([volumeId]);
  if (v.attachment !== undefined) throw errors.volumeInUse(volumeId, v.attachment.instanceId);
  engine.dryRunGate(p);
  if (v.status !== "deleting") {
    v.status = "deleting";
    v.dueAt = engine.now() + engine.faults.latencyMs.delete;
    engine.schedule(v.dueAt);
  }
  return el("return", true);
}
