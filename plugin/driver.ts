import { inUse, invalidArgument, unsafe } from "../core/errors.js";
import { noCrashPoints, type CrashPoints, type MountEntry } from "../core/ports.js";
import { validateVolumeName, type VolumeRecord } from "../core/volume.js";
import { KeyedMutex } from "../core/keyedMutex.js";
import type { VolumeDriverDeps } from "./driverDeps.js";
import { MountLingers } from "./mountLingers.js";
import { MountSteps } from "./mountSteps.js";
import type { PluginVolume } from "./protocol.js";
import { dataPath, VolumeReads } from "./volumeReads.js";

export { dataPath } from "./volumeReads.js";
export { freshHeadBytes } from "./mountSteps.js";
export type { VolumeDriverDeps } from "./driverDeps.js";

/**
 * The node side of swarmvol behind the plugin protocol. Every verb is idempotent and
 * serialised per volume name; Get and List answer from the cluster-wide catalog because
 * dockerd forgets, at start, every volume that Get denies.
 */
export class VolumeDriver {
  private readonly lock = new KeyedMutex();
  /** Highest fencing epoch this node was granted per volume since the agent started. */
  private readonly seenEpochs = new Map<string, number>();
  /** Volumes taken away from Docker by fencing, with the reason, until mounted again. */
  private readonly fenced = new Map<string, string>();

  private readonly crash: CrashPoints;
  private readonly reads: VolumeReads;
  /** The mount and unmount of each backend kind: a block device or a file share. */
  private readonly steps: MountSteps;
  private readonly lingers: MountLingers;

  constructor(private readonly deps: VolumeDriverDeps) {
    this.crash = deps.crashPoints ?? noCrashPoints;
    const { directory, filesystem, shares, logger, growth } = deps;
    this.steps = new MountSteps({ directory, filesystem, logger, crash: this.crash, ...(shares ? { shares } : {}), ...(growth ? { growth } : {}) });
    const mounted = { isMounted: (target: string) => this.steps.isMounted(target) };
    this.reads = new VolumeReads({ directory, mounts: deps.mounts, filesystem: mounted, fenced: this.fenced });
    this.lingers = new MountLingers({
      directory, mounts: deps.mounts, attacher: deps.attacher, logger, ...(deps.linger ? { linger: deps.linger } : {}),
      onDeadline: (name) => this.lock.run(name, () => this.endLinger(name, false)),
    });
  }

  async create(rawName: unknown, options: Record<string, unknown> | null | undefined): Promise<void> {
    const name = validateVolumeName(rawName);
    await this.lock.run(name, () => this.deps.directory.create(name, options));
  }

  async remove(rawName: unknown): Promise<void> {
    const name = validateVolumeName(rawName);
    await this.lock.run(name, async () => {
      await this.endLinger(name, true);
      const entry = this.deps.mounts.get(name);
      if (entry && entry.ids.length > 0) {
        throw inUse(
          `volume "${name}" is in use by ${entry.ids.length} mount(s) on this node; stop the containers using it first (docker ps --filter volume=${name})`,
          { name },
        );
      }
      // An interrupted Mount may have left it mounted: never delete an image under a mount.
      const mountRoot = entry?.mountRoot ?? `${this.deps.mountsDir}/${name}`;
      await this.steps.unmount(mountRoot, entry?.device);
      if (entry) await this.deps.mounts.delete(name);
      await this.deps.directory.remove(name);
    });
  }

  async mount(rawName: unknown, rawId: unknown): Promise<string> {
    const name = validateVolumeName(rawName);
    const id = validateMountId(rawId);
    return this.lock.run(name, async () => {
      const record = await this.readyRecord(name);
      const entry = this.deps.mounts.get(name);
      if (entry && (await this.steps.isMounted(entry.mountRoot, entry.device))) {
        if (!entry.ids.includes(id) || entry.lingerUntil !== undefined) {
          const { lingerUntil: _ended, lingerSince: _since, ...kept } = entry;
          await this.deps.mounts.set(name, { ...kept, ids: entry.ids.includes(id) ? entry.ids : [...entry.ids, id] });
        }
        return dataPath(entry.mountRoot);
      }
      const mountRoot = `${this.deps.mountsDir}/${name}`;
      const { device, epoch, grow } = await this.deps.attacher.attach(record);
      // attach() returns once the device is present and proven to be this volume (t6).
      const verifiedAt = this.now();
      this.acceptEpoch(record, epoch, entry?.epoch);
      this.crash.reached("agent.mount.attached");
      await this.steps.mount(record, { device, ...(grow ? { grow } : {}) }, mountRoot);
      await this.deps.filesystem.ensureDirectory(dataPath(mountRoot));
      this.crash.reached("agent.mount.beforeRecord");
      const mountedAt = this.now();
      await this.deps.mounts.set(name, {
        ids: [id], device, mountRoot, epoch, ...(verifiedAt === undefined ? {} : { verifiedAt }), ...(mountedAt === undefined ? {} : { mountedAt }),
      });
      this.crash.reached("agent.mount.recorded");
      this.fenced.delete(name);
      this.deps.logger.info({ volume: name, device, mountRoot, epoch }, "volume mounted");
      return dataPath(mountRoot);
    });
  }

