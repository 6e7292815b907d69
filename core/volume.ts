import { clipped, invalidArgument, quoted } from "./errors.js";
import type { ResizeStatus } from "./resize.js";
import { mmpElsewhere } from "./mmp.js";
import { formatSize, parseSize } from "./units.js";

/** Docker's own rule for volume names, plus a cap that fits a cloud tag value. */
const volumeNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
export const maxVolumeNameLength = 128;

export type FsType = "ext4" | "xfs";
export const fsTypes: readonly FsType[] = ["ext4", "xfs"];

/** Lifecycle of a catalog entry; `creating` survives a crash between catalog and backend. */
export type VolumePhase = "creating" | "ready";

/** What the user asked for. Backend-neutral fields; backends read what they understand. */
export interface VolumeSpec {
  name: string;
  backend: string;
  sizeBytes: number;
  fsType: FsType;
  /** The options as given, for idempotent Create comparisons and inspect output. */
  options: Readonly<Record<string, string>>;
}

/** One node's grant: where the controller placed the volume for it (its device or share), at which epoch, since when. */
export interface Grant {
  nodeId: string;
  instanceId: string;
  device: string;
  epoch: number;
  since: string;
}

/** Every grant of a volume: a multi-writer share's holders, else the one `grantedTo` (or none). */
export function grantsOf(status: VolumeStatus): readonly Grant[] {
  if (status.holders !== undefined) return status.holders;
  return status.grantedTo ? [status.grantedTo] : [];
}

/** The grant to `nodeId`, if that node holds the volume. */
export function grantOn(status: VolumeStatus, nodeId: string): Grant | undefined {
  return grantsOf(status).find((grant) => grant.nodeId === nodeId);
}

/**
 * The status change once the volume left `instanceId`: its grant there means nothing any
 * more (the single holder's, or that one of a multi-writer share's holders, the others
 * kept). Undefined when no grant was there.
 */
export function releasedFrom(status: VolumeStatus, instanceId: string): Partial<VolumeStatus> | undefined {
  if (status.grantedTo?.instanceId === instanceId) return { grantedTo: undefined };
  const holders = status.holders;
  if (!holders?.some((grant) => grant.instanceId === instanceId)) return undefined;
  const kept = holders.filter((grant) => grant.instanceId !== instanceId);
  return { holders: kept.length > 0 ? kept : undefined };
}

/** A multi-writer share's holders with `grant` added (in place of any earlier grant to its node). */
export function withHolder(status: VolumeStatus, grant: Grant): Grant[] {
  return [...(status.holders ?? []).filter((held) => held.nodeId !== grant.nodeId), grant];
}

/** A grant in words, as `swarmvol inspect` and `docker volume inspect` show each holder. */
export function grantText(grant: Grant): string {
  return `${grant.nodeId} (instance ${grant.instanceId}, ${grant.device}, epoch ${grant.epoch}, since ${grant.since})`;
}

/** How many moves before the last one a volume's status keeps. */
export const EARLIER_MOVES_KEPT = 4;

