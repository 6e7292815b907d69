/**
 * Zones (issue 11, ADR 0024). An EBS volume attaches only to an instance in its own
 * availability zone, so when Swarm places a task in another zone the volume either stays
 * (`-o zonePolicy=pinned`, the default: the `ZoneMismatch` condition names the constraint
 * that fixes the stack) or follows its task (`follow`): the old volume is detached as in
 * any move, snapshotted, recreated in the new zone from that snapshot, attached there, and
 * deleted only once the new one is mounted. Pure: the policy option, the keys that make
 * every step idempotent, the next step, and what the cloud's tags say of a relocation.
 */
import { cloudTags, type CloudVolume } from "./cloud.js";
import { clipped, invalidArgument, quoted } from "./errors.js";
import { snapshotKey } from "./snapshots.js";
import type { Relocation, VolumeCondition, VolumeRecord } from "./volume.js";

/** `pinned`: the volume stays in its zone; `follow`: it is recreated where Swarm puts its task. */
export type ZonePolicy = "pinned" | "follow";
export const zonePolicies: readonly ZonePolicy[] = ["pinned", "follow"];

export const zonePolicyOption = {
  name: "zonePolicy",
  help: "pinned (default: the volume stays in its availability zone; constrain the service with node.labels.swarmvol.zone) or follow (moved by snapshot to the zone of the node Swarm picks)",
} as const;

/** The `-o zonePolicy` value; INVALID_ARGUMENT naming the values. */
export function parseZonePolicy(value: string | undefined): ZonePolicy {
  if (value === undefined || value === "") return "pinned";
  const lower = value.toLowerCase();
  if ((zonePolicies as readonly string[]).includes(lower)) return lower as ZonePolicy;
  throw invalidArgument(`invalid zonePolicy ${quoted(value)}: use pinned (the default) or follow`, { option: "zonePolicy", value: clipped(value) });
}

/** The record's policy; options that no longer parse keep the safe default (pinned: nothing moves). */
export function zonePolicyOf(record: VolumeRecord): ZonePolicy {
  try {
    return parseZonePolicy(record.spec.options.zonePolicy);
  } catch {
    return "pinned";
  }
}

/**
 * The relocation snapshot's key: one per volume uid, old cloud volume and the epoch it was
 * detached at. The epoch rises at every attach, so a volume attached again in its old zone
 * and written to is a new move with a new snapshot, never the old one's content.
 */
export function relocationKey(uid: string, fromVolumeId: string, epoch: number): string {
  return snapshotKey(uid, `relocation:${fromVolumeId}:${epoch}`);
}

/** What the new volume's CreateVolume is keyed by (its ClientToken's seed): the move, and the zone it goes to. */
export function relocationCreateKey(uid: string, fromVolumeId: string, epoch: number, zone: string): string {
  return `${uid}:relocation:${fromVolumeId}:${epoch}:${zone}`;
}

/** The steps of a relocation that are not those of every move (detach, attach, grant). */
export type RelocationAction =
  | { kind: "snapshotForRelocation"; volumeId: string; fromZone: string; toZone: string; epoch: number; key: string }
  | { kind: "createRelocated"; fromVolumeId: string; fromZone: string; zone: string; epoch: number; snapshotId?: string }
  /** Deletes the cloud volume a relocation left behind (its data is in the mounted new one). */
  | { kind: "retireCloudVolume"; volumeId: string };

/**
 * The next step for a cloud volume detached everywhere that must go to `toZone`: its
 * snapshot, unless the record has the snapshot of this very move (same volume, same epoch);
 * then the new volume from it. A fresh volume (swarmvol never made its filesystem, so no
 * one ever wrote to it) skips the snapshot: its new volume is empty and fresh, formatted
 * at its first mount, where a restored one never is (ADR 0003).
 */
export function relocationStep(volume: VolumeRecord, cloud: CloudVolume, toZone: string): RelocationAction {
  const epoch = volume.status.epoch;
  const known = volume.status.relocation;
  const snapshotId = known?.fromVolumeId === cloud.id && known.epoch === epoch ? known.snapshotId : undefined;
  if (!volume.status.fresh && snapshotId === undefined) {
    return { kind: "snapshotForRelocation", volumeId: cloud.id, fromZone: cloud.zone, toZone, epoch, key: relocationKey(volume.uid, cloud.id, epoch) };
  }
  return { kind: "createRelocated", fromVolumeId: cloud.id, fromZone: cloud.zone, zone: toZone, epoch, ...(snapshotId === undefined ? {} : { snapshotId }) };
}

/**
 * The old volume to delete, once the new one (the record's `backendId`) is granted and its
 * holder's agent reports it mounted under a live lease: only then is the new volume known
 * to hold the data, so until then the old one stays, whatever fails.
 */
