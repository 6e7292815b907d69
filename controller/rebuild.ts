import { cloudTags, type CloudVolume } from "../core/cloud.js";
import type { Catalog, Logger } from "../core/ports.js";
import type { VolumeRecord } from "../core/volume.js";

/**
 * Rebuilds catalog entries from the cloud's tags for every swarmvol volume the catalog
 * does not know (its state file was lost or restored from an old backup). The rebuilt
 * entry is never marked fresh — swarmvol will not format a volume it cannot prove it
 * created empty — and keeps the fencing epoch from the tag. Placement comes from Swarm on
 * the next reconcile. Returns the names it restored.
 */
export async function rebuildFromCloud(catalog: Catalog, volumes: readonly CloudVolume[], logger: Logger): Promise<string[]> {
  const restored: string[] = [];
  for (const volume of volumes) {
    const name = volume.tags[cloudTags.name];
    const uid = volume.tags[cloudTags.uid];
    if (!name || !uid || catalog.get(name)) continue;
    const epoch = Number(volume.tags[cloudTags.epoch] ?? "0");
    const record: VolumeRecord = {
      uid,
      createdAt: new Date(0).toISOString(),
      spec: { name, backend: "ebs", sizeBytes: volume.sizeBytes, fsType: "ext4", options: {} },
      status: { phase: "ready", fresh: false, epoch: Number.isFinite(epoch) ? epoch : 0, backendId: volume.id, zone: volume.zone },
    };
    await catalog.put(record);
    restored.push(name);
    logger.warn({ volume: name, backendId: volume.id, epoch: record.status.epoch }, "catalog entry rebuilt from cloud tags");
  }
  return restored;
}