export interface VolumeStatus {
  phase: VolumePhase;
  /**
   * True until swarmvol has made the volume's filesystem. Only a fresh volume may ever get
   * mkfs, and only if its device also has no signature and a zero first MiB (invariant 2).
   */
  fresh: boolean;
  /** Fencing epoch: rises at every move; an agent refuses to mount with a stale one. */
  epoch: number;
  /** The cloud volume behind this one (EBS `vol-…`), once the controller made it. */
  backendId?: string;
  zone?: string;
  /** The node the controller granted a single-writer volume to, and when. */
  grantedTo?: Grant;
  /**
   * A multi-writer share's grants, one per node that holds it at once (core/sharedPlacement.ts);
   * `grantedTo` stays unset for such a volume. Absent when it is held nowhere.
   */
  holders?: Grant[];
  /** Why the volume is not where it is wanted, in words an operator can act on. */
  condition?: VolumeCondition;
  lastMove?: MoveTimeline;
  /** The moves before `lastMove`, newest first, at most {@link EARLIER_MOVES_KEPT}: what an operator reads of the last few moves. */
  earlierMoves?: MoveTimeline[];
  /** Epoch ms since which nobody wants the volume while it is still attached (see idleDetachMs). */
  idleSince?: number;
  /** Swarm's Raft store has this volume (controller/replicatedCatalog.ts); absent in pre-HA catalogs. */
  replicated?: boolean;
  /**
   * A clone's content (`-o from=`): the snapshot taken of the source for it. Found again by
   * its key (the clone's uid) when a new leader does not have it, so it is not replicated.
   */
  sourceSnapshot?: string;
  /** A move to another availability zone not finished yet (`-o zonePolicy=follow`, core/zones.ts, ADR 0024). */
  relocation?: Relocation;
  /** The latest resize (`swarmvol resize`, core/resize.ts, ADR 0026); `spec.sizeBytes` is its wanted size. */
  resize?: ResizeStatus;
}

/**
 * A relocation: the volume follows its task into another zone by a snapshot of the detached
 * old cloud volume and a new one made from it there. Kept until the old volume is retired
 * (deleted), which happens only once the new one is mounted on the new node. A new leader
 * rebuilds it from the cloud: the new volume's `swarmvol/relocatedFrom` tag names the old.
 */
export interface Relocation {
  /** The cloud volume left behind: the move's data; deleted last. */
  fromVolumeId: string;
  fromZone: string;
  toZone: string;
  /** The epoch the old volume was detached at: with its id, it names this move (core/zones.ts relocationKey). */
  epoch: number;
  /** The snapshot of the detached old volume; none for a fresh volume (it holds no data). */
  snapshotId?: string;
  /** The volume made in `toZone` (then also `backendId`), once created. */
  toVolumeId?: string;
}

export interface VolumeCondition {
  /** `Fencing`: a power fence is under way; `FenceFailed`: it failed and an operator must decide (ADR 0012). */
  reason: "HolderAlive" | "Conflict" | "ZoneMismatch" | "Relocating" | "NodeUnknown" | "CloudError" | "Fencing" | "FenceFailed";
  message: string;
  since: string;
}

/**
 * A move's phase times in epoch ms (design.md t0..t9), each stamped where the phase
 * happens: t2 seen, t3 fenced, t4 detached and t5 attached by the controller as it acts;
 * t6 (device visible and verified) and t7 (mounted) by the new holder's agent, reported
 * with its mounts and kept within [t5, the controller's receive time] (ADR 0016). A move
 * to another zone adds t4a (snapshot taken) and t4b (new volume created) between t4 and t5
 * (ADR 0024).
 */
export interface MoveTimeline {
  fromNode?: string;
  toNode: string;
  t2Seen: number;
  t3Fenced?: number;
  t4Detached?: number;
  /** A relocation (another zone): the old volume's snapshot taken (absent for a fresh volume, which has no data). */
  t4aSnapshotted?: number;
  /** A relocation: the new volume created in the new zone (available, from the snapshot). */
  t4bCreated?: number;
  t5Attached?: number;
  /** Absent when the agent did not report it (an agent older than this field). */
  t6Verified?: number;
  t7Mounted?: number;
  forced: boolean;
  /** Set when the move crosses zones (zonePolicy=follow): the volume is recreated there, not moved. */
  fromZone?: string;
  toZone?: string;
}

/** A catalog entry: one per volume, cluster-wide. */
export interface VolumeRecord {
  uid: string;
  createdAt: string;
  spec: VolumeSpec;
  status: VolumeStatus;
}

