/**
 * The ports of the node side (the agent and the plugin): what it has mounted, the block
 * filesystem, the volume directory, attaching and locating devices, the local engine's
 * containers, freeze and grow. Real implementations live in storage/ and plugin/;
 * recording fakes in test/fakes/. Re-exported by core/ports.ts.
 */
import type { FsType, OptionDefinition, VolumeRecord, VolumeSpec } from "./volume.js";

/** What this node has mounted for Docker, by volume: Docker's mount IDs are the refcount. */
export interface MountEntry {
  ids: string[];
  device: string;
  mountRoot: string;
  /** The fencing epoch the volume was granted at for this mount (absent in older tables). */
  epoch?: number;
  /**
   * When the device was found and its identity verified, ready to check and mount (epoch
   * ms, this node's clock): a move's t6, reported in heartbeats.
   */
  verifiedAt?: number;
  /**
   * When the filesystem was mounted (epoch ms, this node's clock): a move's t7, reported in
   * heartbeats; only a young mount lingers after its last unmount.
   */
  mountedAt?: number;
  /** Set while the filesystem stays mounted with no Docker user (see VolumeDriver linger). */
  lingerUntil?: number;
  /** When the current linger began: it is extended while a task here wants the volume, up to a bound. */
  lingerSince?: number;
  /** Mount IDs whose first unmount already lingered: their next unmount is a container stopping. */
  lingered?: string[];
}

/** Node-local state that survives an agent restart so refcounts are not lost. */
export interface MountTable {
  get(name: string): MountEntry | undefined;
  list(): Array<[string, MountEntry]>;
  set(name: string, entry: MountEntry): Promise<void>;
  delete(name: string): Promise<void>;
}

/**
 * A backend as the node sees it: makes storage exist and puts its block device on this
 * node. Every call is idempotent; the catalog record (uid) identifies the storage.
 */
export interface NodeBackend {
  readonly name: string;
  readonly options: readonly OptionDefinition[];
  /** Pure validation of `-o` options into a spec; throws INVALID_ARGUMENT naming the fix. */
  buildSpec(name: string, options: Readonly<Record<string, unknown>> | null | undefined): VolumeSpec;
  create(record: VolumeRecord): Promise<void>;
  remove(record: VolumeRecord): Promise<void>;
  /** Returns the path of the volume's block device on this node once it is there. */
  attach(record: VolumeRecord): Promise<string>;
  detach(record: VolumeRecord): Promise<void>;
}

/** What a new filesystem gets beyond its type. */
export interface FilesystemFeatures {
  /** ext4 multi-mount protection (`-o mmp=on`, core/mmp.ts, ADR 0028). @default false */
  multiMountProtection?: boolean;
}

/** Filesystem and mount operations on a block device (mkfs, fsck, mount, probe). */
export interface BlockFilesystem {
  /** The signature type on the device (`ext4`, `xfs`, `LVM2_member`...) or null if none. */
  probe(device: string): Promise<string | null>;
  /** True when the first `bytes` of the device are all zero. */
  headIsZero(device: string, bytes: number): Promise<boolean>;
  /** Makes a filesystem (never forced: mkfs itself refuses a device that has one). */
  makeFilesystem(device: string, fsType: FsType, label: string, features?: FilesystemFeatures): Promise<void>;
  /** Repairs what is safe to repair; throws UNSAFE when the filesystem needs a human. */
  check(device: string, fsType: string): Promise<void>;
  /** Mounts the device at target, creating target if needed. */
  mount(device: string, target: string, fsType: string): Promise<void>;
  /** Creates a directory (and parents) if missing; used for the volume's data folder. */
  ensureDirectory(path: string): Promise<void>;
  unmount(target: string): Promise<void>;
  isMounted(target: string): Promise<boolean>;
}

/**
 * Where a node finds and creates volumes: the cluster-wide catalog as the plugin sees it.
 * All-in-one: the local catalog and backend. Agent: the controller's API. Every call is
 * idempotent; options are validated behind it (INVALID_ARGUMENT naming the fix).
 */
