/**
 * The agent's half of a resize (ADR 0026): growing the filesystem of a volume whose cloud
 * volume grew, and telling the leader how it went.
 *
 * - A volume mounted here: the leader asks in a heartbeat answer; the grow runs on its own
 *   (the heartbeat loop never waits for it), under the volume's lock so no Mount, Unmount,
 *   fence or freeze of that volume interleaves: `xfs_growfs` of the mount point, or
 *   `resize2fs` of the device (ext4 online).
 * - A volume about to be mounted here: the claim's grant asks, and the Mount grows it,
 *   ext4 before mounting (`e2fsck -f -p`, `resize2fs`) and xfs right after (`xfs_growfs`).
 *
 * Either way a report ({ok, deviceBytes, filesystemBytes} or the error) waits in an outbox
 * and goes in every heartbeat until one carrying it is answered. A grow that has nothing
 * to do is a no-op, so asking again (a new leader) costs nothing; an id already run here
 * is not run again.
 */
import type { GrowReport, GrowRequest } from "../../api/resizeContract.js";
import { internal, toSwarmvolError } from "../../core/errors.js";
import { growShortfall } from "../../core/resize.js";
import type { BlockFilesystem, FilesystemGrower, Logger, MountTable } from "../../core/ports.js";

export interface FilesystemGrowthOptions {
  mounts: MountTable;
  filesystem: Pick<BlockFilesystem, "probe">;
  grower: FilesystemGrower;
  logger: Logger;
  /** Runs `fn` under the volume's lock (VolumeDriver.exclusive). Absent: no lock. */
  exclusive?: <T>(volume: string, fn: () => Promise<T>) => Promise<T>;
  /** Deadline of one grow command (a full e2fsck of a big volume takes minutes). @default 300_000 */
  commandTimeoutMs?: number;
}

/** Grow ids remembered after they ran, so a heartbeat that repeats one does not grow again. */
const rememberedIds = 256;
const isExt = (fsType: string) => fsType === "ext4" || fsType === "ext3" || fsType === "ext2";

export class FilesystemGrowth {
  private readonly seen = new Set<string>();
  private readonly outbox = new Map<string, GrowReport>();
  /** Grows at mount whose offline half failed: the mount goes on, the report says why. */
  private readonly failedBeforeMount = new Map<string, string>();
  private readonly commandTimeoutMs: number;

  constructor(private readonly options: FilesystemGrowthOptions) {
    this.commandTimeoutMs = options.commandTimeoutMs ?? 300_000;
  }

  /** Takes a heartbeat answer's grows; each runs on its own. */
  handle(requests: readonly GrowRequest[]): void {
    for (const request of requests) {
      if (this.seen.has(request.id)) continue;
      this.remember(request.id);
      const exclusive = this.options.exclusive ?? (<T>(_volume: string, fn: () => Promise<T>) => fn());
      void exclusive(request.volume, () => this.growMounted(request)).catch((err: unknown) => {
        this.options.logger.error({ volume: request.volume, growId: request.id, err: (err as Error).message }, "filesystem grow failed");
      });
    }
  }

  /** At a Mount whose grant asks for a grow, before the filesystem is mounted: ext4 grows offline here. */
  async beforeMount(volume: string, device: string, fsType: string, grow: { id: string; sizeBytes: number }): Promise<void> {
    this.remember(grow.id);
    if (!isExt(fsType)) return;
    try {
      await this.options.grower.growUnmounted(device, fsType, this.commandTimeoutMs);
      this.options.logger.info({ volume, device, growId: grow.id }, "filesystem grown before the mount");
    } catch (err) {
      // The filesystem stays as it was (resize2fs changes nothing it cannot finish): mount it, say why.
      this.failedBeforeMount.set(grow.id, toSwarmvolError(err).message);
      this.options.logger.error({ volume, device, growId: grow.id, err: (err as Error).message }, "filesystem not grown before the mount; mounting it at its old size");
    }
  }

  /** At that Mount, once mounted: xfs grows here; the report is queued either way. `made`: mkfs made it just now (it fills the device). */
  async afterMount(volume: string, device: string, mountRoot: string, fsType: string, grow: { id: string; sizeBytes: number }, made: boolean): Promise<void> {
    const failed = this.failedBeforeMount.get(grow.id);
    this.failedBeforeMount.delete(grow.id);
    if (failed !== undefined) {
      this.queue({ volume, id: grow.id, ok: false, error: failed });
      return;
    }
    await this.measured(volume, grow.id, async () => {
      if (!made && fsType === "xfs") await this.options.grower.growMounted(device, mountRoot, fsType, this.commandTimeoutMs);
    }, device, mountRoot);
  }

  /** Reports not yet delivered, for the next heartbeat. */
  reports(): GrowReport[] {
    return [...this.outbox.values()];
  }

  /** A heartbeat carrying these was answered: they are delivered. */
  delivered(reports: readonly GrowReport[]): void {
    for (const report of reports) if (this.outbox.get(report.id) === report) this.outbox.delete(report.id);
  }

  private async growMounted(request: GrowRequest): Promise<void> {
    const entry = this.options.mounts.get(request.volume);
    if (!entry) {
      this.queue({ volume: request.volume, id: request.id, ok: false, error: "not mounted on this node" });
      return;
    }
    await this.measured(request.volume, request.id, async () => {
      const fsType = (await this.options.filesystem.probe(entry.device)) ?? "unknown";
      await this.options.grower.growMounted(entry.device, entry.mountRoot, fsType, this.commandTimeoutMs);
    }, entry.device, entry.mountRoot);
  }

  /** Runs the grow, then measures what the filesystem fills and checks it fills the device (core/resize.ts growShortfall); queues the report. */
  private async measured(volume: string, id: string, grow: () => Promise<void>, device: string, mountRoot: string): Promise<void> {
    try {
      await grow();
      const sizes = await this.options.grower.sizes(device, mountRoot);
      const shortfall = growShortfall(sizes);
      if (shortfall !== undefined) throw internal(`${shortfall}; the agent's log on this node has the grow command's output`, { device });
      this.options.logger.info({ volume, growId: id, ...sizes }, "filesystem grown");
      this.queue({ volume, id, ok: true, ...sizes });
    } catch (err) {
      const message = toSwarmvolError(err).message;
      this.options.logger.error({ volume, growId: id, err: message }, "filesystem not grown");
      this.queue({ volume, id, ok: false, error: message });
    }
  }

  private queue(report: GrowReport): void {
    this.outbox.set(report.id, report.error === undefined ? report : { ...report, error: report.error.slice(0, 500) });
    // A node that cannot reach the leader for long keeps only the latest reports.
    if (this.outbox.size > rememberedIds) this.outbox.delete(this.outbox.keys().next().value as string);
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > rememberedIds) this.seen.delete(this.seen.values().next().value as string);
  }
}
