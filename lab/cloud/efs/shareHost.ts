/**
 * Where the emulator's file systems live: each one a real directory, an access point's root
 * directory really made (with its CreationInfo owner and mode), and the set of exports an
 * NFS server should serve. `DirectoryShareHost` keeps them under one root and hands the
 * exports to an NfsExporter (lab/nfs/ganesha.ts) when one is given.
 */
import { chmod, chown, lstat, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { silentLogger, type Logger } from "../../../core/ports.js";
import type { NfsExport, NfsExporter } from "../../nfs/ganeshaConfig.js";

/** One export as the emulator computes it from its state. */
export interface ShareExport {
  exportId: number;
  /** `/fs-…` for a file system, `/fsap-…` for an access point: what an NFS client names. */
  pseudo: string;
  fileSystemId: string;
  /** Inside the file system; `/` for its root. */
  path: string;
  /** Every NFS user becomes this one (an access point's PosixUser). */
  squashTo?: { uid: number; gid: number };
}

export interface DirectoryOwner {
  uid: number;
  gid: number;
  /** Permission bits, e.g. 0o755. */
  mode: number;
}

export interface FileShareHost {
  /** Makes the file system's root directory (idempotent). */
  createFileSystem(fileSystemId: string): Promise<void>;
  /** Removes the file system's directory and everything in it (idempotent). */
  deleteFileSystem(fileSystemId: string): Promise<void>;
  /** Makes `path` and its missing parents with this owner and mode; existing ones stay as they are. */
  createDirectory(fileSystemId: string, path: string, owner: DirectoryOwner): Promise<void>;
  /** Serves exactly these exports (level-based: the whole set every time; unchanged sets cost nothing). */
  serve(exports: readonly ShareExport[]): Promise<void>;
  close(): Promise<void>;
}

export const nullShareHost: FileShareHost = {
  async createFileSystem() {},
  async deleteFileSystem() {},
  async createDirectory() {},
  async serve() {},
  async close() {},
};

const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === "ENOENT";

/** File systems as directories `root/<fs-id>`; exports handed to `exporter` when given. */
export class DirectoryShareHost implements FileShareHost {
  private lastServed = "";

  constructor(
    readonly root: string,
    private readonly exporter?: NfsExporter,
    private readonly logger: Logger = silentLogger,
  ) {}

  /** The directory of `path` inside the file system. */
  pathOf(fileSystemId: string, path = "/"): string {
    return join(this.root, fileSystemId, ...path.split("/").filter((part) => part !== ""));
  }

  async createFileSystem(fileSystemId: string): Promise<void> {
    await mkdir(this.pathOf(fileSystemId), { recursive: true, mode: 0o755 });
  }

  async deleteFileSystem(fileSystemId: string): Promise<void> {
    await rm(this.pathOf(fileSystemId), { recursive: true, force: true });
  }

  async createDirectory(fileSystemId: string, path: string, owner: DirectoryOwner): Promise<void> {
    let current = "/";
    for (const part of path.split("/").filter((p) => p !== "")) {
      current = `${current === "/" ? "" : current}/${part}`;
      const dir = this.pathOf(fileSystemId, current);
      const found = await lstat(dir).catch((err: unknown) => (missing(err) ? undefined : Promise.reject(err)));
      if (found !== undefined) continue;
      await mkdir(dir);
      // chown needs root; an emulator run by a user makes the directory theirs (tests without root).
      if (process.getuid?.() === 0) await chown(dir, owner.uid, owner.gid);
      await chmod(dir, owner.mode); // after mkdir, so the umask does not cut the mode
    }
  }

  async serve(exports: readonly ShareExport[]): Promise<void> {
    if (this.exporter === undefined) return;
    const resolved: NfsExport[] = [];
    for (const e of exports) {
      const path = this.pathOf(e.fileSystemId, e.path);
      // An access point whose root does not exist cannot be mounted (EFS: the mount fails).
      const found = await lstat(path).catch(() => undefined);
      if (found?.isDirectory() !== true) continue;
      resolved.push({ exportId: e.exportId, path, pseudo: e.pseudo, ...(e.squashTo === undefined ? {} : { squashTo: e.squashTo }) });
    }
    const text = JSON.stringify(resolved);
    if (text === this.lastServed) return;
    await this.exporter.apply(resolved);
    this.lastServed = text;
    this.logger.info({ exports: resolved.length }, "nfs exports applied");
  }

  async close(): Promise<void> {
    await this.exporter?.close();
  }
}