export function validateVolumeName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0) {
    throw invalidArgument("missing volume name: give the volume a name, like `docker volume create -d swarmvol data`");
  }
  const fix = `use 2-${maxVolumeNameLength} characters from [a-zA-Z0-9_.-], starting with a letter or digit`;
  const shown = quoted(name);
  const details = { name: name.slice(0, maxVolumeNameLength) };
  if (name.includes("/") || name.includes("\\") || name.includes("..")) {
    throw invalidArgument(`invalid volume name ${shown}: path separators and ".." are not allowed; ${fix}`, details);
  }
  if (name.length > maxVolumeNameLength || !volumeNamePattern.test(name)) throw invalidArgument(`invalid volume name ${shown}: ${fix}`, details);
  return name;
}

/** Describes one `-o key=value` option a backend accepts. */
export interface OptionDefinition {
  name: string;
  help: string;
}

/** Options only some backends take, with why the others refuse them (the fix, not just the list). */
const elsewhere: ReadonlyMap<string, string> = new Map([["mmp", mmpElsewhere]]);

/**
 * Matches option keys case-insensitively against the backend's list and rejects any
 * unknown key with the full list, so a typo (`-o sise=10`) never silently becomes a default;
 * a key that belongs to other backends says why it is not for this one.
 */
export function canonicalOptions(
  opts: Readonly<Record<string, unknown>> | null | undefined,
  known: readonly OptionDefinition[],
  backend: string,
  /** Other backends' options (lower case) this one refuses, with why (a share refuses size, snapshots, zone). */
  refused: ReadonlyMap<string, string> = new Map(),
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(opts ?? {})) {
    const definition = known.find((option) => option.name.toLowerCase() === key.toLowerCase());
    if (!definition) {
      const why = refused.get(key.toLowerCase()) ?? elsewhere.get(key.toLowerCase());
      if (why !== undefined) throw invalidArgument(`option ${quoted(key)} is not for the ${backend} backend: ${why}`, { option: clipped(key), backend });
      const valid = known.map((option) => option.name).join(", ");
      throw invalidArgument(`unknown option ${quoted(key)} for the ${backend} backend; valid options: ${valid}`, { option: clipped(key) });
    }
    if (typeof value !== "string") {
      throw invalidArgument(`option ${quoted(key)} must be a string, like -o ${definition.name}=...`, { option: definition.name });
    }
    result[definition.name] = value;
  }
  return result;
}

export function parseFsType(value: string | undefined): FsType {
  if (value === undefined || value === "") return "ext4";
  const lower = value.toLowerCase();
  if (lower === "ext4" || lower === "xfs") return lower;
  throw invalidArgument(`invalid fsType ${quoted(value)}: use ext4 (the default) or xfs`, { option: "fsType", value: clipped(value) });
}

/** Smallest filesystem each mkfs accepts in its current Debian release (xfsprogs wants 300 MiB). */
const minimumBytes: Readonly<Record<FsType, number>> = { ext4: 16 * 1024 ** 2, xfs: 300 * 1024 ** 2 };
export const maximumVolumeBytes = 64 * 1024 ** 4;

export function checkSizeForFs(sizeBytes: number, fsType: FsType): void {
  const minimum = minimumBytes[fsType];
  if (sizeBytes < minimum) {
    throw invalidArgument(`size ${formatSize(sizeBytes)} is too small for ${fsType}: use at least ${formatSize(minimum)}`, { sizeBytes, fsType });
  }
  if (sizeBytes > maximumVolumeBytes) {
    throw invalidArgument(`size ${formatSize(sizeBytes)} is too large: the limit is ${formatSize(maximumVolumeBytes)}`, { sizeBytes });
  }
}

export function parseSizeOption(value: string | undefined, defaultBytes: number): number {
  return value === undefined ? defaultBytes : parseSize(value);
}

/** Whether a repeated Create asks for the same volume (empty options mean "whatever exists"). */
export function sameRequest(existing: VolumeSpec, requested: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(requested);
  if (keys.length === 0) return true;
  return keys.every((key) => existing.options[key] === requested[key]) && keys.length === Object.keys(existing.options).length;
}
