/**
 * The cloud as the controller sees it: block volumes and the instances they attach to,
 * in swarmvol's own types. storage/ebs implements it with the EC2 API; tests use a
 * recording fake. Every mutation is idempotent and safe to repeat after a crash.
 */

export type CloudVolumeState = "creating" | "available" | "in-use" | "deleting" | "deleted" | "error";
export type CloudAttachmentState = "attaching" | "attached" | "detaching" | "busy";

export interface CloudAttachment {
  instanceId: string;
  device: string;
  state: CloudAttachmentState;
  /**
   * Epoch ms since which the attachment is known to be in its `attaching` or `detaching`
   * state: the cloud's own attach time for `attaching` (EC2's AttachTime), else the first
   * time this leader saw it so (controller/reconcile/transitionAges.ts). It never comes
   * earlier than a fact, so a stuck transition is acted on at most one deadline after this
   * leader could know it began, and never early (ADR 0013). Absent: not known.
   */
  since?: number;
}

export interface CloudVolume {
  id: string;
  /** Its availability zone; for a regional volume (`regional`), the region it is in. */
  zone: string;
  /**
   * Reachable from every zone of the region (an EFS access point, through each zone's
   * mount target): placement ignores the zone, and zonePolicy never relocates it. Absent: a
   * zonal block volume (EBS), usable only by instances of its zone.
   */
  regional?: boolean;
  /**
   * The backend that answered for it, stamped by the controller's router
   * (controller/backendRouter.ts), so a catalog entry rebuilt from the cloud names it.
   * Absent: not routed (one backend's own answer), read as ebs.
   */
  backend?: string;
  sizeBytes: number;
  state: CloudVolumeState;
  attachments: CloudAttachment[];
  tags: Readonly<Record<string, string>>;
  /**
   * What the backend kept of the volume's spec, read from its own encoding (EFS's spec tag
   * cannot be JSON: storage/efs/specTag.ts). Absent: the `swarmvol/spec` tag's JSON (EBS).
   */
  spec?: SpecTag;
}

/** Tags that make the catalog rebuildable from the cloud alone. */
export const cloudTags = {
  name: "swarmvol/name", uid: "swarmvol/uid", epoch: "swarmvol/epoch", spec: "swarmvol/spec",
  /** Set (an RFC 3339 time) on a volume removed with `-o onRemove=retain`: kept in the cloud, never rebuilt into the catalog. */
  retained: "swarmvol/retained",
  /**
   * On a volume made by a relocation (zonePolicy=follow): the id of the volume it was made
   * from, in another zone. That one is superseded: never rebuilt into the catalog, and
   * deleted once this one is mounted (core/zones.ts, ADR 0024).
   */
  relocatedFrom: "swarmvol/relocatedFrom",
} as const;

/** What the `swarmvol/spec` tag keeps of a volume's spec, so a rebuilt entry has its real options. */
export interface SpecTag {
  fsType: "ext4" | "xfs";
  createdAt: string;
  options: Record<string, string>;
}

/** EC2 tag values hold at most 256 characters. */
export const maxTagValueLength = 256;

/** The tag's value, or undefined when the options do not fit in one tag value. */
export function specTagOf(spec: SpecTag): string | undefined {
  const text = JSON.stringify({ f: spec.fsType, c: spec.createdAt, o: spec.options });
  return text.length <= maxTagValueLength ? text : undefined;
}

/** Parses a `swarmvol/spec` tag defensively (a hand-edited tag reads as absent). */
export function parseSpecTag(text: string | undefined): SpecTag | undefined {
  if (text === undefined) return undefined;
  try {
    const raw = JSON.parse(text) as { f?: unknown; c?: unknown; o?: unknown };
    const options = raw.o !== null && typeof raw.o === "object" && !Array.isArray(raw.o) ? raw.o as Record<string, unknown> : undefined;
    if ((raw.f !== "ext4" && raw.f !== "xfs") || typeof raw.c !== "string" || Number.isNaN(Date.parse(raw.c)) || !options) return undefined;
    if (!Object.values(options).every((value) => typeof value === "string")) return undefined;
    return { fsType: raw.f, createdAt: raw.c, options: options as Record<string, string> };
  } catch {
    return undefined;
  }
}

