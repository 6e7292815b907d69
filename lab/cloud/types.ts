/**
 * The emulator's data model. Records are plain JSON so the whole state can be written to
 * one file and read back after a restart. Times are epoch milliseconds from the injected
 * Clock; they become ISO-8601 only when rendered.
 */
import { emptyEfsState, type EfsState } from "./efs/types.js";

export type VolumeStatus = "creating" | "available" | "in-use" | "deleting" | "error";
export type AttachmentStatus = "attaching" | "attached" | "detaching" | "busy";
export type SnapshotStatus = "pending" | "completed" | "error";
export type ModificationState = "modifying" | "optimizing" | "completed" | "failed";
export type InstanceStateName = "pending" | "running" | "shutting-down" | "terminated" | "stopping" | "stopped";

export type Tags = Record<string, string>;

/** One lab node as the emulator sees it: an EC2 instance with its own device directory. */
export interface InstanceSpec {
  /** `i-0` followed by 16 hex digits; generated from the name when absent. */
  instanceId: string;
  /** For example `us-east-1a`. */
  zone: string;
  /** Where this instance's `nvme-Amazon_Elastic_Block_Store_vol…` links are placed. */
  deviceDir: string;
  privateIp: string;
  name: string;
}

export interface AttachmentRecord {
  instanceId: string;
  device: string;
  status: AttachmentStatus;
  attachTime: number;
  /** When the current transition (attaching → attached, detaching → gone) is due. */
  dueAt: number;
  /**
   * The current transition never finishes on its own: a stuck attach stays `attaching`
   * (fault `stickNextAttach`), a stuck detach `detaching` until forced (`stickNextDetach`).
   */
  stuck: boolean;
  forced: boolean;
  /** Whether the DeviceHost has made the device visible on the instance. */
  deviceAttached: boolean;
}

export interface VolumeRecord {
  volumeId: string;
  size: number;
  snapshotId: string;
  zone: string;
  status: VolumeStatus;
  createTime: number;
  /** When `creating` becomes `available`, or `deleting` becomes gone. */
  dueAt: number;
  volumeType: string;
  iops?: number;
  throughput?: number;
  encrypted: boolean;
  kmsKeyId?: string;
  tags: Tags;
  /** At most one: the emulator does not offer Multi-Attach. */
  attachment?: AttachmentRecord;
}

export interface SnapshotRecord {
  snapshotId: string;
  volumeId: string;
  volumeSize: number;
  status: SnapshotStatus;
  startTime: number;
  dueAt: number;
  description: string;
  encrypted: boolean;
  kmsKeyId?: string;
  tags: Tags;
  /**
   * The image (`ami-…`) registered from this snapshot, set through the admin route: the
   * emulator has no RegisterImage, but DeleteSnapshot must be able to answer
   * InvalidSnapshot.InUse as EC2 does for a snapshot behind a registered AMI.
   */
  inUseBy?: string;
}

/**
 * A volume's latest ModifyVolume (EBS Elastic Volumes): `modifying` until `optimizingAt`,
 * when the new size is usable (the device grows), then `optimizing` until `endTime`.
 */
export interface ModificationRecord {
  volumeId: string;
  state: ModificationState;
  originalSize: number;
  targetSize: number;
  originalVolumeType: string;
  targetVolumeType: string;
  originalIops?: number;
  targetIops?: number;
  originalThroughput?: number;
  targetThroughput?: number;
  startTime: number;
  optimizingAt: number;
  endTime: number;
}

export interface InstanceRecord extends InstanceSpec {
  state: InstanceStateName;
  tags: Tags;
  launchTime: number;
  /** When `stopping` becomes `stopped` or `pending` becomes `running` (StopInstances, StartInstances). */
  dueAt?: number;
  /** The stop in progress was sent with Force (no OS shutdown). */
  forcedStop?: boolean;
}

/** What a ClientToken was first used with, so a replay can be answered or refused. */
export interface TokenRecord {
  fingerprint: string;
  volumeId: string;
  /** The volume as first created, rendered with status `deleted` if it is gone. */
  firstSeen: VolumeRecord;
}

/** Everything persisted across a restart. */
export interface CloudState {
  schema: 1;
  volumes: Record<string, VolumeRecord>;
  snapshots: Record<string, SnapshotRecord>;
  instances: Record<string, InstanceRecord>;
  tokens: Record<string, TokenRecord>;
  /** The latest modification of each volume; absent in states saved before ModifyVolume existed. */
  modifications?: Record<string, ModificationRecord>;
  /** File systems, access points and mount targets (absent in files written before EFS). */
  efs: EfsState;
}

export function emptyState(): CloudState {
  return { schema: 1, volumes: {}, snapshots: {}, instances: {}, tokens: {}, modifications: {}, efs: emptyEfsState() };
}

export const ACCOUNT_ID = "123456789012";

export const instanceStateCodes: Readonly<Record<InstanceStateName, number>> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};
