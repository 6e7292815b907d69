/**
 * The linger of a young mount (VolumeDriverDeps.linger, plugin/driverDeps.ts): Docker
 * mounts a new task container's volume, unmounts it and mounts it again to start the
 * container, so the first unmount of a fresh mount keeps the filesystem mounted for a while
 * and the remount is free. The driver calls these under the volume's lock; a deadline comes
 * back through `onDeadline`, which the driver runs under that lock too.
 */
import type { Logger, MountEntry, MountTable, NodeAttacher, VolumeDirectory } from "../core/ports.js";
import type { VolumeRecord } from "../core/volume.js";
import type { VolumeDriverDeps } from "./driverDeps.js";

type LingerSettings = NonNullable<VolumeDriverDeps["linger"]>;

export interface MountLingersOptions {
  directory: VolumeDirectory;
  mounts: MountTable;
  attacher: NodeAttacher;
  logger: Logger;
  /** Absent: nothing lingers, every last unmount unmounts at once. */
  linger?: LingerSettings;
  /** A linger reached its deadline: end it or renew it (VolumeDriver.endLinger). */
  onDeadline: (name: string) => Promise<void>;
}

export class MountLingers {
  constructor(private readonly options: MountLingersOptions) {}

  /**
   * Lingers only on the first unmount of a mount ID soon after the mount (Docker reuses the
   * ID for the start-time mount, so a second unmount is the container stopping), and only
   * while the controller says a Swarm task placed here still needs the volume: a plain
   * `docker run` that exited, or a task told to stop, lets the volume go at once.
   * @returns true when lingering; otherwise the record if it had to be read (for the release)
   */
  async start(name: string, entry: MountEntry, id: string): Promise<true | VolumeRecord | undefined> {
    const { linger, attacher, directory, mounts } = this.options;
    if (!linger || entry.mountedAt === undefined || linger.clock.now() - entry.mountedAt >= linger.youngMs) return undefined;
    if (entry.lingered?.includes(id) || !attacher.wantedHere) return undefined;
    const record = await directory.get(name);
    if (!record || !(await attacher.wantedHere(record))) return record;
    const now = linger.clock.now();
    await mounts.set(name, { ...entry, ids: [], lingerUntil: now + linger.ms, lingerSince: now, lingered: [...(entry.lingered ?? []), id] });
    this.wake(name, linger);
    return true;
  }

  /** Whether `entry` is an unused lingering mount to end: at once with `now`, else once its deadline passed. */
  due(entry: MountEntry, now: boolean): boolean {
    if (entry.ids.length > 0 || entry.lingerUntil === undefined) return false;
    return now || !this.options.linger || this.options.linger.clock.now() >= entry.lingerUntil;
  }

  /** Whether a linger that reached its deadline is renewed: a task here still wants the volume, and the bound is not reached. */
  async renewed(name: string, entry: MountEntry): Promise<boolean> {
    const { linger, attacher, directory, mounts } = this.options;
    if (!linger || !attacher.wantedHere) return false;
    const now = linger.clock.now();
    if (now - (entry.lingerSince ?? now) + linger.ms > (linger.maxMs ?? 12 * linger.ms)) return false;
    const record = await directory.get(name).catch(() => undefined);
    if (!record || !(await attacher.wantedHere(record).catch(() => false))) return false;
    await mounts.set(name, { ...entry, lingerUntil: now + linger.ms });
    this.wake(name, linger);
    return true;
  }

  private wake(name: string, linger: LingerSettings): void {
    void linger.clock.sleep(linger.ms).then(() => this.options.onDeadline(name)).catch((err: unknown) => {
      this.options.logger.error({ volume: name, err: (err as Error).message }, "ending a linger failed; the next unmount or agent start retries");
    });
  }
}