  async unmount(rawName: unknown, rawId: unknown): Promise<void> {
    const name = validateVolumeName(rawName);
    const id = validateMountId(rawId);
    await this.lock.run(name, async () => {
      const entry = this.deps.mounts.get(name);
      if (!entry || !entry.ids.includes(id)) return;
      const remaining = entry.ids.filter((other) => other !== id);
      if (remaining.length > 0) {
        await this.deps.mounts.set(name, { ...entry, ids: remaining });
        this.deps.staleMounts?.suspect(name);
        return;
      }
      const lingering = await this.lingers.start(name, entry, id);
      if (lingering === true) return;
      await this.unmountAndRelease(name, entry, lingering);
    });
  }

  /** Runs `fn` under the volume's lock, as a Docker call would (the snapshot freeze: plugin/cluster/freezer.ts). */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.lock.run(name, fn);
  }

  /**
   * Unmounts what an interrupted Mount left mounted with no mount table entry (a kill -9
   * after mount(8), before the entry was written): Docker never got its answer, so no
   * container uses it, and while it stays mounted the device is busy and the volume can
   * never be detached to move elsewhere. Call at start, before serving; `names` are the
   * folders under mountsDir. An unmount that fails is logged and left for the next Mount
   * (which adopts it).
   * @returns the volumes unmounted
   */
  async unmountOrphans(names: readonly string[]): Promise<string[]> {
    const unmounted: string[] = [];
    for (const name of names) {
      if (this.deps.mounts.get(name) !== undefined) continue;
      const mountRoot = `${this.deps.mountsDir}/${name}`;
      await this.lock.run(name, async () => {
        if (this.deps.mounts.get(name) !== undefined || !(await this.steps.isMounted(mountRoot))) return;
        try {
          await this.steps.unmount(mountRoot);
          unmounted.push(name);
        } catch (err) {
          this.deps.logger.error({ volume: name, mountRoot, err: (err as Error).message }, "could not unmount what an interrupted Mount left mounted");
        }
      });
    }
    if (unmounted.length > 0) this.deps.logger.warn({ volumes: unmounted }, "unmounted what interrupted Mounts left mounted (the agent died after mount(8))");
    return unmounted;
  }

  /** Volumes this node counts Docker mounts of, and the mount IDs of one. */
  mountedVolumes(): string[] {
    return this.deps.mounts.list().filter(([, entry]) => entry.ids.length > 0).map(([name]) => name);
  }

  mountIds(name: string): readonly string[] {
    return this.deps.mounts.get(name)?.ids ?? [];
  }

  /**
   * Unmounts and releases a volume whose only Docker mounts are `ids`, which the caller
   * proved no container holds (a Mount answer Docker never got, so it never unmounts them).
   * Does nothing when the mounts changed since (another Mount or Unmount came in).
   * @returns whether it dropped them
   */
  async dropMountIds(rawName: string, ids: readonly string[]): Promise<boolean> {
    const name = validateVolumeName(rawName);
    return this.lock.run(name, async () => {
      const entry = this.deps.mounts.get(name);
      if (!entry || entry.ids.length !== ids.length || entry.ids.some((id) => !ids.includes(id))) return false;
      this.deps.logger.warn({ volume: name, mounts: ids.length }, "dropping Docker mounts no container holds (a Mount answer lost when the agent died)");
      await this.unmountAndRelease(name, entry);
      return true;
    });
  }

  /** Ends every linger now (agent start after a crash, shutdown): unused mounts are unmounted and released. */
  async endLingers(): Promise<void> {
    const idle = this.deps.mounts.list().filter(([, entry]) => entry.ids.length === 0).map(([name]) => name);
    await Promise.all(idle.map((name) => this.lock.run(name, () => this.endLinger(name, true))));
  }

  /** Unmounts a lingering volume nobody remounted (or, with `now`, whatever its deadline). */
  private async endLinger(name: string, now: boolean): Promise<void> {
    const entry = this.deps.mounts.get(name);
    if (!entry || !this.lingers.due(entry, now)) return;
    if (!now && (await this.lingers.renewed(name, entry))) return;
    await this.unmountAndRelease(name, entry);
  }

  private async unmountAndRelease(name: string, entry: MountEntry, known?: VolumeRecord): Promise<void> {
    await this.steps.unmount(entry.mountRoot, entry.device);
    this.crash.reached("agent.unmount.unmounted");
    const record = known ?? (await this.deps.directory.get(name));
    if (record) await this.deps.attacher.release(record);
    this.crash.reached("agent.unmount.released");
    await this.deps.mounts.delete(name);
    this.deps.logger.info({ volume: name }, "volume unmounted");
  }

  private now(): number | undefined {
    return (this.deps.clock ?? this.deps.linger?.clock)?.now();
  }

  /** Mountpoint if mounted on this node, else "" (Docker treats that as "not mounted"). */
  path(rawName: unknown): Promise<string> {
    return this.reads.path(rawName);
  }

  /** The volume and its Status (plugin/volumeReads.ts: condition, holder, last move). */
  get(rawName: unknown): Promise<PluginVolume> {
    return this.reads.get(rawName);
  }

  list(): Promise<PluginVolume[]> {
    return this.reads.list();
  }

  /**
   * Fencing (invariant 1): unmounts each named volume mounted on this node and forgets its
   * Docker mounts, each under its volume's lock, so Docker's later Unmount calls for those
   * IDs find nothing and succeed. Stop the containers using them first (the lease keeper
   * does): an unmount that fails (busy) is logged and its entry kept for the next try.
   * Does not tell the controller: it learns the mounts from the next heartbeat.
   * @returns the volumes unmounted and forgotten by this call
   */
  async fence(names: readonly string[], reason: string): Promise<string[]> {
    const done = await Promise.all(names.map((name) => this.lock.run(name, () => this.fenceOne(name, reason))));
    return names.filter((_, index) => done[index]);
  }

  /** Fences every volume this node has mounted (the lease lapsed). */
  async fenceAll(reason: string): Promise<string[]> {
    return this.fence(this.deps.mounts.list().map(([name]) => name), reason);
  }

  private async fenceOne(name: string, reason: string): Promise<boolean> {
    const entry = this.deps.mounts.get(name);
    if (!entry) return false;
    try {
      await this.steps.unmount(entry.mountRoot, entry.device);
    } catch (err) {
      this.deps.logger.error({ volume: name, reason, err: (err as Error).message }, "fencing unmount failed");
      return false;
    }
    await this.deps.mounts.delete(name);
    this.fenced.set(name, reason);
    this.deps.logger.error({ volume: name, reason, droppedMounts: entry.ids.length }, "volume fenced");
    return true;
  }

  /**
   * Invariant 4: the epoch rises at every move, so a grant older than one this node has
   * already seen (in this run, in its mount table or in the catalog record) comes from a
   * stale decision; mounting it could make two writers.
   */
  private acceptEpoch(record: VolumeRecord, granted: number, tableEpoch: number | undefined): void {
    const { name } = record.spec;
    const seen = Math.max(this.seenEpochs.get(name) ?? 0, tableEpoch ?? 0, record.status.epoch);
    if (granted < seen) {
      throw unsafe(
        `volume "${name}": granted to this node at epoch ${granted}, but this node has already seen epoch ${seen}; refusing a stale grant, another node may hold the volume (see \`swarmvol inspect ${name}\`)`,
        { name, granted, seen },
      );
    }
    this.seenEpochs.set(name, granted);
  }

  private readyRecord(name: string): Promise<VolumeRecord> {
    return this.reads.readyRecord(name);
  }
}

function validateMountId(id: unknown): string {
  if (typeof id !== "string" || id.length === 0 || id.length > 256) {
    throw invalidArgument("missing or invalid mount ID: Docker sends a per-mount ID string with Mount and Unmount");
  }
  return id;
}
