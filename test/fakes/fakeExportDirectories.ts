import type { DirectoryOwner } from "../../core/fileShares.js";
import type { ExportDirectories, NfsVolumeMarker } from "../../core/nfsShares.js";

/**
 * A recording ExportDirectories in memory: `calls` lists every call as `op arg` (a marker
 * write as `writeMarker <id> <tag changes>`), `directories` and `markers` what the export
 * holds. Like the real one, a second makeDirectory keeps the first's owner, and removing
 * what is absent is done. `failNext` makes the next call of that op throw once (a crash).
 */
export class FakeExportDirectories implements ExportDirectories {
  readonly directories = new Map<string, DirectoryOwner & { files: number }>();
  readonly markers = new Map<string, NfsVolumeMarker>();
  readonly calls: string[] = [];
  failNext: { op: keyof ExportDirectories; error: Error } | undefined;

  async makeDirectory(directory: string, owner: DirectoryOwner): Promise<void> {
    this.record("makeDirectory", `${directory} ${owner.uid}:${owner.gid} ${owner.mode}`);
    if (!this.directories.has(directory)) this.directories.set(directory, { ...owner, files: 0 });
  }

  async removeDirectory(directory: string): Promise<void> {
    this.record("removeDirectory", directory);
    this.directories.delete(directory);
  }

  async readMarker(id: string): Promise<NfsVolumeMarker | undefined> {
    this.record("readMarker", id);
    return this.markers.get(id);
  }

  async writeMarker(marker: NfsVolumeMarker): Promise<void> {
    const before = this.markers.get(marker.id)?.tags ?? {};
    const changes = [
      ...Object.entries(marker.tags).filter(([key, value]) => before[key] !== value).map(([key, value]) => `${key}=${key === "swarmvol/spec" ? "…" : value}`),
      ...Object.keys(before).filter((key) => !(key in marker.tags)).map((key) => `-${key}`),
    ];
    this.record("writeMarker", `${marker.id} ${changes.join(",")}`);
    this.markers.set(marker.id, { ...marker, tags: { ...marker.tags } });
  }

  async removeMarker(id: string): Promise<void> {
    this.record("removeMarker", id);
    this.markers.delete(id);
  }

  async listMarkers(): Promise<NfsVolumeMarker[]> {
    this.record("listMarkers", "*");
    return [...this.markers.values()];
  }

  /** The calls since the last look. */
  said(): string[] {
    return this.calls.splice(0);
  }

  private record(op: keyof ExportDirectories, arg: string): void {
    this.calls.push(`${op} ${arg}`);
    const fail = this.failNext;
    if (fail?.op === op) {
      this.failNext = undefined;
      throw fail.error;
    }
  }
}
