import type { Catalog, MountEntry, MountTable } from "../../core/ports.js";
import type { VolumeRecord } from "../../core/volume.js";

/** In-memory catalog for unit and component tests; records every write. */
export class MemoryCatalog implements Catalog {
  readonly records = new Map<string, VolumeRecord>();
  readonly writes: string[] = [];

  get(name: string): VolumeRecord | undefined {
    return this.records.get(name);
  }
  list(): VolumeRecord[] {
    return [...this.records.values()];
  }
  async put(record: VolumeRecord): Promise<void> {
    this.writes.push(`put ${record.spec.name} ${record.status.phase} fresh=${record.status.fresh}`);
    this.records.set(record.spec.name, structuredClone(record));
  }
  async remove(name: string): Promise<void> {
    this.writes.push(`remove ${name}`);
    this.records.delete(name);
  }
  async close(): Promise<void> {}
}

export class MemoryMountTable implements MountTable {
  readonly entries = new Map<string, MountEntry>();

  get(name: string): MountEntry | undefined {
    return this.entries.get(name);
  }
  list(): Array<[string, MountEntry]> {
    return [...this.entries.entries()];
  }
  async set(name: string, entry: MountEntry): Promise<void> {
    this.entries.set(name, structuredClone(entry));
  }
  async delete(name: string): Promise<void> {
    this.entries.delete(name);
  }
}