export interface VolumeDirectory {
  get(name: string): Promise<VolumeRecord | undefined>;
  list(): Promise<VolumeRecord[]>;
  /** Creates the volume, or returns the existing one if the request matches it. */
  create(name: string, options: Readonly<Record<string, unknown>> | null | undefined): Promise<VolumeRecord>;
  remove(name: string): Promise<void>;
  /** Clears the fresh mark once swarmvol has made the volume's filesystem. */
  markFormatted(name: string): Promise<void>;
  /**
   * Where the last get or list of `name` was answered from: the controller, or this node's
   * cache because the controller could not be asked (and why). Absent: a local catalog.
   */
  readSource?(name: string): { from: "controller" } | { from: "cache"; reason: string };
}

/** A volume's device made present on this node, with the fencing epoch it was granted at. */
export interface Attachment {
  device: string;
  epoch: number;
  /**
   * The volume grew since its filesystem was made (a resize while nobody mounted it): the
   * mount grows it to fill the device (ADR 0026); `id` names the grow in the agent's report.
   */
  grow?: { id: string; sizeBytes: number };
}

/**
 * Puts a volume's block device on this node and takes it away. In the cluster this goes
 * through the controller (claim, attach, verify the device); it refuses, naming the holder,
 * a volume that another live node is using.
 */
export interface NodeAttacher {
  attach(record: VolumeRecord): Promise<Attachment>;
  /** Called when the last Docker mount on this node is gone. */
  release(record: VolumeRecord): Promise<void>;
  /** Whether a Swarm task placed on this node needs the volume here (absent: never asked, no linger). */
  wantedHere?(record: VolumeRecord): Promise<boolean>;
}

/** Finds a cloud volume's block device on this node and proves it is that volume. */
export interface DeviceLocator {
  /**
   * Waits (up to `timeoutMs`) for the device of `volumeId` (requested as `requestedDevice`)
   * to appear, verifies its identity, and returns its path under /dev.
   */
  locate(volumeId: string, requestedDevice: string, timeoutMs: number): Promise<string>;
}

/** The containers of the local engine, as the agent's self-fencing needs them. */
export interface LocalContainers {
  /** Running containers with a mount of any of these swarmvol volumes. */
  usingVolumes(volumes: readonly string[]): Promise<Array<{ id: string; name: string; volumes: string[] }>>;
  kill(id: string): Promise<void>;
}

/**
 * Freezes a mounted filesystem for a snapshot (`fsfreeze`): writers block, dirty data and
 * the journal are flushed, so the device holds a clean filesystem until the thaw. Every
 * call has a deadline; a freeze that failed or timed out may still have frozen, so callers
 * thaw after any freeze attempt.
 */
export interface FilesystemFreezer {
  freeze(mountPoint: string, timeoutMs: number): Promise<void>;
  /** `not-frozen` when there was nothing to thaw (not an error). */
  thaw(mountPoint: string, timeoutMs: number): Promise<"thawed" | "not-frozen">;
}

/**
 * Grows a filesystem to fill its grown block device (a resize, ADR 0026). Each call has a
 * deadline and throws a domain error naming the tool's own words when the tool fails.
 */
export interface FilesystemGrower {
  /** Grows the mounted filesystem: `xfs_growfs MOUNTPOINT` (xfs), `resize2fs DEVICE` (ext4, online). */
  growMounted(device: string, mountPoint: string, fsType: string, timeoutMs: number): Promise<void>;
  /**
   * Grows an unmounted ext4 filesystem: `e2fsck -f -p`, then `resize2fs`. UNSAFE when
   * e2fsck finds damage it cannot repair; INVALID_ARGUMENT for xfs (it grows only mounted).
   */
  growUnmounted(device: string, fsType: string, timeoutMs: number): Promise<void>;
  /** The device's size and the mounted filesystem's (statfs: what `df` shows), in bytes. */
  sizes(device: string, mountPoint: string): Promise<{ deviceBytes: number; filesystemBytes: number }>;
}

/**
 * Which of the local engine's containers may hold a Docker mount of a volume: running,
 * paused or restarting, or created and not failed to start (it may be starting now). A
 * mount ID in the agent's table that no such container can hold is one Docker never got
 * the answer for (the agent died between recording and answering) and will never unmount.
 */
export interface MountHolders {
  /** Per volume (every one asked), the number of containers that may hold a mount of it. */
  holders(volumes: readonly string[]): Promise<ReadonlyMap<string, number>>;
}
