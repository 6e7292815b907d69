/**
 * The node-side step of a Mount per backend kind (ADR 0027): what turns the controller's
 * grant into a mount root. A grant's device is either a block device path (`/dev/…`: check
 * its filesystem, make one only on a fresh volume, mount it) or a file share
 * (`efs://…` or `nfs://…`, core/nfsShares.ts parseGrantedShare: mount it through the ShareMounter, with
 * no device, no blkid, fsck or mkfs, and no fresh mark: a share has no filesystem of its
 * own to make). Unmounting takes the same way back, so fencing covers both kinds.
 */
import { internal, unsafe } from "../core/errors.js";
import type { ShareMounter } from "../core/fileShares.js";
import { parseGrantedShare } from "../core/nfsShares.js";
import { mmpOf } from "../core/mmp.js";
import type { Attachment, BlockFilesystem, CrashPoints, Logger, VolumeDirectory } from "../core/ports.js";
import type { VolumeRecord } from "../core/volume.js";

/** Bytes at the head of a device that must be zero before swarmvol will format it. */
export const freshHeadBytes = 1024 * 1024;

/** Grows a grown volume's filesystem at its Mount (plugin/cluster/filesystemGrowth.ts, ADR 0026). */
export interface MountGrowth {
  beforeMount(volume: string, device: string, fsType: string, grow: { id: string; sizeBytes: number }): Promise<void>;
  afterMount(volume: string, device: string, mountRoot: string, fsType: string, grow: { id: string; sizeBytes: number }, made: boolean): Promise<void>;
}

export interface MountStepsDeps {
  directory: Pick<VolumeDirectory, "markFormatted">;
  filesystem: BlockFilesystem;
  /** Mounts file shares; absent on a node that serves block volumes only (a share grant is then refused). */
  shares?: ShareMounter;
  logger: Logger;
  crash: CrashPoints;
  growth?: MountGrowth;
}

/** What can tell whether a mount root is mounted and unmount it: the block filesystem or the share mounter. */
type Unmounter = Pick<ShareMounter, "isMounted" | "unmount">;

/** Mounts and unmounts a granted volume by its kind; the driver keeps the Docker side (ids, lingers, epochs). */
export class MountSteps {
  constructor(private readonly deps: MountStepsDeps) {}

  /** Makes `mountRoot` the volume's root from the grant, adopting a mount an interrupted Mount left there. */
  async mount(record: VolumeRecord, attachment: Pick<Attachment, "device" | "grow">, mountRoot: string): Promise<void> {
    const share = parseGrantedShare(attachment.device);
    if (share === undefined) return this.mountBlock(record, attachment, mountRoot);
    const { shares, logger } = this.deps;
    if (shares === undefined) {
      throw internal(`volume "${record.spec.name}" is a file share (${attachment.device}), but this agent has no share mounter; upgrade or restart the agent with file shares enabled`, { name: record.spec.name });
    }
    // Already mounted there is success (ShareMounter's contract): an agent killed mid-mount adopts it.
    await shares.mount(share, mountRoot);
    this.deps.crash.reached("agent.mount.mounted");
    logger.info({ volume: record.spec.name, device: attachment.device, mountRoot }, "file share mounted");
  }

  /**
   * Whether `mountRoot` is mounted; `device` (the mount table's) says which kind to ask,
   * and without it (an orphan with no entry) either kind counts.
   */
  async isMounted(mountRoot: string, device?: string): Promise<boolean> {
    return (await this.mountedBy(mountRoot, device)) !== undefined;
  }

  /** Unmounts `mountRoot` if mounted, the way its kind was mounted. */
  async unmount(mountRoot: string, device?: string): Promise<void> {
    const by = await this.mountedBy(mountRoot, device);
    if (by !== undefined) await by.unmount(mountRoot);
  }

  private async mountedBy(mountRoot: string, device?: string): Promise<Unmounter | undefined> {
    const { filesystem, shares } = this.deps;
    const kinds: Array<Unmounter | undefined> = device === undefined ? [filesystem, shares] : parseGrantedShare(device) === undefined ? [filesystem] : [shares];
    for (const kind of kinds) if (kind !== undefined && (await kind.isMounted(mountRoot))) return kind;
    return undefined;
  }

  /** A block device: today's path exactly (probe, mkfs only when fresh, fsck, grow, mount). */
  private async mountBlock(record: VolumeRecord, { device, grow }: Pick<Attachment, "device" | "grow">, mountRoot: string): Promise<void> {
    const { filesystem, growth, crash } = this.deps;
    const name = record.spec.name;
    if (await filesystem.isMounted(mountRoot)) {
      // mount(8) outlived a kill -9 of this daemon: adopt it (fsck of a mounted device fails, exit 8).
      this.deps.logger.warn({ volume: name, device, mountRoot }, "adopting a mount an interrupted Mount left behind");
      return;
    }
    const { fsType, made, marked } = await this.prepareFilesystem(record, device);
    // A filesystem mkfs made a moment ago is clean by construction; any other is checked.
    if (!made) {
      await filesystem.check(device, fsType);
      crash.reached("agent.mount.checked");
      if (grow) await growth?.beforeMount(name, device, fsType, grow);
    }
    await filesystem.mount(device, mountRoot, fsType);
    await this.formattedMarked(name, mountRoot, marked);
    crash.reached("agent.mount.mounted");
    if (grow) await growth?.afterMount(name, device, mountRoot, fsType, grow, made);
  }

  /**
   * Invariant 2: a filesystem is made only on a volume swarmvol marked fresh whose device
   * has no signature and a zero first MiB. The fresh mark is cleared only after mkfs, so a
   * crash in between finds the new signature next time and mounts it.
   */
  private async prepareFilesystem(record: VolumeRecord, device: string): Promise<{ fsType: string; made: boolean; marked?: Promise<void> }> {
    const { name } = record.spec;
    const { filesystem, directory } = this.deps;
    const found = await filesystem.probe(device);
    if (found !== null) {
      if (record.status.fresh) await directory.markFormatted(name);
      return { fsType: found, made: false };
    }
    if (!record.status.fresh) {
      throw unsafe(
        `volume "${name}": device ${device} has no filesystem, but swarmvol formatted this volume before; refusing to format it again. Inspect the device by hand (blkid ${device}) or restore from a snapshot`,
        { name, device },
      );
    }
    if (!(await filesystem.headIsZero(device, freshHeadBytes))) {
      throw unsafe(
        `volume "${name}": device ${device} has no filesystem signature but holds data in its first MiB; refusing to format it. Inspect it by hand (hexdump -C ${device} | head)`,
        { name, device },
      );
    }
    const multiMountProtection = mmpOf(record.spec);
    await filesystem.makeFilesystem(device, record.spec.fsType, name, { multiMountProtection });
    this.deps.crash.reached("agent.mount.formatted");
    // Cleared while mount(8) runs (the controller writes it through to Swarm's Raft store,
    // which a burst keeps busy); Docker gets the path only once it is cleared (formattedMarked, ADR 0029).
    const marked = directory.markFormatted(name).then(() => {
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
}