export function retirement(volume: VolumeRecord, mountedOnHolder: boolean): RelocationAction | undefined {
  const relocation = volume.status.relocation;
  if (!relocation || !mountedOnHolder || relocation.fromVolumeId === volume.status.backendId) return undefined;
  return { kind: "retireCloudVolume", volumeId: relocation.fromVolumeId };
}

type Condition = Omit<VolumeCondition, "since">;

/** `pinned` and the task in another zone: what to change in the stack file. */
export function zoneMismatch(name: string, volumeZone: string, node: { hostname: string; zone: string }): Condition {
  return {
    reason: "ZoneMismatch",
    message: `volume ${name} is in ${volumeZone} but Swarm placed its task on node ${node.hostname} in ${node.zone}, and EBS attaches only within a zone (zonePolicy=pinned): `
      + `add the constraint node.labels.swarmvol.zone==${volumeZone} to the service (placement.constraints in the stack file), or use a volume made with -o zonePolicy=follow`,
  };
}

/** `follow`, detached, on its way: what is being done. */
export function relocatingCondition(name: string, fromVolumeId: string, fromZone: string, toZone: string): Condition {
  return {
    reason: "Relocating",
    message: `volume ${name} follows its task from ${fromZone} to ${toZone} (zonePolicy=follow): a snapshot of ${fromVolumeId}, a new volume in ${toZone} from it, `
      + `then the attach there; ${fromVolumeId} is deleted once the new volume is mounted`,
  };
}

const gone = (volume: CloudVolume) => volume.state === "deleting" || volume.state === "deleted";

/** The volumes a relocation left behind: named by another volume's `swarmvol/relocatedFrom`. */
export function supersededIds(volumes: readonly CloudVolume[]): Set<string> {
  return new Set(volumes.map((volume) => volume.tags[cloudTags.relocatedFrom]).filter((id): id is string => id !== undefined));
}

const epochOf = (volume: CloudVolume) => {
  const epoch = Number(volume.tags[cloudTags.epoch] ?? "0");
  return Number.isFinite(epoch) ? epoch : 0;
};

/** Which of two volumes of one uid, neither left behind, holds the data: the higher epoch (raised at every attach), then an attached one. */
function newer(a: CloudVolume, b: CloudVolume): boolean {
  return epochOf(a) !== epochOf(b) ? epochOf(a) > epochOf(b) : a.attachments.length > b.attachments.length;
}

/**
 * Each uid's current volume, in the order given: not one a relocation left behind, and of
 * two made from the same one (a create whose answer was lost, then the task moved to a
 * third zone before the retry), the newer: the other was never attached.
 */
export function currentVolumes(volumes: readonly CloudVolume[]): CloudVolume[] {
  const superseded = supersededIds(volumes);
  const best = new Map<string, CloudVolume>();
  for (const volume of volumes) {
    if (superseded.has(volume.id)) continue;
    const uid = volume.tags[cloudTags.uid] ?? "";
    const other = best.get(uid);
    if (!other || newer(volume, other)) best.set(uid, volume);
  }
  return volumes.filter((volume) => best.get(volume.tags[cloudTags.uid] ?? "") === volume);
}

/**
 * Volumes made for a relocation from `fromVolumeId` that never became the uid's volume: a
 * create whose answer was lost, then the task moved to a third zone before the retry, so
 * the volume made for the second zone was never attached and holds no write. They go with
 * the old volume, once the current one (`currentId`) is mounted; one attached is kept.
 */
export function strayRelocations(volumes: readonly CloudVolume[], uid: string, fromVolumeId: string, currentId: string | undefined): string[] {
  return volumes.filter((volume) => volume.id !== currentId && volume.id !== fromVolumeId && !gone(volume) && volume.attachments.length === 0
    && volume.tags[cloudTags.uid] === uid && volume.tags[cloudTags.relocatedFrom] === fromVolumeId).map((volume) => volume.id);
}

/**
 * The relocation a new leader must finish, from the cloud alone: `current` was made from a
 * volume that still exists, so that one is yet to be retired (the new one's epoch tag is
 * the epoch it was made at).
 */
export function pendingRelocation(current: CloudVolume, volumes: readonly CloudVolume[]): Relocation | undefined {
  const fromId = current.tags[cloudTags.relocatedFrom];
  const from = fromId === undefined ? undefined : volumes.find((volume) => volume.id === fromId);
  if (!from || gone(from)) return undefined;
  return { fromVolumeId: from.id, fromZone: from.zone, toZone: current.zone, epoch: epochOf(from), toVolumeId: current.id };
}