export interface CreateCloudVolume {
  uid: string;
  /**
   * The backend that makes it (`spec.backend`), which the controller's router
   * (controller/backendRouter.ts) sends the create to; absent: the registry's default.
   */
  backend?: string;
  name: string;
  sizeBytes: number;
  zone: string;
  /** Backend options as validated from `-o` (type, iops, throughput, encrypted, kmsKeyId, snapshot). */
  options: Readonly<Record<string, string>>;
  /** Kept in the `swarmvol/spec` tag with the options, so the entry can be rebuilt from the cloud. */
  fsType?: "ext4" | "xfs";
  createdAt?: string;
  /**
   * A relocation (zonePolicy=follow): the volume is made in `zone` whatever `options.zone`
   * says, from `snapshotId` (none: empty, for a fresh volume) instead of `options.snapshot`,
   * tagged `swarmvol/relocatedFrom` and with the epoch, and keyed by `key`
   * (core/zones.ts relocationCreateKey) instead of the uid alone, so it is a new volume once
   * and the same one on every retry.
   */
  relocation?: { fromVolumeId: string; snapshotId?: string; epoch: number; key: string };
}

export type InstanceState = "pending" | "running" | "stopping" | "stopped" | "shutting-down" | "terminated" | "unknown";

export interface CloudInstance {
  id: string;
  zone: string;
  state: InstanceState;
  /** EC2's SubnetId (absent when EC2 gave none): where an EFS mount target for this node must be (ADR 0027). */
  subnetId?: string;
}

/**
 * The controller-side verbs of one backend (ADR 0027), in block terms because decide()
 * speaks them: create, describe, place on a node (`attach`), release (`detach`), tag the
 * epoch, delete. EBS implements them with EC2 (storage/ebs/ebsCloud.ts); a file share
 * implements `attach` as a placement it records, with no device (storage/efs/efsVolumes.ts).
 * The controller reaches every backend through one `CloudVolumes` that routes each call by
 * the volume's id prefix or, for a create, by `spec.backend` (controller/backendRouter.ts).
 */
export type BackendVolumes = Omit<CloudVolumes, "describeInstances">;

export interface CloudVolumes {
  /** Creates (idempotent by uid: ClientToken) and returns the volume once it is available. */
  create(request: CreateCloudVolume): Promise<CloudVolume>;
  /** Every swarmvol volume, or those with the given ids, in as few calls as possible. */
  describe(ids?: readonly string[]): Promise<CloudVolume[]>;
  /** Attaches and waits until attached; returns the device name requested. */
  attach(volumeId: string, instanceId: string): Promise<CloudAttachment>;
  /** Detaches (forced only when the caller has fenced the instance) and waits until gone. */
  detach(volumeId: string, instanceId: string, options: { force: boolean }): Promise<void>;
  delete(volumeId: string): Promise<void>;
  setTags(volumeId: string, tags: Readonly<Record<string, string>>): Promise<void>;
  describeInstances(ids: readonly string[]): Promise<CloudInstance[]>;
}

/**
 * Growing a volume in place (EBS Elastic Volumes): the cloud half of a resize. The node
 * that mounts the volume grows its filesystem afterwards.
 */
export interface CloudResize {
  /**
   * Asks for at least `sizeBytes` and resolves once the new size is usable (the
   * modification is `optimizing` or `completed`), with the size the volume now has.
   * Idempotent: a volume already that large, or being modified to it, is only waited for.
   * INVALID_ARGUMENT for a smaller size (volumes only grow); CONFLICT, naming the wait,
   * when the cloud takes no modification yet (one runs, or one per six hours); TIMEOUT.
   */
  grow(volumeId: string, sizeBytes: number, timeoutMs: number): Promise<{ sizeBytes: number }>;
}

/**
 * Cutting a node's power: what power fencing (`--fence-mode=power`, ADR 0012) needs from
 * the cloud, as Pacemaker's fence_aws does it: a forced stop, then instance reads until
 * `stopped`. storage/ebs implements it with EC2 StopInstances (Force) and DescribeInstances.
 */
