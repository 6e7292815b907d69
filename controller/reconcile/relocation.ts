/**
 * The reconciler's steps of a relocation (zonePolicy=follow, core/zones.ts, ADR 0024), once
 * the old cloud volume is detached everywhere: its snapshot, the new volume in the task's
 * zone from it, and, once that one is mounted there, the old volume's delete (with any
 * volume made for this move that never became the volume: core/zones.ts strayRelocations). Each step is
 * idempotent by a key derived from the volume's uid and the move (the old volume's id and
 * the epoch it was detached at), so a retry, a restart or a new leader finds what an
 * earlier attempt made: the snapshot by its `swarmvol/key` tag, the volume by its
 * ClientToken and its `swarmvol/relocatedFrom` tag; a delete of a deleted volume succeeds.
 * Each result is written into the record's `relocation` right after the step.
 */
import type { CloudVolume, CloudVolumes } from "../../core/cloud.js";
import { internal } from "../../core/errors.js";
import type { Relocation, VolumeRecord, VolumeStatus } from "../../core/volume.js";
import { relocationCreateKey, strayRelocations, type RelocationAction } from "../../core/zones.js";

export interface RelocationDeps {
  cloud: CloudVolumes;
  /** Takes, or finds by its key, the snapshot of a detached volume (SnapshotService.forRelocation); absent: no snapshots. */
  snapshot: ((record: VolumeRecord, volumeId: string, key: string) => Promise<string>) | undefined;
  /** Writes status fields onto the catalog's current record (the reconciler's patch). */
  patch: (record: VolumeRecord, change: Partial<VolumeStatus>) => Promise<VolumeRecord>;
}

export interface Stepped {
  record: VolumeRecord;
  cloud: CloudVolume | undefined;
}

export async function performRelocation(deps: RelocationDeps, record: VolumeRecord, cloud: CloudVolume | undefined, action: RelocationAction): Promise<Stepped> {
  switch (action.kind) {
    case "snapshotForRelocation": {
      if (!deps.snapshot) throw internal(`volume ${record.spec.name} has zonePolicy=follow but this controller takes no snapshots (it needs the EBS backend)`);
      const snapshotId = await deps.snapshot(record, action.volumeId, action.key);
      const relocation: Relocation = { fromVolumeId: action.volumeId, fromZone: action.fromZone, toZone: action.toZone, epoch: action.epoch, snapshotId };
      return { record: await deps.patch(record, { relocation }), cloud };
    }
    case "createRelocated":
      return createRelocated(deps, record, action);
    case "retireCloudVolume": {
      // Rare (once per relocation), so one full Describe: strays have no id the record knows.
      for (const stray of strayRelocations(await deps.cloud.describe(), record.uid, action.volumeId, record.status.backendId)) await deps.cloud.delete(stray);
      await deps.cloud.delete(action.volumeId);
      return { record: await deps.patch(record, { relocation: undefined }), cloud };
    }
  }
}

/**
 * The new volume: the record's own spec (options, filesystem, creation time in its spec
 * tag, so a catalog rebuilt from it has the real options), in the new zone, from the
 * relocation snapshot. The record then names it: its id, its zone.
 */
async function createRelocated(deps: RelocationDeps, record: VolumeRecord, action: Extract<RelocationAction, { kind: "createRelocated" }>): Promise<Stepped> {
  const key = relocationCreateKey(record.uid, action.fromVolumeId, action.epoch, action.zone);
  const created = await deps.cloud.create({
    uid: record.uid, backend: record.spec.backend, name: record.spec.name, sizeBytes: record.spec.sizeBytes, zone: action.zone, options: record.spec.options,
    fsType: record.spec.fsType, createdAt: record.createdAt,
    relocation: { fromVolumeId: action.fromVolumeId, epoch: action.epoch, key, ...(action.snapshotId === undefined ? {} : { snapshotId: action.snapshotId }) },
  });
  const relocation: Relocation = {
    fromVolumeId: action.fromVolumeId, fromZone: action.fromZone, toZone: created.zone, epoch: action.epoch, toVolumeId: created.id,
    ...(action.snapshotId === undefined ? {} : { snapshotId: action.snapshotId }),
  };
  return { record: await deps.patch(record, { backendId: created.id, zone: created.zone, relocation }), cloud: created };
}
