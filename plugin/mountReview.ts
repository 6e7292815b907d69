/**
 * Docker mounts nobody will ever unmount. The driver records a Mount's ID in the mount
 * table before it answers Docker; an agent killed in between (crash point
 * `agent.mount.recorded`), or an answer lost with its connection, leaves an ID that Docker
 * dropped with its failed Mount (moby sets the mount point's ID only on success) and never
 * sends an Unmount for. The refcount then never reaches zero: the volume stays mounted and
 * reported in heartbeats on this node, and can never move.
 *
 * Docker is the judge: an ID can only be held by a container that runs (or pauses,
 * restarts) or is created and still starting (MountHolders). When NO such container mounts
 * the volume, on two looks `confirmMs` apart with the same IDs counted in between, the IDs
 * are dropped: unmount and release, as the last Unmount would have done. Two looks, because
 * Docker's create-time mount (copying image content into a new volume) happens before the
 * container is listed, for a moment.
 *
 * Looked at (1) after the agent starts: soon (Docker's resend of the call cut by the crash
 * fails at once, and its container is removed or marked failed), and again once Docker's
 * retries of such a call are surely over (it retries a plugin call for 30 s; meanwhile the
 * container counts as still starting); (2) `settleMs` after an Unmount that left other IDs
 * counted, once the container that stopped has left Docker's list: the usual way a stale ID
 * shows itself, when the volume is used again here.
 */
import type { Clock, Logger, MountHolders } from "../core/ports.js";

/** What the review needs of the driver (VolumeDriver). */
export interface ReviewedMounts {
  mountedVolumes(): string[];
  mountIds(name: string): readonly string[];
  dropMountIds(name: string, ids: readonly string[]): Promise<boolean>;
}

export interface MountReviewOptions {
  holders: MountHolders;
  clock: Clock;
  logger: Logger;
  /** After an Unmount that left other IDs, before the first look. @default 3000 */
  settleMs?: number;
  /** Between the two looks that must both find no holder. @default 2000 */
  confirmMs?: number;
  /** After the agent starts, when to look at every mount. @default [5_000, 45_000] */
  startDelaysMs?: readonly number[];
}

export class MountReview {
  private mounts: ReviewedMounts | undefined;
  private readonly suspected = new Set<string>();
  private readonly stopping = new AbortController();

  constructor(private readonly options: MountReviewOptions) {}

  /** Starts reviewing `mounts`: every volume after each start delay, and whatever is suspected. */
  start(mounts: ReviewedMounts): void {
    this.mounts = mounts;
    for (const ms of this.options.startDelaysMs ?? [5_000, 45_000]) this.later(ms, () => this.review(mounts.mountedVolumes()));
  }

  /** An Unmount left other IDs of `name` counted: look soon (once, however often told). */
  suspect(name: string): void {
    if (this.mounts === undefined || this.suspected.has(name)) return;
    this.suspected.add(name);
    this.later(this.options.settleMs ?? 3000, () => {
      this.suspected.delete(name);
      return this.review([name]);
    });
  }

  stop(): void {
    this.stopping.abort();
  }

  /** Drops the mounts of `names` no container holds (see the module header); resolves with the volumes dropped. */
  async review(names: readonly string[]): Promise<string[]> {
    const mounts = this.mounts;
    if (mounts === undefined) return [];
    const counted = new Map(names.map((name) => [name, [...mounts.mountIds(name)]] as const).filter(([, ids]) => ids.length > 0));
    if (counted.size === 0) return [];
    const unheld = await this.unheld([...counted.keys()]);
    if (unheld.length === 0) return [];
    await this.options.clock.sleep(this.options.confirmMs ?? 2000, this.stopping.signal);
    const dropped: string[] = [];
    for (const name of await this.unheld(unheld)) {
      const ids = counted.get(name) ?? [];
      const now = mounts.mountIds(name);
      if (now.length !== ids.length || now.some((id) => !ids.includes(id))) continue;
      if (await mounts.dropMountIds(name, ids)) dropped.push(name);
    }
    return dropped;
  }

  private async unheld(names: readonly string[]): Promise<string[]> {
    const holders = await this.options.holders.holders(names);
    return names.filter((name) => holders.get(name) === 0);
  }

  /** Runs `work` after `ms` unless stopped; a failure is logged, the next look retries. */
  private later(ms: number, work: () => Promise<unknown>): void {
    this.options.clock.sleep(ms, this.stopping.signal).then(work).catch((err: unknown) => {
      if (this.stopping.signal.aborted) return;
      this.options.logger.warn({ err: (err as Error).message }, "reviewing Docker mounts failed; the next review retries");
    });
  }
}
