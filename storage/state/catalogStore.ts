import type { Low } from "lowdb";
import type { Catalog, MountEntry, MountTable } from "../../core/ports.js";
import { openDocument } from "./document.js";
import { emptyVolumeRecordDocument, VolumeRecordFile } from "./volumeRecordFile.js";

/** The catalog in one lowdb file; reads come from memory, each write is durable on resolve. */
export class CatalogStore extends VolumeRecordFile implements Catalog {
  static async open(path: string): Promise<CatalogStore> {
    return new CatalogStore(await openDocument(path, emptyVolumeRecordDocument()));
  }

  async close(): Promise<void> {
    await this.db.write();
  }
}

interface MountDocument {
  schemaVersion: 1;
  mounts: Record<string, MountEntry>;
}

/**
 * This node's mount refcounts, kept on disk so an agent restart does not forget users.
 * Written without fsync: after a node crash no mount survives, and the start-up sweep
 * forgets entries whose filesystem is not mounted.
 */
export class MountTableStore implements MountTable {
  private constructor(private readonly db: Low<MountDocument>) {}

  static async open(path: string): Promise<MountTableStore> {
    return new MountTableStore(await openDocument<MountDocument>(path, { schemaVersion: 1, mounts: {} }, { sync: false }));
  }

  get(name: string): MountEntry | undefined {
    return this.db.data.mounts[name];
  }

  list(): Array<[string, MountEntry]> {
    return Object.entries(this.db.data.mounts);
  }

  async set(name: string, entry: MountEntry): Promise<void> {
    this.db.data.mounts[name] = structuredClone(entry);
    await this.db.write();
  }

  async delete(name: string): Promise<void> {
    if (!(name in this.db.data.mounts)) return;
    delete this.db.data.mounts[name];
    await this.db.write();
  }
}
