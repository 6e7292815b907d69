/**
 * Real devices for the emulator: each volume is a sparse file under `dataDir/volumes`,
 * attaching makes a loop device and links it into the instance's device directory as
 * `nvme-Amazon_Elastic_Block_Store_vol<id without dash>`, which the lab mounts over
 * /dev/disk/by-id in that node's mount namespace. Needs root.
 *
 * Limits: a loop device cannot be pulled from under a mounted filesystem (`losetup -d`
 * only defers until the unmount), so a forced detach removes the link and schedules the
 * loop's removal but the old node keeps working I/O until it unmounts.
 */
import { mkdir, open, readlink, rename, rm, symlink, truncate } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import type { CommandRunner } from "../../core/ports.js";
import type { DeviceHost } from "./deviceHost.js";
import { execRunner } from "./exec.js";
import { deviceNumber, mountsOf } from "./mounts.js";
import type { InstanceSpec } from "./types.js";

const GiB = 1024 ** 3;

/** The by-id name udev gives an EBS volume on a Nitro instance. */
export function byIdName(volumeId: string): string {
  return `nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}`;
}

export interface LoopDeviceHostOptions {
  dataDir: string;
  runner?: CommandRunner;
}

export class LoopDeviceHost implements DeviceHost {
  private readonly dataDir: string;
  private readonly runner: CommandRunner;

  constructor(options: LoopDeviceHostOptions) {
    this.dataDir = resolve(options.dataDir);
    this.runner = options.runner ?? execRunner;
  }

  volumeFile(volumeId: string): string {
    return join(this.dataDir, "volumes", `${volumeId}.img`);
  }

  snapshotFile(snapshotId: string): string {
    return join(this.dataDir, "snapshots", `${snapshotId}.img`);
  }

  /** Idempotent: an existing file (from before a crash) is kept, only grown to the size. */
  async createVolume(volumeId: string, sizeGiB: number, fromSnapshotId?: string): Promise<void> {
    const file = this.volumeFile(volumeId);
    await mkdir(join(this.dataDir, "volumes"), { recursive: true });
    if (fromSnapshotId !== undefined) {
      const tmp = `${file}.restore`;
      await this.must("cp", ["--sparse=always", this.snapshotFile(fromSnapshotId), tmp]);
      await rename(tmp, file);
    } else {
      const handle = await open(file, "a");
      await handle.close();
    }
    await truncate(file, sizeGiB * GiB);
  }

  async deleteVolume(volumeId: string): Promise<void> {
    for (const loop of await this.loopsOf(volumeId)) await this.runner.run("losetup", ["-d", loop]);
    await rm(this.volumeFile(volumeId), { force: true });
  }

  async attach(volumeId: string, instance: InstanceSpec, _deviceName: string): Promise<void> {
    await mkdir(instance.deviceDir, { recursive: true });
    const link = join(instance.deviceDir, byIdName(volumeId));
    const loops = await this.loopsOf(volumeId);
    const current = await readlink(link).catch(() => undefined);
    if (current !== undefined && loops.includes(current)) return;
    const made = await this.must("losetup", ["--find", "--show", this.volumeFile(volumeId)]);
    const tmp = `${link}.tmp`;
    await rm(tmp, { force: true });
    await symlink(made.trim(), tmp);
    await rename(tmp, link);
  }

  /** Removes the link, then every loop device on the volume's file (deferred if still mounted). */
  async detach(volumeId: string, instance: InstanceSpec, _options: { force: boolean }): Promise<void> {
    await rm(join(instance.deviceDir, byIdName(volumeId)), { force: true });
    for (const loop of await this.loopsOf(volumeId)) {
      const result = await this.runner.run("losetup", ["-d", loop]);
      if (result.code !== 0 && !/No such device/i.test(result.stderr)) {
        throw new Error(`losetup -d ${loop} failed: ${result.stderr.trim()}`);
      }
    }
  }

  async isBusy(volumeId: string, _instance: InstanceSpec): Promise<boolean> {
    const numbers: string[] = [];
    for (const loop of await this.loopsOf(volumeId)) {
      const n = await deviceNumber(basename(loop));
      if (n !== undefined) numbers.push(n);
    }
    return (await mountsOf(numbers)).length > 0;
  }

  /** Grows the file, then tells each loop device on it to read its new capacity (`losetup -c`). Idempotent. */
  async resizeVolume(volumeId: string, sizeGiB: number): Promise<void> {
    await truncate(this.volumeFile(volumeId), sizeGiB * GiB);
    for (const loop of await this.loopsOf(volumeId)) await this.must("losetup", ["-c", loop]);
  }

  async createSnapshot(volumeId: string, snapshotId: string): Promise<void> {
    const file = this.snapshotFile(snapshotId);
    await mkdir(join(this.dataDir, "snapshots"), { recursive: true });
    await this.must("cp", ["--sparse=always", this.volumeFile(volumeId), `${file}.tmp`]);
    await rename(`${file}.tmp`, file);
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    await rm(this.snapshotFile(snapshotId), { force: true });
  }

  /** Loop devices (`/dev/loopN`) whose backing file is this volume's file. */
  async loopsOf(volumeId: string): Promise<string[]> {
    const result = await this.must("losetup", ["--list", "--json", "--output", "NAME,BACK-FILE"]);
    if (result.trim() === "") return [];
    const parsed = JSON.parse(result) as { loopdevices?: Array<{ name: string; "back-file"?: string | null }> };
    const file = this.volumeFile(volumeId);
    return (parsed.loopdevices ?? [])
      .filter((d) => {
        const back = (d["back-file"] ?? "").replace(/ \(deleted\)$/, "");
        return back === file;
      })
      .map((d) => d.name);
  }

  private async must(program: string, args: readonly string[]): Promise<string> {
    const result = await this.runner.run(program, args);
    if (result.code !== 0) throw new Error(`${program} ${args.join(" ")} failed (${result.code}): ${result.stderr.trim()}`);
    return result.stdout;
  }
}
