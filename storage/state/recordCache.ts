import { rename } from "node:fs/promises";
import { ErrorCode, isSwarmvolError } from "../../core/errors.js";
import type { VolumeRecord } from "../../core/volume.js";
import type { RecordCache } from "../../core/ports.js";
import { openDocument } from "./document.js";
import { emptyVolumeRecordDocument, VolumeRecordFile } from "./volumeRecordFile.js";

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
export class RecordCacheStore extends VolumeRecordFile implements RecordCache {
  static async open(path: string, options: RecordCacheStoreOptions = {}): Promise<RecordCacheStore> {
    try {
      return new RecordCacheStore(await openDocument(path, emptyVolumeRecordDocument()));
    } catch (err) {
      if (!isSwarmvolError(err, ErrorCode.Unsafe)) throw err;
      await rename(path, `${path}.corrupt`);
      options.onDiscard?.(`record cache ${path} was unreadable (${err.message}); moved it to ${path}.corrupt and started with an empty cache`);
      return new RecordCacheStore(await openDocument(path, emptyVolumeRecordDocument()));
    }
  }

  async replaceAll(records: readonly VolumeRecord[]): Promise<void> {
    const next: Record<string, VolumeRecord> = {};
    for (const record of records) next[record.spec.name] = structuredClone(record);
    this.db.data.volumes = next;
    await this.db.write();
  }
}
