import type { Low } from "lowdb";
import type { VolumeRecord } from "../../core/volume.js";

/** A lowdb document of volume records by name (the catalog, the agent's record cache). */
export interface VolumeRecordDocument {
  schemaVersion: 1;
  volumes: Record<string, VolumeRecord>;
}

export const emptyVolumeRecordDocument = (): VolumeRecordDocument => ({ schemaVersion: 1, volumes: {} });

/** Reads from memory; each write is durable (atomic, fsynced) when its promise resolves. */
export class VolumeRecordFile {
  constructor(protected readonly db: Low<VolumeRecordDocument>) {}

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

  async remove(name: string): Promise<void> {
    if (!(name in this.db.data.volumes)) return;
    delete this.db.data.volumes[name];
    await this.db.write();
  }
}
