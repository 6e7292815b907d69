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
  zone: string;
  sizeBytes: number;
  state: CloudVolumeState;
  attachments: CloudAttachment[];
  tags: Readonly<Record<string, string>>;
}

/** Tags that make the catalog rebuildable from the cloud alone. */
export const cloudTags = { name: "swarmvol/name", uid: "swarmvol/uid", epoch: "swarmvol/epoch", spec: "swarmvol/spec" } as const;

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
  name: string;
  sizeBytes: number;
  zone: string;
  /** Backend options as validated from `-o` (type, iops, throughput, encrypted, kmsKeyId, snapshot). */
  options: Readonly<Record<string, string>>;
  /** Kept in the `swarmvol/spec` tag with the options, so the entry can be rebuilt from the cloud. */
  fsType?: "ext4" | "xfs";
  createdAt?: string;
}

export type InstanceState = "pending" | "running" | "stopping" | "stopped" | "shutting-down" | "terminated" | "unknown";

export interface CloudInstance {
  id: string;
  zone: string;
  state: InstanceState;
}

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
