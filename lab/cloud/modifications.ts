/**
 * ModifyVolume and DescribeVolumesModifications (EBS Elastic Volumes), as EC2 answers
 * them: a modification is `modifying` for `latencyMs.modify`, then `optimizing` (the new
 * size is usable from here on: the device grows, the DeviceHost is told) for
 * `latencyMs.optimize`, then `completed`. A volume takes one modification at a time
 * (IncorrectModificationState) and at most one per `modifyCooldownMs` (EBS: six hours,
 * VolumeModificationRateExceeded); a smaller size is refused; asking for what the volume
 * already is is refused too.
 */
import type { CloudEngine } from "./engine.js";
import { errors } from "./ec2Error.js";
import { paginate } from "./filters.js";
import { indexed, int, optional, required, type Params } from "./params.js";
import type { ModificationRecord, VolumeRecord } from "./types.js";
import { performance, VOLUME_TYPES } from "./volumes.js";
import { el, isoTime, list } from "./xml.js";

/** The state's modification table (states saved before ModifyVolume existed have none). */
export function modificationsOf(engine: CloudEngine): Record<string, ModificationRecord> {
  engine.state.modifications ??= {};
  return engine.state.modifications;
}

function progress(m: ModificationRecord, now: number): number {
  if (m.state === "completed") return 100;
  if (m.state === "modifying" || m.endTime <= m.optimizingAt) return 0;
  return Math.min(99, Math.max(0, Math.floor(((now - m.optimizingAt) / (m.endTime - m.optimizingAt)) * 100)));
}

export function modificationXml(m: ModificationRecord, now: number): string {
  return el("volumeId", m.volumeId) + el("modificationState", m.state) +
    el("targetSize", m.targetSize) + el("targetIops", m.targetIops) + el("targetVolumeType", m.targetVolumeType) +
    el("targetThroughput", m.targetThroughput) + el("targetMultiAttachEnabled", false) +
    el("originalSize", m.originalSize) + el("originalIops", m.originalIops) + el("originalVolumeType", m.originalVolumeType) +
    el("originalThroughput", m.originalThroughput) + el("originalMultiAttachEnabled", false) +
    el("progress", progress(m, now)) + el("startTime", isoTime(m.startTime)) +
    el("endTime", m.state === "completed" ? isoTime(m.endTime) : undefined);
}

function checkModifiable(engine: CloudEngine, v: VolumeRecord): void {
  if (v.status !== "available" && v.status !== "in-use") throw errors.incorrectState(`The volume '${v.volumeId}' is not in the 'available' or 'in-use' state.`);
  const last = modificationsOf(engine)[v.volumeId];
  if (last === undefined) return;
  if (last.state === "modifying" || last.state === "optimizing") throw errors.modificationInProgress(v.volumeId, last.state);
  if (engine.now() - last.startTime < engine.faults.modifyCooldownMs) throw errors.modificationRate();
}

/** The target of a ModifyVolume: what is asked, the rest as the volume is. */
function target(p: Params, v: VolumeRecord): Pick<ModificationRecord, "targetSize" | "targetVolumeType" | "targetIops" | "targetThroughput"> {
  const size = int(p, "Size", 1, 65536) ?? v.size;
  if (size < v.size) throw errors.invalidValue("New size cannot be smaller than existing size");
  const type = optional(p, "VolumeType") ?? v.volumeType;
  if (!VOLUME_TYPES.includes(type)) throw errors.invalidValue(`Value (${type}) for parameter volumeType is invalid. Valid values: ${VOLUME_TYPES.join(", ")}`);
  const asked = optional(p, "Iops") !== undefined || optional(p, "Throughput") !== undefined || type !== v.volumeType;
  const perf = asked ? performance(p, type, size) : { iops: v.iops, throughput: v.throughput };
  const next = { targetSize: size, targetVolumeType: type, targetIops: perf.iops, targetThroughput: perf.throughput };
  if (size === v.size && type === v.volumeType && perf.iops === v.iops && perf.throughput === v.throughput) {
    throw errors.combination("The parameter(s) provided do not result in a modification to the volume's configuration.");
  }
  return next;
}

/** ModifyVolume: starts a modification; the volume changes as its phases end (engine.advanceModification). */
export function modifyVolume(engine: CloudEngine, p: Params): string {
  const volumeId = required(p, "VolumeId");
  const v = engine.state.volumes[volumeId];
  if (v === undefined || !engine.visible(v.createTime)) throw errors.volumeNotFound([volumeId]);
  checkModifiable(engine, v);
  const goal = target(p, v);
  engine.dryRunGate(p);
  const now = engine.now();
  const optimizingAt = now + engine.faults.latencyMs.modify;
  const m: ModificationRecord = {
    volumeId, state: "modifying", ...goal,
    originalSize: v.size, originalVolumeType: v.volumeType, originalIops: v.iops, originalThroughput: v.throughput,
    startTime: now, optimizingAt, endTime: optimizingAt + engine.faults.latencyMs.optimize,
  };
  modificationsOf(engine)[volumeId] = m;
  engine.schedule(m.optimizingAt);
  engine.event({ type: "volume-modifying", volumeId });
  return `<volumeModification>${modificationXml(m, now)}</volumeModification>`;
}

/** DescribeVolumesModifications: the latest modification of each volume asked (or of all). */
export function describeVolumesModifications(engine: CloudEngine, p: Params): string {
  const ids = indexed(p, "VolumeId");
  const table = modificationsOf(engine);
  for (const id of ids) {
    if (engine.state.volumes[id] === undefined) throw errors.volumeNotFound([id]);
    if (table[id] === undefined) throw errors.modificationNotFound(id);
  }
  const items = Object.values(table).filter((m) => ids.length === 0 || ids.includes(m.volumeId));
  const page = paginate(items, (m) => m.volumeId, int(p, "MaxResults", 1, 500), optional(p, "NextToken"));
  const now = engine.now();
  return list("volumeModificationSet", page.items, (m) => modificationXml(m, now)) + el("nextToken", page.nextToken);
}

/**
 * Moves a due modification on: at `optimizingAt` the storage grows (the DeviceHost resizes
 * it; a failure is retried by the engine) and the volume takes its new size and type.
 */
export async function advanceModification(engine: CloudEngine, m: ModificationRecord, now: number): Promise<void> {
  const v = engine.state.volumes[m.volumeId];
  if (v === undefined) return;
  if (m.state === "modifying" && m.optimizingAt <= now) {
    await engine.host.resizeVolume(v.volumeId, m.targetSize);
    Object.assign(v, { size: m.targetSize, volumeType: m.targetVolumeType, iops: m.targetIops, throughput: m.targetThroughput });
    m.state = "optimizing";
    engine.event({ type: "volume-resized", volumeId: v.volumeId });
    engine.schedule(m.endTime);
  }
  if (m.state === "optimizing" && m.endTime <= now) m.state = "completed";
}