export interface InstancePower {
  /**
   * Sends a forced stop (no clean OS shutdown: the instance cannot finish a write after it)
   * and returns the state the cloud reports right after it, usually `stopping`. Idempotent:
   * an instance already stopping or stopped answers with that state. Throws a domain error
   * (CONFLICT for a state it cannot be stopped from, NOT_FOUND for an unknown instance).
   */
  forceStop(instanceId: string): Promise<InstanceState>;
  /** Batched; instances the cloud does not know are absent from the result. */
  describeInstances(ids: readonly string[]): Promise<CloudInstance[]>;
}

/** Whether an instance in this state is powered off: nothing on it can write any more. */
export function isPoweredOff(state: InstanceState | undefined): boolean {
  return state === "stopped" || state === "terminated";
}

/**
 * Tags swarmvol puts on its snapshots, besides the volume's name, uid and epoch
 * (`cloudTags`): why it was taken, the idempotency key (CreateSnapshot takes no
 * ClientToken), whether the filesystem was frozen for it, and for scheduled ones the
 * schedule and its slot.
 */
export const snapshotTags = {
  reason: "swarmvol/reason",
  key: "swarmvol/key",
  frozen: "swarmvol/frozen",
  schedule: "swarmvol/schedule",
  slot: "swarmvol/slot",
} as const;

/** Why a snapshot was taken: an operator asked, a schedule's slot, before a delete, for a clone, to move to another zone. */
export type SnapshotReason = "manual" | "schedule" | "final" | "clone" | "relocation";
export const snapshotReasons: readonly SnapshotReason[] = ["manual", "schedule", "final", "clone", "relocation"];

export type CloudSnapshotState = "pending" | "completed" | "error";

export interface CloudSnapshot {
  id: string;
  volumeId: string;
  state: CloudSnapshotState;
  /** The cloud's own figure, like `45%`. */
  progress: string;
  /** RFC 3339: the moment the data was captured. */
  startedAt: string;
  sizeBytes: number;
  description: string;
  tags: Readonly<Record<string, string>>;
}

export interface CreateCloudSnapshot {
  volumeId: string;
  /**
   * Idempotency: a snapshot already tagged with this key is returned instead of a new one.
   * Derived from what makes the snapshot unique (the volume's uid and the schedule slot,
   * the final snapshot, a clone's uid), so a retry after a crash or a lost answer finds it.
   */
  key: string;
  description: string;
  /** The volume's name, uid and epoch and the snapshot tags; `snapshotTags.key` is added. */
  tags: Readonly<Record<string, string>>;
  /**
   * Clock ms after which no attempt may be sent (TIMEOUT with `details.until`): a frozen
   * filesystem thaws at its bound, and a capture sent later would not be of a frozen one.
   */
  until?: number;
}

/** Which swarmvol snapshots to list: of one volume name, of one volume uid, or all. */
export interface SnapshotQuery {
  name?: string;
  uid?: string;
}

/**
 * Point-in-time copies of cloud volumes (EBS snapshots). Only snapshots swarmvol made
 * (tagged with a `swarmvol/uid`) are listed or deleted. The capture happens when
 * `createSnapshot` returns: a frozen filesystem may be thawed then, while the copy goes
 * on `pending` in the background.
 */
export interface CloudSnapshots {
  /** Creates (idempotent by `key`) and returns it, usually `pending`. */
  createSnapshot(request: CreateCloudSnapshot): Promise<CloudSnapshot>;
  /** swarmvol's snapshots, oldest first. */
  listSnapshots(query: SnapshotQuery): Promise<CloudSnapshot[]>;
  /** The snapshot, or undefined when it does not exist or is not swarmvol's. */
  getSnapshot(id: string): Promise<CloudSnapshot | undefined>;
  /** Deletes; a snapshot that is already gone counts as deleted; IN_USE when the cloud refuses (an image uses it). */
  deleteSnapshot(id: string): Promise<void>;
  /** Waits until `completed` (a volume can then be restored from it); TIMEOUT or INTERNAL (state error) otherwise. */
  waitCompleted(id: string, timeoutMs: number): Promise<CloudSnapshot>;
}
