/**
 * Node side: finds the block device of an attached EBS volume. On Nitro the requested name
 * (/dev/xvdba) is only a hint and the disk appears as /dev/nvmeXn1 in any order, so the
 * volume id is the identity: udev's `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol…`
 * link (serial = id without the dash). A stale link can point at another volume's disk, so
 * the serial is checked when one can be read; mounting the wrong disk is the one mistake a
 * volume plugin must never make.
 */
import { readFile, realpath } from "node:fs/promises";
import { basename, join } from "node:path";
import { timeout, unsafe } from "../../core/errors.js";
import type { Clock, CommandRunner } from "../../core/ports.js";
import { pollDelays, type PollPolicy } from "./waiters.js";

/** The little filesystem access the locator needs; tests pass a map. */
export interface DeviceFs {
  /** The path with every symlink resolved, or undefined when it does not exist. */
  resolve(path: string): Promise<string | undefined>;
  /**
   * The disk's serial from sysfs ("" when it has none, like a loop device). Reading it
   * costs no process: lsblk is spawned only where this is absent.
   */
  serial?(device: string): Promise<string>;
}

export const nodeDeviceFs: DeviceFs = {
  async resolve(path) {
    try {
      return await realpath(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  },
  async serial(device) {
    // An NVMe namespace's controller serial: what udev's by-id link and lsblk's SERIAL use.
    try {
      return (await readFile(`/sys/class/block/${basename(device)}/device/serial`, "utf8")).trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
      throw err;
    }
  },
};

/** `vol-0123abc` → `nvme-Amazon_Elastic_Block_Store_vol0123abc` (udev: model, `_`, serial). */
export function nvmeLinkName(volumeId: string): string {
  return `nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}`;
}

/**
 * Compares an lsblk SERIAL with the expected volume: `none` when the serial names no volume
 * (loop devices, Xen disks), `match` when every `vol…` in it is ours, else `mismatch`.
 */
export function checkSerial(serial: string, volumeId: string): "match" | "mismatch" | "none" {
  const found = serial.toLowerCase().match(/vol[a-z0-9]+/g) ?? [];
  if (found.length === 0) return "none";
  const expected = volumeId.replace("-", "").toLowerCase();
  return found.every((id) => id === expected) ? "match" : "mismatch";
}

export interface DeviceLocatorOptions {
  /** Where udev keeps the by-id links (the lab mounts each node's own directory here). @default "/dev/disk/by-id" */
  byIdDir?: string;
  /** How long to wait for the device after the cloud says `attached`. @default 60_000 */
  timeoutMs?: number;
  /** @default { initialMs: 100, maxMs: 1000 } */
  poll?: PollPolicy;
}

type Probe = { device: string } | { problem: string };

/** Finds, waits for, and verifies the device of an attached volume. */
export class EbsDeviceLocator {
  private readonly byIdDir: string;
  private readonly timeoutMs: number;
  private readonly poll: PollPolicy;

  constructor(private readonly fs: DeviceFs, private readonly runner: CommandRunner, private readonly clock: Clock, options: DeviceLocatorOptions = {}) {
    this.byIdDir = options.byIdDir ?? "/dev/disk/by-id";
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.poll = options.poll ?? { initialMs: 100, maxMs: 1000 };
  }

  /**
   * Resolves to the real device path (`/dev/nvme1n1`, `/dev/loop3`). Tries the by-id link,
   * then `requestedDevice` (Xen, or the amazon-ec2-utils alias). Throws UNSAFE when the by-id
   * link points outside /dev, TIMEOUT (retryable) when no verified device shows up in time.
   */
  async locate(volumeId: string, requestedDevice?: string): Promise<string> {
    const start = this.clock.now();
    const delays = pollDelays(this.poll);
    let last: Probe = { problem: "no device yet" };
    for (;;) {
      last = await this.probe(volumeId, requestedDevice);
      if ("device" in last) return last.device;
      const remaining = this.timeoutMs - (this.clock.now() - start);
      if (remaining <= 0) break;
      await this.clock.sleep(Math.min(delays.next().value, remaining));
    }
    throw timeout(`the device of EBS volume ${volumeId} did not appear within ${this.timeoutMs} ms (${last.problem}); the attach will be retried`,
      { volumeId, byIdDir: this.byIdDir, requestedDevice });
  }

  private async probe(volumeId: string, requestedDevice: string | undefined): Promise<Probe> {
    const link = join(this.byIdDir, nvmeLinkName(volumeId));
    const target = await this.fs.resolve(link);
    if (target !== undefined) {
      if (!target.startsWith("/dev/")) {
        throw unsafe(`${link} resolves to ${target}, outside /dev: refusing to use it; check the udev rules`, { volumeId, link, target });
      }
      const verdict = await this.verify(target, volumeId);
      if (verdict !== "mismatch") return { device: target };
      return { problem: `${link} points at ${target}, whose serial names another volume (stale udev link)` };
    }
    if (requestedDevice !== undefined) {
      const device = await this.fs.resolve(requestedDevice);
      if (device !== undefined && (await this.verify(device, volumeId)) !== "mismatch") return { device };
    }
    return { problem: `no ${link}${requestedDevice === undefined ? "" : ` and no ${requestedDevice}`}` };
  }

  /** The serial check (sysfs, else lsblk); skipped (`none`) when neither can say or the device has no serial. */
  private async verify(device: string, volumeId: string): Promise<"match" | "mismatch" | "none"> {
    try {
      if (this.fs.serial) return checkSerial(await this.fs.serial(device), volumeId);
      const result = await this.runner.run("lsblk", ["--noheadings", "--nodeps", "--output", "SERIAL", device], { timeoutMs: 10_000 });
      if (result.code !== 0) return "none";
      return checkSerial(result.stdout.trim(), volumeId);
    } catch {
      return "none";
    }
  }
}
