import { cloudTags, parseSpecTag, type CloudVolume } from "../core/cloud.js";
import { currentVolumes, pendingRelocation } from "../core/zones.js";
import type { Catalog, Logger } from "../core/ports.js";
import type { VolumeRecord } from "../core/volume.js";

/**
 * The cloud's word on a record: its volume id, zone and the highest epoch either side has
 * seen. A grant older than that epoch is dropped (it was another leader's, for an older move).
 * `cloud` is the uid's current volume (core/zones.ts currentVolumes); `all` the volumes
 * described with it, where the one a relocation left behind, if still there, is found: the
 * relocation is then pending (its retirement), whatever the record remembered. A record's
 * own relocation is kept only while it is about `cloud` itself (snapshot taken, new volume
 * not made yet).
 */
export function withCloud(record: VolumeRecord, cloud: CloudVolume | undefined, all: readonly CloudVolume[]): VolumeRecord {
  if (!cloud) return record;
  const tagged = Number(cloud.tags[cloudTags.epoch] ?? "0");
  const epoch = Math.max(record.status.epoch, Number.isFinite(tagged) ? tagged : 0);
  const status = { ...record.status, backendId: cloud.id, zone: cloud.zone, epoch };
  if (status.grantedTo && status.grantedTo.epoch < epoch) delete status.grantedTo;
  const own = record.status.relocation?.fromVolumeId === cloud.id ? record.status.relocation : undefined;
  const relocation = pendingRelocation(cloud, all) ?? own;
  if (relocation) status.relocation = relocation;
  else delete status.relocation;
  return { ...record, status };
}

/** Each uid's current volume: those no relocation left behind (core/zones.ts). */
export function currentByUid(volumes: readonly CloudVolume[]): Map<string, CloudVolume> {
  return new Map(currentVolumes(volumes).map((volume) => [volume.tags[cloudTags.uid] ?? "", volume]));
}

/**
 * A catalog entry from a volume's tags alone. It keeps the options, filesystem type and
 * creation time of the `swarmvol/spec` tag when there is one (as the backend decoded it,
 * `CloudVolume.spec`, else EBS's JSON), and is never marked fresh:
 * swarmvol will not format a volume it cannot prove it created empty. Its backend is the one
 * the router stamped on the volume (ebs when unstamped, as before the seam).
 */
export function recordFromTags(cloud: CloudVolume, all: readonly CloudVolume[] = [cloud]): VolumeRecord | undefined {
  const name = cloud.tags[cloudTags.name];
  const uid = cloud.tags[cloudTags.uid];
  // A volume removed with onRemove=retain was forgotten on purpose.
  if (!name || !uid || cloud.tags[cloudTags.retained] !== undefined) return undefined;
  const spec = cloud.spec ?? parseSpecTag(cloud.tags[cloudTags.spec]);
  return withCloud({
    uid, createdAt: spec?.createdAt ?? new Date(0).toISOString(),
    spec: { name, backend: cloud.backend ?? "ebs", sizeBytes: cloud.sizeBytes, fsType: spec?.fsType ?? "ext4", options: spec?.options ?? {} },
    status: { phase: "ready", fresh: false, epoch: 0 },
  }, cloud, all);
}

/**
 * Rebuilds catalog entries from the cloud's tags for every current swarmvol volume the catalog
 * does not know (its state and Swarm's store both lost it, or a backup was restored).
 * Placement comes from Swarm on the next reconcile. Returns the names it restored.
 */
export async function rebuildFromCloud(catalog: Catalog, volumes: readonly CloudVolume[], logger: Logger): Promise<string[]> {
  const restored: string[] = [];
  // A volume a relocation left behind is not the volume any more: its successor is.
  for (const volume of currentVolumes(volumes)) {
    const record = recordFromTags(volume, volumes);
    if (!record || catalog.get(record.spec.name)) continue;
    await catalog.put(record);
    restored.push(record.spec.name);
    logger.warn({ volume: record.spec.name, backendId: volume.id, epoch: record.status.epoch }, "catalog entry rebuilt from cloud tags");
  }
  return restored;
}
