import { rename } from "node:fs/promises";
import type { Low } from "lowdb";
import { ErrorCode, isSwarmvolError } from "../../core/errors.js";
import type { VolumeRecord } from "../../core/volume.js";
import type { RecordCache } from "../../plugin/cluster/remoteDirectory.js";
import { openDocument } from "./document.js";

interface RecordCacheDocument {
  schemaVersion: 1;
  volumes: Record<string, VolumeRecord>;
}

export interface RecordCacheStoreOptions {
  /**
   * Told when an unreadable cache file was moved aside (to `<path>.corrupt`) and the cache
   * started empty. Unlike the catalog, the cache is only a copy of the controller's records,
   * so an agent must start without it rather than refuse to start.
   */
  onDiscard?: (message: string) => void;
}

/**
 * The agent's cache of the controller's volume records (plugin/cluster/remoteDirectory.ts)
 * in one lowdb file. Writes are fsynced: they are rare (callers write only on a change) and
 * this file is what keeps dockerd's volumes alive when the agent restarts during a
 * controller outage.
 */
export class RecordCacheStore implements RecordCache {
  private constructor(private readonly db: Low<RecordCacheDocument>) {}

  static async open(path: string, options: RecordCacheStoreOptions = {}): Promise<RecordCacheStore> {
    const initial: RecordCacheDocument = { schemaVersion: 1, volumes: {} };
    try {
      return new RecordCacheStore(await openDocument<RecordCacheDocument>(path, initial));
    } catch (err) {
      if (!isSwarmvolError(err, ErrorCode.Unsafe)) throw err;
      await rename(path, `${path}.corrupt`);
      options.onDiscard?.(`record cache ${path} was unreadable (${err.message}); moved it to ${path}.corrupt and started with an empty cache`);
      return new RecordCacheStore(await openDocument<RecordCacheDocument>(path, initial));
    }
  }

  get(name: string): VolumeRecord | undefined {
    return this.db.data.volumes[name];
  }

  list(): VolumeRecord[] {
    return Object.values(this.db.data.volumes).sort((a, b) => a.spec.name.localeCompare(b.spec.name));
  }

  async put(record: VolumeRecord): Promise<void> {
    this.db.data.volumes[record.spec.name] = structuredClone(record);
    await this.db.write();
  }

  async replaceAll(records: readonly VolumeRecord[]): Promise<void> {
    const next: Record<string, VolumeRecord> = {};
    for (const record of records) next[record.spec.name] = structuredClone(record);
    if (JSON.stringify(next) === JSON.stringify(this.db.data.volumes)) return;
    this.db.data.volumes = next;
    await this.db.write();
  }

  async remove(name: string): Promise<void> {
    if (!(name in this.db.data.volumes)) return;
    delete this.db.data.volumes[name];
    await this.db.write();
  }
}
