import type { CloudVolume } from "../core/cloud.js";
import type { StoredVolume, VolumeSpecStore } from "../core/clusterStore.js";
import type { Catalog, Logger } from "../core/ports.js";
import { restoredResize, sameStoredResize, storedResize } from "../core/resize.js";
import type { VolumeRecord } from "../core/volume.js";
import { currentByUid, rebuildFromCloud, withCloud } from "./rebuild.js";

/**
 * The catalog as a controller replica keeps it: this replica's lowdb file is the cache every
 * read and status write goes to, and what the next leader must know is written through to
 * Swarm's Raft store first (ADR 0010):
 * - a new volume (or a name taken again with a new uid) is stored in Swarm before the local
 *   write, so a Create is acknowledged only once it is durable there;
 * - the fresh mark, when it clears (swarmvol made the filesystem), likewise;
 * - a resize (its wanted size, and what the filesystem was grown to fill), likewise;
 * - a remove deletes the Swarm entry before the local one.
 * Status that changes at every step (grant, condition, move times) stays local: a new
 * leader rebuilds it from the cloud, its tags and Swarm ({@link restoreCatalog}).
 *
 * `replicated` in a local record says the Swarm store has had it: a local record without
 * it predates HA and is written up on restore; one with it that Swarm no longer has was
 * removed by another leader and is dropped.
 */
export class ReplicatedCatalog implements Catalog {
  constructor(
    private readonly local: Catalog,
    private readonly store: VolumeSpecStore,
    /** Throws unless this replica may write (the leader's gate). */
    private readonly assertCanWrite: () => void = () => undefined,
  ) {}

  get(name: string): VolumeRecord | undefined {
    return this.local.get(name);
  }

  list(): VolumeRecord[] {
    return this.local.list();
  }

  async put(record: VolumeRecord): Promise<void> {
    const existing = this.local.get(record.spec.name);
    const isNew = existing?.uid !== record.uid;
    const formattedNow = !isNew && existing.status.fresh && !record.status.fresh;
    const resized = !isNew && !sameStoredResize(storedResize(existing.status.resize), storedResize(record.status.resize));
    if (isNew || formattedNow || resized || !record.status.replicated) {
      this.assertCanWrite();
      await this.store.putVolume(storedOf(record));
    }
    await this.local.put(record.status.replicated ? record : { ...record, status: { ...record.status, replicated: true } });
  }

  async remove(name: string): Promise<void> {
    this.assertCanWrite();
    await this.store.removeVolume(name);
    await this.local.remove(name);
  }

  /** Writes the local cache only (restore). */
  async putLocal(record: VolumeRecord): Promise<void> {
    await this.local.put(record);
  }

  async removeLocal(name: string): Promise<void> {
    await this.local.remove(name);
  }

  close(): Promise<void> {
    return this.local.close();
  }
}

export function storedOf(record: VolumeRecord): StoredVolume {
  const resize = storedResize(record.status.resize);
  return { uid: record.uid, createdAt: record.createdAt, spec: record.spec, formatted: !record.status.fresh, ...(resize ? { resize } : {}) };
}

/** A catalog entry for a volume Swarm has and this replica's cache does not (or has under another uid). */
function recordOf(stored: StoredVolume): VolumeRecord {
  return { uid: stored.uid, createdAt: stored.createdAt, spec: stored.spec, status: { phase: "ready", fresh: !stored.formatted, epoch: 0, replicated: true } };
}

/** Swarm's spec (its size is the resize's wanted size) and resize over this cache's status of the same volume. */
function withStored(base: VolumeRecord, stored: StoredVolume): VolumeRecord {
  const resize = restoredResize(stored.resize, base.status.resize);
  const status = { ...base.status };
  if (resize) status.resize = resize;
  else delete status.resize;
  return { ...base, spec: stored.spec, status };
}

export interface RestoreResult {
  fromStore: number;
  fromTags: string[];
  migrated: string[];
  dropped: string[];
}

/**
 * What a new leader does before acting: the catalog becomes Swarm's volumes, each with the
 * cloud's id, zone and epoch; volumes only the cloud's tags know are written back to Swarm;
 * pre-HA local entries are written up; entries another leader removed are dropped.
 */
export async function restoreCatalog(catalog: ReplicatedCatalog, store: VolumeSpecStore, cloudVolumes: readonly CloudVolume[], logger: Logger): Promise<RestoreResult> {
  const stored = await store.listVolumes();
  const byUid = currentByUid(cloudVolumes);
  const result: RestoreResult = { fromStore: stored.length, fromTags: [], migrated: [], dropped: [] };
  const storedNames = new Set<string>();
  // First Swarm's entries (each with the cloud's id, zone and epoch), then the cache's extras.
  for (const entry of stored) {
    storedNames.add(entry.spec.name);
    const local = catalog.get(entry.spec.name);
    const base = local?.uid === entry.uid
      ? { ...local, status: { ...local.status, fresh: local.status.fresh && !entry.formatted, replicated: true } }
      : recordOf(entry);
    await catalog.putLocal(withCloud(withStored(base, entry), byUid.get(entry.uid), cloudVolumes));
  }
  for (const local of catalog.list()) {
    if (storedNames.has(local.spec.name)) continue;
    if (local.status.replicated) {
      await catalog.removeLocal(local.spec.name);
      result.dropped.push(local.spec.name);
    } else {
      await catalog.put(withCloud(local, byUid.get(local.uid), cloudVolumes));
      result.migrated.push(local.spec.name);
    }
  }
  result.fromTags = await rebuildFromCloud(catalog, cloudVolumes, logger);
  return result;
}
