import { statfs } from "node:fs/promises";
import { internal, invalidArgument, unavailable, unsafe } from "../../core/errors.js";
import type { CommandResult, CommandRunner, FilesystemGrower } from "../../core/ports.js";

const isExt = (fsType: string) => fsType === "ext4" || fsType === "ext3" || fsType === "ext2";

/** What a tool said, both streams, one line, bounded (resize2fs says why on stdout or stderr). */
function said(result: CommandResult): string {
  return [result.stdout.trim(), result.stderr.trim()].filter(Boolean).join(" ").replace(/\s+/g, " ").slice(0, 400);
}

function checked(result: CommandResult, what: string): void {
  if (result.code !== 0) throw internal(`${what} failed (exit ${result.code}): ${said(result) || "no output"}`, { what });
}

/**
 * Growing a filesystem to fill its device through the system's own tools (ADR 0026):
 * `xfs_growfs` on an XFS mount point, `resize2fs` on an ext4 device (online while
 * mounted, where the kernel allows it: it needs CAP_SYS_RESOURCE), and offline for ext4
 * `e2fsck -f -p` first, as resize2fs insists. Sizes from `blockdev --getsize64` and statfs.
 */
export class SystemFilesystemGrower implements FilesystemGrower {
  constructor(
    private readonly runner: CommandRunner,
    private readonly statfsOf: (path: string) => Promise<{ blocks: number; bsize: number }> = (path) => statfs(path),
  ) {}

  async growMounted(device: string, mountPoint: string, fsType: string, timeoutMs: number): Promise<void> {
    if (fsType === "xfs") {
      checked(await this.runner.run("xfs_growfs", [mountPoint], { timeoutMs }), `xfs_growfs ${mountPoint}`);
      return;
    }
    if (!isExt(fsType)) throw invalidArgument(`cannot grow a ${fsType} filesystem: swarmvol grows ext4 and xfs`, { fsType });
    checked(await this.runner.run("resize2fs", [device], { timeoutMs }), `resize2fs ${device} (mounted at ${mountPoint})`);
  }

  async growUnmounted(device: string, fsType: string, timeoutMs: number): Promise<void> {
    if (fsType === "xfs") throw invalidArgument(`xfs grows only while mounted (xfs_growfs of its mount point), not ${device} alone`, { fsType });
    if (!isExt(fsType)) throw invalidArgument(`cannot grow a ${fsType} filesystem: swarmvol grows ext4 and xfs`, { fsType });
    // e2fsck's exit code is a bit mask: 1 and 2 are repairs made (fine), 4 damage left, 8 it could not run.
    const check = await this.runner.run("e2fsck", ["-f", "-p", device], { timeoutMs });
    if ((check.code & 4) !== 0) throw unsafe(`e2fsck -f -p ${device} found damage it could not repair (exit ${check.code}: ${said(check)}); run e2fsck ${device} by hand`, { device });
    if ((check.code & 8) !== 0) throw unavailable(`e2fsck -f -p ${device} could not check the filesystem (exit ${check.code}: ${said(check)})`, { device });
    checked(await this.runner.run("resize2fs", [device], { timeoutMs }), `resize2fs ${device}`);
  }

  async sizes(device: string, mountPoint: string): Promise<{ deviceBytes: number; filesystemBytes: number }> {
    const result = await this.runner.run("blockdev", ["--getsize64", device], { timeoutMs: 10_000 });
    checked(result, `blockdev --getsize64 ${device}`);
    const deviceBytes = Number(result.stdout.trim());
    if (!Number.isSafeInteger(deviceBytes) || deviceBytes <= 0) throw internal(`blockdev --getsize64 ${device} printed ${JSON.stringify(result.stdout.trim().slice(0, 40))}, not a size`, { device });
    const stats = await this.statfsOf(mountPoint);
    return { deviceBytes, filesystemBytes: stats.blocks * stats.bsize };
  }
}
