import { mkdir, open, readFile } from "node:fs/promises";
import { internal, unavailable, unsafe } from "../../core/errors.js";
import { mmpUpdateIntervalSeconds } from "../../core/mmp.js";
import type { BlockFilesystem, CommandResult, CommandRunner, FilesystemFeatures } from "../../core/ports.js";
import type { FsType } from "../../core/volume.js";
import { kernelPath } from "./paths.js";

const commandTimeoutMs = 90_000;

/** How a busy device is waited for before fsck gives up (injectable so tests never sleep). */
export interface BusyWait {
  /** @default setTimeout */
  sleep(ms: number): Promise<void>;
  /** Total pause across retries of an operational error (exit 8). @default 20000 */
  budgetMs: number;
}

const defaultBusyWait: BusyWait = { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), budgetMs: 20_000 };

/**
 * mkfs, fsck, mount and probing through the system's own tools. mkfs is never given a
 * force flag: if it finds anything on the device it stops, a second guard behind the
 * driver's fresh-volume check.
 */
export class SystemBlockFilesystem implements BlockFilesystem {
  constructor(
    private readonly runner: CommandRunner,
    private readonly mountInfoPath = "/proc/self/mountinfo",
    private readonly busyWait: BusyWait = defaultBusyWait,
  ) {}

  async probe(device: string): Promise<string | null> {
    const result = await this.runner.run("blkid", ["-p", "-o", "export", device], { timeoutMs: commandTimeoutMs });
    if (result.code === 2) return null;
    if (result.code !== 0) return "ambivalent";
    const fields = new Map(result.stdout.split("\n").map((line) => line.split("=", 2) as [string, string]));
    return fields.get("TYPE") ?? (fields.has("PTTYPE") ? `partition-table:${fields.get("PTTYPE")}` : "unknown");
  }

  async headIsZero(device: string, bytes: number): Promise<boolean> {
    const handle = await open(device, "r");
    try {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
      // A native compare: a byte-by-byte callback over 1 MiB costs ~20 ms of CPU per mount.
      return buffer.subarray(0, bytesRead).equals(Buffer.alloc(bytesRead));
    } finally {
      await handle.close();
    }
  }

  async makeFilesystem(device: string, fsType: FsType, label: string, features: FilesystemFeatures = {}): Promise<void> {
    const [program, programArgs] = mkfsCommand(device, fsType, label, features);
    check(await this.runner.run(program, programArgs, { timeoutMs: commandTimeoutMs }), `${program} ${device}`);
  }

  /**
   * e2fsck's exit code is a bit mask: 4 means errors left uncorrected (a human must look),
   * 8 an operational error (it could not do its job), retried with backoff for up to
   * `busyWait.budgetMs` before giving up as UNAVAILABLE rather than as damage. The usual 8
   * is "in use": the host's mount is gone, but a container of this volume that is still
   * being killed holds the filesystem in its own mount namespace; under load that takes
   * seconds (seen in the 50-volume burst: "Cannot continue, aborting" 15 s after unmount).
   */
  async check(device: string, fsType: string): Promise<void> {
    if (fsType !== "ext4" && fsType !== "ext3" && fsType !== "ext2") return;
    let waited = 0;
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.runner.run("e2fsck", ["-p", device], { timeoutMs: commandTimeoutMs });
      // e2fsck says why on stdout ("/dev/loop4 is in use.") and gives up on stderr: keep both.
      const detail = [result.stdout.trim(), result.stderr.trim()].filter(Boolean).join(" ").replace(/\s+/g, " ").slice(0, 500);
      if ((result.code & 4) !== 0) {
        throw unsafe(
          `filesystem on ${device} has errors that e2fsck -p could not repair (exit ${result.code}: ${detail}); run e2fsck ${device} by hand before using the volume`,
          { device, stderr: detail },
        );
      }
      if ((result.code & 8) === 0) return;
      refuseMultiMount(device, result);
      const pause = Math.min(250 * 2 ** (attempt - 1), 2000, this.busyWait.budgetMs - waited);
      if (pause <= 0) {
        throw unavailable(
          `e2fsck could not check ${device} for ${Math.round(waited / 1000)} s (exit ${result.code}: ${detail}); the device is still held, usually by a container of this volume that is still stopping; Docker will retry the mount`,
          { device, stderr: detail },
        );
      }
      await this.busyWait.sleep(pause);
      waited += pause;
    }
  }

  async mount(device: string, target: string, fsType: string): Promise<void> {
    await mkdir(target, { recursive: true, mode: 0o700 });
    check(await this.runner.run("mount", ["-t", fsType, device, target], { timeoutMs: commandTimeoutMs }), `mount ${device} ${target}`);
  }

  async ensureDirectory(path: string): Promise<void> {
    await mkdir(path, { recursive: true, mode: 0o755 });
  }

  async unmount(target: string): Promise<void> {
    const result = await this.runner.run("umount", [target], { timeoutMs: commandTimeoutMs });
    if (result.code !== 0 && (await this.isMounted(target))) check(result, `umount ${target}`);
  }

  /** Every device some mount on this host (this mount namespace) comes from, as the kernel names it. */
  async mountedDevices(): Promise<Set<string>> {
    return new Set(mountSourcesOf(await readFile(this.mountInfoPath, "utf8")));
  }

  async isMounted(target: string): Promise<boolean> {
    const points = mountPointsOf(await readFile(this.mountInfoPath, "utf8"));
    return points.includes(target) || points.includes(await kernelPath(target));
  }
}

