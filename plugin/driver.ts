import { inUse, invalidArgument, unsafe } from "../core/errors.js";
import { noCrashPoints, type BlockFilesystem, type Clock, type CrashPoints, type Logger, type MountEntry, type MountTable, type NodeAttacher, type VolumeDirectory } from "../core/ports.js";
import { mmpOf } from "../core/mmp.js";
import { validateVolumeName, type VolumeRecord } from "../core/volume.js";
import { KeyedMutex } from "../core/keyedMutex.js";
import type { PluginVolume } from "./protocol.js";
import { dataPath, VolumeReads } from "./volumeReads.js";

export { dataPath } from "./volumeReads.js";

/** Bytes at the head of a device that must be zero before swarmvol will format it. */
export const freshHeadBytes = 1024 * 1024;

export interface VolumeDriverDeps {
  directory: VolumeDirectory;
  attacher: NodeAttacher;
  filesystem: BlockFilesystem;
  mounts: MountTable;
  logger: Logger;
  /** Directory under which each volume's filesystem is mounted, one folder per volume. */
  mountsDir: string;
  /**
   * Stamps each new mount's phase times (device verified, mounted) in its mount-table entry,
   * from where heartbeats report them as a move's t6 and t7. @default linger's clock; without either, none.
   */
  clock?: Clock;
  /**
   * Docker mounts a new task container's volume, unmounts it and mounts it again to start
   * the container. A mount younger than `youngMs` whose last user leaves, while a task here
   * still needs it, stays mounted for `ms` (still reported in heartbeats) and the remount
   * is free. Absent: every last unmount unmounts at once.
   */
  /**
   * `ms`: how long a young mount stays mounted after its first unmount; renewed while the
   * controller says a task placed here still wants the volume, up to `maxMs` in all
   * (@default 12 × ms): on a loaded node the start-time mount can come 30 s after the
   * create-time one, and unmounting in between made the next Mount wait for fsck on a
   * device still held elsewhere.
   */
  linger?: { clock: Clock; ms: number; youngMs: number; maxMs?: number };
  /** The agent's named steps of Mount and Unmount (core/crashPoints.ts). @default noCrashPoints */
  crashPoints?: CrashPoints;
  /**
   * Told when an Unmount leaves other Docker mounts of the volume counted: one of them may
   * be a Mount whose answer Docker never got (plugin/mountReview.ts drops those).
   */
  staleMounts?: { suspect(name: string): void };
  /**
   * Grows the filesystem of a volume that grew while nobody mounted it, when the grant asks
   * (plugin/cluster/filesystemGrowth.ts, ADR 0026): ext4 before the mount, xfs after it.
   */
  growth?: {
    beforeMount(volume: string, device: string, fsType: string, grow: { id: string; sizeBytes: number }): Promise<void>;
    afterMount(volume: string, device: string, mountRoot: string, fsType: string, grow: { id: string; sizeBytes: number }, made: boolean): Promise<void>;
  };
}

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

  constructor(private readonly deps: VolumeDriverDeps) {
    this.crash = deps.crashPoints ?? noCrashPoints;
    this.reads = new VolumeReads({ directory: deps.directory, mounts: deps.mounts, filesystem: deps.filesystem, fenced: this.fenced });
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
      if (await this.deps.filesystem.isMounted(mountRoot)) await this.deps.filesystem.unmount(mountRoot);
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
      if (entry && (await this.deps.filesystem.isMounted(entry.mountRoot))) {
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
      if (await this.deps.filesystem.isMounted(mountRoot)) {
        // mount(8) outlived a kill -9 of this daemon: adopt it (fsck of a mounted device fails, exit 8).
        this.deps.logger.warn({ volume: name, device, mountRoot }, "adopting a mount an interrupted Mount left behind");
      } else {
        const { fsType, made, marked } = await this.prepareFilesystem(record, device);
        // A filesystem mkfs made a moment ago is clean by construction; any other is checked.
        if (!made) {
          await this.deps.filesystem.check(device, fsType);
          this.crash.reached("agent.mount.checked");
          if (grow) await this.deps.growth?.beforeMount(name, device, fsType, grow);
        }
        await this.deps.filesystem.mount(device, mountRoot, fsType);
        await this.formattedMarked(name, mountRoot, marked);
        this.crash.reached("agent.mount.mounted");
        if (grow) await this.deps.growth?.afterMount(name, device, mountRoot, fsType, grow, made);
      }
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
      const lingering = await this.startLinger(name, entry, id);
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
        if (this.deps.mounts.get(name) !== undefined || !(await this.deps.filesystem.isMounted(mountRoot))) return;
        try {
          await this.deps.filesystem.unmount(mountRoot);
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

  /**
   * Lingers only on the first unmount of a mount ID soon after the mount (Docker reuses the
   * ID for the start-time mount, so a second unmount is the container stopping), and only
   * while the controller says a Swarm task placed here still needs the volume: a plain
   * `docker run` that exited, or a task told to stop, lets the volume go at once.
   * @returns true when lingering; otherwise the record if it had to be read (for the release)
   */
  private async startLinger(name: string, entry: MountEntry, id: string): Promise<true | VolumeRecord | undefined> {
    const linger = this.deps.linger;
    if (!linger || entry.mountedAt === undefined || linger.clock.now() - entry.mountedAt >= linger.youngMs) return undefined;
    if (entry.lingered?.includes(id) || !this.deps.attacher.wantedHere) return undefined;
    const record = await this.deps.directory.get(name);
    if (!record || !(await this.deps.attacher.wantedHere(record))) return record;
    const now = linger.clock.now();
    await this.deps.mounts.set(name, { ...entry, ids: [], lingerUntil: now + linger.ms, lingerSince: now, lingered: [...(entry.lingered ?? []), id] });
    this.wakeLinger(name, linger);
    return true;
  }

  private wakeLinger(name: string, linger: NonNullable<VolumeDriverDeps["linger"]>): void {
    void linger.clock.sleep(linger.ms).then(() => this.lock.run(name, () => this.endLinger(name, false))).catch((err: unknown) => {
      this.deps.logger.error({ volume: name, err: (err as Error).message }, "ending a linger failed; the next unmount or agent start retries");
    });
  }

  /** Whether a linger that reached its deadline is renewed: a task here still wants the volume, and the bound is not reached. */
  private async lingerRenewed(name: string, entry: MountEntry): Promise<boolean> {
    const linger = this.deps.linger;
    if (!linger || !this.deps.attacher.wantedHere) return false;
    const now = linger.clock.now();
    if (now - (entry.lingerSince ?? now) + linger.ms > (linger.maxMs ?? 12 * linger.ms)) return false;
    const record = await this.deps.directory.get(name).catch(() => undefined);
    if (!record || !(await this.deps.attacher.wantedHere(record).catch(() => false))) return false;
    await this.deps.mounts.set(name, { ...entry, lingerUntil: now + linger.ms });
    this.wakeLinger(name, linger);
    return true;
  }

  /** Unmounts a lingering volume nobody remounted (or, with `now`, whatever its deadline). */
  private async endLinger(name: string, now: boolean): Promise<void> {
    const entry = this.deps.mounts.get(name);
    if (!entry || entry.ids.length > 0 || entry.lingerUntil === undefined) return;
    if (!now && this.deps.linger && this.deps.linger.clock.now() < entry.lingerUntil) return;
    if (!now && (await this.lingerRenewed(name, entry))) return;
    await this.unmountAndRelease(name, entry);
  }

  private async unmountAndRelease(name: string, entry: MountEntry, known?: VolumeRecord): Promise<void> {
    if (await this.deps.filesystem.isMounted(entry.mountRoot)) await this.deps.filesystem.unmount(entry.mountRoot);
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
      if (await this.deps.filesystem.isMounted(entry.mountRoot)) await this.deps.filesystem.unmount(entry.mountRoot);
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

  /**
   * Invariant 2: a filesystem is made only on a volume swarmvol marked fresh whose device
   * has no signature and a zero first MiB. The fresh mark is cleared only after mkfs, so a
   * crash in between finds the new signature next time and mounts it.
   */
  private async prepareFilesystem(record: VolumeRecord, device: string): Promise<{ fsType: string; made: boolean; marked?: Promise<void> }> {
    const { name } = record.spec;
    const found = await this.deps.filesystem.probe(device);
    if (found !== null) {
      if (record.status.fresh) await this.deps.directory.markFormatted(name);
      return { fsType: found, made: false };
    }
    if (!record.status.fresh) {
      throw unsafe(
        `volume "${name}": device ${device} has no filesystem, but swarmvol formatted this volume before; refusing to format it again. Inspect the device by hand (blkid ${device}) or restore from a snapshot`,
        { name, device },
      );
    }
    if (!(await this.deps.filesystem.headIsZero(device, freshHeadBytes))) {
      throw unsafe(
        `volume "${name}": device ${device} has no filesystem signature but holds data in its first MiB; refusing to format it. Inspect it by hand (hexdump -C ${device} | head)`,
        { name, device },
      );
    }
    const multiMountProtection = mmpOf(record.spec);
    await this.deps.filesystem.makeFilesystem(device, record.spec.fsType, name, { multiMountProtection });
    this.crash.reached("agent.mount.formatted");
    // Cleared while mount(8) runs (the controller writes it through to Swarm's Raft store,
    // which a burst keeps busy); Docker gets the path only once it is cleared (formattedMarked).
    const marked = this.deps.directory.markFormatted(name).then(() => {
      this.deps.logger.info({ volume: name, device, fsType: record.spec.fsType, multiMountProtection }, "filesystem created");
    });
    marked.catch(() => undefined);
    return { fsType: record.spec.fsType, made: true, marked };
  }

  /**
   * Waits for the fresh mark of a filesystem mkfs just made to be cleared. If that failed,
   * the new mount is undone before the error goes to Docker: a mount left in place would
   * be adopted by the next Mount without probing, and the mark would never be cleared
   * while the container writes data (invariant 2). The next Mount finds the signature and
   * clears the mark then.
   */
  private async formattedMarked(name: string, mountRoot: string, marked: Promise<void> | undefined): Promise<void> {
    if (marked === undefined) return;
    try {
      await marked;
    } catch (err) {
      await this.deps.filesystem.unmount(mountRoot).catch((unmountErr: unknown) => {
        this.deps.logger.error({ volume: name, mountRoot, err: (unmountErr as Error).message }, "could not undo a mount whose fresh mark was not cleared");
      });
      throw err;
    }
  }

  private readyRecord(name: string): Promise<VolumeRecord> {
    return this.reads.readyRecord(name);
  }

  private mountpointOf(name: string): Promise<string> {
    return this.reads.mountpointOf(name);
  }
}

function validateMountId(id: unknown): string {
  if (typeof id !== "string" || id.length === 0 || id.length > 256) {
    throw invalidArgument("missing or invalid mount ID: Docker sends a per-mount ID string with Mount and Unmount");
  }
  return id;
}
