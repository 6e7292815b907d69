/**
 * The agent's half of a crash-consistent snapshot (ADR 0020). The leader asks, in a
 * heartbeat answer, for a volume this node mounts to be frozen; the agent freezes its
 * filesystem (`fsfreeze -f` on the mount point: writers block, dirty data and the journal
 * reach the device), tells the leader in a `frozen` call that the leader holds open until
 * the cloud has captured the data, and thaws when that call ends, whatever its outcome.
 *
 * A freeze never outlives its bound: a timer armed right after the freeze thaws after
 * `maxMs` even if the leader never answers, the call itself has the same deadline, and a
 * freeze command that failed or timed out is followed by a thaw too (it may have frozen
 * after all). An agent that died while frozen thaws every mounted volume when it starts.
 * The freeze runs under the volume's lock, so no Mount, Unmount or fence of that volume
 * can interleave; they wait at most `maxMs`.
 */
import type { FreezeRequest, FrozenRequest, FrozenResponse } from "../../api/snapshotContract.js";
import type { FilesystemFreezer, Logger, MountTable, Timers } from "../../core/ports.js";
import type { CallOptions } from "../../api/client/apiClient.js";

export interface FreezeApi {
  frozen(volume: string, request: FrozenRequest, options?: CallOptions): Promise<FrozenResponse>;
}

export interface SnapshotFreezerOptions {
  api: FreezeApi;
  nodeId: () => Promise<string>;
  mounts: MountTable;
  freezer: FilesystemFreezer;
  timers: Timers;
  logger: Logger;
  /** Runs `fn` under the volume's lock (VolumeDriver.exclusive). Absent: no lock. */
  exclusive?: <T>(volume: string, fn: () => Promise<T>) => Promise<T>;
  /** Longest freeze this agent allows, whatever the leader asks. @default 30_000 */
  maxFreezeMs?: number;
  /** Deadline of one fsfreeze command. @default 10_000 */
  commandTimeoutMs?: number;
}

/** Shortest freeze granted: a capture needs one CreateSnapshot round trip. */
const minFreezeMs = 1000;
/** Freeze ids remembered after they ended, so a heartbeat that repeats one does not freeze again. */
const rememberedIds = 256;
const thawAttempts = 3;

export class SnapshotFreezer {
  private readonly maxFreezeMs: number;
  private readonly commandTimeoutMs: number;
  private readonly seen = new Set<string>();

  constructor(private readonly options: SnapshotFreezerOptions) {
    this.maxFreezeMs = options.maxFreezeMs ?? 30_000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
  }

  /** Takes the heartbeat's requests; each runs on its own (the heartbeat loop never waits for one). */
  handle(requests: readonly FreezeRequest[]): void {
    for (const request of requests) {
      if (this.seen.has(request.id)) continue;
      this.remember(request.id);
      void this.run(request).catch((err: unknown) => {
        this.options.logger.error({ volume: request.volume, freezeId: request.id, err: (err as Error).message }, "snapshot freeze failed");
      });
    }
  }

  /** Thaws every volume in the mount table: an agent that died mid-freeze left it frozen. */
  async thawAll(): Promise<void> {
    for (const [volume, entry] of this.options.mounts.list()) {
      const outcome = await this.thaw(volume, entry.mountRoot);
      if (outcome === "thawed") this.options.logger.warn({ volume, mountRoot: entry.mountRoot }, "thawed a filesystem left frozen by an earlier agent");
    }
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > rememberedIds) this.seen.delete(this.seen.values().next().value as string);
  }

  private async run(request: FreezeRequest): Promise<void> {
    const exclusive = this.options.exclusive ?? (<T>(_volume: string, fn: () => Promise<T>) => fn());
    await exclusive(request.volume, () => this.freezeAndReport(request));
  }

  private async freezeAndReport(request: FreezeRequest): Promise<void> {
    const { api, freezer, logger, timers } = this.options;
    const nodeId = await this.options.nodeId();
    const entry = this.options.mounts.get(request.volume);
    const report = (frozen: boolean, timeoutMs: number, error?: string) =>
      api.frozen(request.volume, { nodeId, id: request.id, frozen, ...(error === undefined ? {} : { error }) }, { timeoutMs, untilDeadline: false });
    if (!entry) {
      await report(false, this.commandTimeoutMs, "not mounted on this node");
      return;
    }
    const maxMs = Math.min(this.maxFreezeMs, Math.max(minFreezeMs, Number.isFinite(request.maxMs) ? request.maxMs : minFreezeMs));
    try {
      await freezer.freeze(entry.mountRoot, Math.min(this.commandTimeoutMs, maxMs));
    } catch (err) {
      await this.thaw(request.volume, entry.mountRoot);
      await report(false, this.commandTimeoutMs, (err as Error).message);
      return;
    }
    logger.info({ volume: request.volume, freezeId: request.id, maxMs }, "filesystem frozen for a snapshot");
    let thawing: Promise<unknown> | undefined;
    const thawOnce = () => (thawing ??= this.thaw(request.volume, entry.mountRoot));
    const bound = timers.set(() => {
      logger.warn({ volume: request.volume, freezeId: request.id, maxMs }, "snapshot freeze reached its limit; thawing without the leader's answer");
      void thawOnce();
    }, maxMs);
    try {
      await report(true, maxMs);
    } catch (err) {
      logger.warn({ volume: request.volume, freezeId: request.id, err: (err as Error).message }, "frozen call failed; thawing");
    } finally {
      timers.clear(bound);
      await thawOnce();
    }
  }

  /** Thaws, trying again a few times: a filesystem left frozen blocks every writer on it. */
  private async thaw(volume: string, mountRoot: string): Promise<"thawed" | "not-frozen" | "failed"> {
    for (let attempt = 1; attempt <= thawAttempts; attempt += 1) {
      try {
        const outcome = await this.options.freezer.thaw(mountRoot, this.commandTimeoutMs);
        if (outcome === "thawed") this.options.logger.info({ volume, mountRoot }, "filesystem thawed");
        return outcome;
      } catch (err) {
        this.options.logger.error({ volume, mountRoot, attempt, err: (err as Error).message }, "thaw failed");
      }
    }
    this.options.logger.error({ volume, mountRoot }, "filesystem may still be frozen: run fsfreeze -u on its mount point");
    return "failed";
  }
}