/**
 * mkfs's program and arguments. Never a force flag. MMP (ADR 0028) adds `-O mmp` and the
 * update interval to the same `-E` list; xfs has no MMP (refused at create, ignored here).
 */
export function mkfsCommand(device: string, fsType: FsType, label: string, features: FilesystemFeatures = {}): [string, string[]] {
  if (fsType === "xfs") return ["mkfs.xfs", ["-q", "-K", "-L", label.slice(0, 12), device]];
  const extended = ["lazy_itable_init=1", "lazy_journal_init=1", "nodiscard"];
  const mmp = features.multiMountProtection === true ? ["-O", "mmp"] : [];
  if (mmp.length > 0) extended.push(`mmp_update_interval=${mmpUpdateIntervalSeconds}`);
  return ["mkfs.ext4", ["-q", "-L", label.slice(0, 16), ...mmp, "-E", extended.join(","), device]];
}

/**
 * e2fsck's MMP refusals (exit 8, a library error "MMP: …") fail at once: each attempt
 * already watched the MMP block for 11 s or more, and another node that updates it holds
 * the filesystem mounted, which waiting a few seconds does not change. "device currently
 * active" and "still in use": a live holder; any other (an e2fsck killed mid-run left its
 * mark) needs a human to clear it once sure no node uses the filesystem.
 */
function refuseMultiMount(device: string, result: CommandResult): void {
  const said = `${result.stdout}\n${result.stderr}`.split("\n").map((line) => line.trim()).find((line) => /MMP:|MMP block/.test(line));
  if (said === undefined) return;
  const details = { device, stderr: said.slice(0, 300) };
  if (/MMP: (device currently active|filesystem still in use)/.test(said)) {
    throw unsafe(
      `filesystem on ${device} is mounted on another node: its multi-mount protection (mmp=on) saw that node update it (e2fsck exit ${result.code}: ${details.stderr}); refusing to mount it here. The volume was given to this node while another still holds it: see which with \`swarmvol ls\``,
      details,
    );
  }
  throw unsafe(
    `filesystem on ${device}: e2fsck refused its multi-mount protection block (exit ${result.code}: ${details.stderr}); if you are sure no node uses the filesystem, clear it with tune2fs -f -E clear_mmp ${device}`,
    details,
  );
}

/** Mount points from a mountinfo text, with the kernel's octal escapes (\040) undone. */
export function mountPointsOf(mountInfo: string): string[] {
  return mountInfo
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((field): field is string => field !== undefined)
    .map((field) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
}

/** Mount sources (the field after the filesystem type, past " - ") from a mountinfo text. */
export function mountSourcesOf(mountInfo: string): string[] {
  return mountInfo
    .split("\n")
    .map((line) => line.split(" - ")[1]?.split(" ")[1])
    .filter((field): field is string => field !== undefined);
}

function check(result: CommandResult, what: string): void {
  if (result.code !== 0) throw internal(`${what} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`, { what });
}
