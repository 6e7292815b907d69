/**
 * ExportDirectories (core/nfsShares.ts) on a directory where the controller's host reaches
 * the operator's export (ADR 0031): on a swarm, the export mounted on the managers (fstab,
 * autofs, or a Docker volume of the `local` driver with `type=nfs` given to the controller's
 * service) at `--nfs-export-root`; in the lab, whose kernels have no NFS client, the local
 * directory the agents' `--share-mounter bind:DIR` serves as that export.
 *
 * Layout: `<root>/<directory>` per volume, `<root>/.swarmvol/<id>.json` its marker (outside
 * every volume's directory, so no container can edit it). Markers are written with
 * DurableJsonFile (temp file, fsync, rename); a new directory is made under `.swarmvol/`,
 * given its owner and mode, then renamed into place, so a crash never leaves a volume
 * directory with the wrong owner. Ids and directory names are checked before any path is
 * built from them: nothing outside the root is ever touched. A failure of the export itself
 * is a domain error naming the fix: refused (root squashed, read-only) is INTERNAL, an
 * export that does not answer (a soft mount's EIO, a stale handle) UNAVAILABLE, retried.
 */
import { chmod, chown, mkdir, readdir, rename, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import { internal, invalidArgument, isSwarmvolError, unavailable } from "../../core/errors.js";
import type { DirectoryOwner } from "../../core/fileShares.js";
import type { ExportDirectories, NfsVolumeMarker } from "../../core/nfsShares.js";
import { DurableJsonFile } from "../state/durableJsonFile.js";

/** Where markers (and directories being made) live, beside the volumes. */
export const markerFolder = ".swarmvol";

const idPattern = /^nfs-[0-9a-f]{17}$/;
const directoryPattern = /^[A-Za-z0-9_.-]{1,255}$/;

export class LocalExportDirectories implements ExportDirectories {
  private readonly files = new Map<string, DurableJsonFile<NfsVolumeMarker>>();

  /** @param root the export as this host reaches it (absolute). */
  constructor(private readonly root: string) {
    if (!root.startsWith("/")) throw invalidArgument(`the NFS export root ${JSON.stringify(root)} must be an absolute path`, { root });
  }

  async makeDirectory(directory: string, owner: DirectoryOwner): Promise<void> {
    const final = this.directoryPath(directory);
    await this.guarded(`making ${directory}`, () => this.made(directory, final, owner));
  }

  private async made(directory: string, final: string, owner: DirectoryOwner): Promise<void> {
    const staging = join(this.root, markerFolder, `new-${directory}`);
    await mkdir(join(this.root, markerFolder), { recursive: true, mode: 0o700 });
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging);
    await chown(staging, owner.uid, owner.gid);
    await chmod(staging, parseInt(owner.mode, 8));
    try {
      await rename(staging, final);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      // Made by an earlier attempt: kept as it is, files and owner.
      if (!["EEXIST", "ENOTEMPTY"].includes((err as NodeJS.ErrnoException).code ?? "")) throw err;
    }
  }

  async removeDirectory(directory: string): Promise<void> {
    const path = this.directoryPath(directory);
    await this.guarded(`removing ${directory}`, () => rm(path, { recursive: true, force: true }));
  }

  async readMarker(id: string): Promise<NfsVolumeMarker | undefined> {
    const file = this.file(id);
    const marker = await this.guarded(`reading the marker of ${id}`, () => file.read());
    if (marker === null) return undefined;
    if (marker.id !== id || !directoryPattern.test(marker.directory) || typeof marker.tags !== "object" || marker.tags === null) {
      throw internal(`NFS volume marker ${this.markerPath(id)} is not one swarmvol wrote; fix or remove it by hand`, { id });
    }
    return marker;
  }

  async writeMarker(marker: NfsVolumeMarker): Promise<void> {
    this.directoryPath(marker.directory);
    const file = this.file(marker.id);
    await this.guarded(`writing the marker of ${marker.id}`, async () => {
      await mkdir(join(this.root, markerFolder), { recursive: true, mode: 0o700 });
      await file.write(marker);
    });
  }

  async removeMarker(id: string): Promise<void> {
    const path = this.markerPath(id);
    await this.guarded(`removing the marker of ${id}`, () => unlink(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    }));
  }

  async listMarkers(): Promise<NfsVolumeMarker[]> {
    const names = await this.guarded("listing the markers", () => readdir(join(this.root, markerFolder)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return [] as string[];
      throw err;
    }));
    const ids = names.filter((name) => name.endsWith(".json")).map((name) => name.slice(0, -".json".length)).filter((id) => idPattern.test(id)).sort();
    const markers = await Promise.all(ids.map((id) => this.readMarker(id)));
    return markers.filter((marker): marker is NfsVolumeMarker => marker !== undefined);
  }

  /** Runs one step on the export; its OS failures become domain errors naming the fix. */
  private async guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw exportFailure(what, this.root, err);
    }
  }

  private file(id: string): DurableJsonFile<NfsVolumeMarker> {
    const path = this.markerPath(id);
    let file = this.files.get(path);
    if (file === undefined) this.files.set(path, (file = new DurableJsonFile<NfsVolumeMarker>(path)));
    return file;
  }

  private markerPath(id: string): string {
    if (!idPattern.test(id)) throw invalidArgument(`${JSON.stringify(id)} is not an NFS volume id (nfs- and 17 hex digits)`, { id });
    return join(this.root, markerFolder, `${id}.json`);
  }

  private directoryPath(directory: string): string {
    if (!directoryPattern.test(directory) || directory === "." || directory === ".." || directory === markerFolder) {
      throw invalidArgument(`${JSON.stringify(directory)} is not an NFS volume directory (one path segment of letters, digits and _ . -)`, { directory });
    }
    return join(this.root, directory);
  }
}

/**
 * A failure of the export as a domain error: refused (root squashed, read-only) is INTERNAL
 * naming the export setting to fix; a server that does not answer (a soft mount's EIO, a
 * stale handle) UNAVAILABLE, so the volume is retried; anything else as it was.
 */
export function exportFailure(what: string, root: string, err: unknown): unknown {
  if (isSwarmvolError(err)) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? "";
  const details = { root, code };
  if (["EPERM", "EACCES", "EROFS"].includes(code)) {
    return internal(`${what} on the NFS export at ${root} was refused (${code}): export it read-write with no_root_squash to the managers (ADR 0031)`, details, err);
  }
  if (["EIO", "ESTALE", "ENOTCONN", "ETIMEDOUT", "EHOSTDOWN"].includes(code)) {
    return unavailable(`${what} on the NFS export at ${root} failed (${code}): the server did not answer; retrying`, details, err);
  }
  return err;
}
