import { open, stat, unlink, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { BackendDefinition } from "../../core/backends.js";
import { internal } from "../../core/errors.js";
import { kernelPath } from "../os/paths.js";
import { mmpOption, parseMmp } from "../../core/mmp.js";
import type { CommandRunner, NodeBackend } from "../../core/ports.js";
import { canonicalOptions, checkSizeForFs, parseFsType, parseSizeOption, type OptionDefinition, type VolumeRecord, type VolumeSpec } from "../../core/volume.js";

export const localOptions: readonly OptionDefinition[] = [
  { name: "size", help: "capacity, a number of GiB or with a unit (512MiB, 20GiB); default 1GiB" },
  { name: "fsType", help: "ext4 (default) or xfs" },
  mmpOption,
];

const defaultSizeBytes = 1024 ** 3;
/** Every losetup run's deadline: one stuck in the kernel fails its call rather than holding the volume's lock. */
export const LOSETUP_TIMEOUT_MS = 30_000;
const localBackendName = "local";

/** Pure validation of `docker volume create -d swarmvol -o ...` for the local backend. */
export function buildLocalSpec(name: string, rawOptions: Readonly<Record<string, unknown>> | null | undefined): VolumeSpec {
  const options = canonicalOptions(rawOptions, localOptions, localBackendName);
  const sizeBytes = parseSizeOption(options.size, defaultSizeBytes);
  const fsType = parseFsType(options.fsType);
  checkSizeForFs(sizeBytes, fsType);
  parseMmp(options, fsType);
  return { name, backend: localBackendName, sizeBytes, fsType, options };
}

/**
 * The local backend at the seam (core/backends.ts, all-in-one's registry): a block device on
 * this host, its `-o` options parsed by {@link buildLocalSpec} unchanged. Its volumes have no
 * backend id (the image is named by the volume's uid), so it routes none.
 */
export const localDefinition: BackendDefinition = { name: localBackendName, kind: "block", buildSpec: buildLocalSpec };

/**
 * The backend with no cloud: a volume is a sparse image file under the state directory,
 * attached as a loop device. It is the embedded default and the model for every block
 * backend: attach makes a device appear, detach makes it go, both idempotent.
 */
export class LocalBackend implements NodeBackend {
  readonly name = localBackendName;
  readonly options = localOptions;

  constructor(private readonly imagesDir: string, private readonly runner: CommandRunner) {}

  buildSpec(name: string, rawOptions: Readonly<Record<string, unknown>> | null | undefined): VolumeSpec {
    return buildLocalSpec(name, rawOptions);
  }

  imagePath(record: VolumeRecord): string {
    return join(this.imagesDir, `${record.uid}.img`);
  }

  /** Makes the sparse image; a retried create after a crash finds it and succeeds. */
  async create(record: VolumeRecord): Promise<void> {
    await mkdir(this.imagesDir, { recursive: true, mode: 0o700 });
    const path = this.imagePath(record);
    try {
      const handle = await open(path, "wx", 0o600);
      try {
        await handle.truncate(record.spec.sizeBytes);
      } finally {
        await handle.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const existing = await stat(path);
      if (existing.size !== record.spec.sizeBytes) {
        throw internal(`image ${path} exists with ${existing.size} bytes, expected ${record.spec.sizeBytes}`, { path });
      }
    }
  }

  async remove(record: VolumeRecord): Promise<void> {
    await unlink(this.imagePath(record)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
  }

  async attach(record: VolumeRecord): Promise<string> {
    const path = this.imagePath(record);
    const existing = await this.loopsOf(path);
    if (existing[0]) return existing[0];
    const result = await this.runner.run("losetup", ["--find", "--show", path], { timeoutMs: LOSETUP_TIMEOUT_MS });
    const device = result.stdout.trim();
    if (result.code !== 0 || !device.startsWith("/dev/")) {
      throw internal(`losetup --find --show ${path} failed (exit ${result.code}): ${result.stderr.trim()}`, { path });
    }
    return device;
  }

  async detach(record: VolumeRecord): Promise<void> {
    for (const device of await this.loopsOf(this.imagePath(record))) {
      const result = await this.runner.run("losetup", ["-d", device], { timeoutMs: LOSETUP_TIMEOUT_MS });
      if (result.code !== 0) throw internal(`losetup -d ${device} failed: ${result.stderr.trim()}`, { device });
    }
  }

  /**
   * Detaches loop devices backed by an image of this backend that nothing mounts: a daemon
   * killed (-9) between losetup and mount leaves one, and it would stay until that volume is
   * used again (or forever, once the volume is removed). Call at start, before serving.
   * @returns the devices detached
   */
  async releaseOrphanLoops(mounted: ReadonlySet<string>): Promise<string[]> {
    const listing = await this.loopListing();
    const roots = [...new Set([this.imagesDir, await kernelPath(this.imagesDir)])].map((dir) => `${dir}/`);
    const released: string[] = [];
    for (const device of loopsUnder(listing, roots)) {
      if (mounted.has(device)) continue;
      const detach = await this.runner.run("losetup", ["-d", device], { timeoutMs: LOSETUP_TIMEOUT_MS });
      if (detach.code === 0) released.push(device);
    }
    return released;
  }

  /** Loop devices currently backed by the image file. */
  private async loopsOf(path: string): Promise<string[]> {
    const listing = await this.loopListing();
    const resolved = await kernelPath(path);
    return [...new Set([...parseLoopList(listing, path), ...parseLoopList(listing, resolved)])];
  }

  /** `losetup --list` as JSON: every loop device and its backing file. */
  private async loopListing(): Promise<string> {
    const result = await this.runner.run("losetup", ["--list", "--json", "--output", "NAME,BACK-FILE"], { timeoutMs: LOSETUP_TIMEOUT_MS });
    if (result.code !== 0) throw internal(`losetup --list failed: ${result.stderr.trim()}`);
    return result.stdout;
  }
}

/** Loop devices in `losetup --list --json --output NAME,BACK-FILE` output whose backing file passes `keep`. */
function loopsBacked(json: string, keep: (backFile: string) => boolean): string[] {
  if (json.trim() === "") return [];
  const parsed = JSON.parse(json) as { loopdevices?: Array<{ name: string; "back-file": string | null }> };
  return (parsed.loopdevices ?? []).filter((loop) => keep(loop["back-file"] ?? "")).map((loop) => loop.name);
}

/** Devices whose backing file lies in one of `roots` (each ending in "/"); a deleted image counts too. */
export function loopsUnder(json: string, roots: readonly string[]): string[] {
  return loopsBacked(json, (file) => roots.some((root) => file.startsWith(root)));
}

/** Devices in `losetup --list --json` output whose backing file is `path`. */
export function parseLoopList(json: string, path: string): string[] {
  return loopsBacked(json, (file) => file === path);
}
