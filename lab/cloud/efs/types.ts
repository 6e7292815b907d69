/**
 * The EFS half of the emulator's data model: file systems, access points and mount targets
 * as plain JSON, persisted in the same `state.json` as the EC2 half. Times are epoch
 * milliseconds from the injected Clock; the wire shows epoch seconds.
 */
import type { Tags } from "../types.js";

/** EFS's LifeCycleState values (file systems, access points and mount targets share them). */
export type EfsLifeCycleState = "creating" | "available" | "updating" | "deleting" | "deleted" | "error";

export type PerformanceMode = "generalPurpose" | "maxIO";
export type ThroughputMode = "bursting" | "provisioned" | "elastic";

export interface FileSystemRecord {
  fileSystemId: string;
  creationToken: string;
  createdAt: number;
  state: EfsLifeCycleState;
  /** When `creating` becomes `available`, or `deleting` becomes gone. */
  dueAt: number;
  performanceMode: PerformanceMode;
  throughputMode: ThroughputMode;
  provisionedThroughputInMibps?: number;
  encrypted: boolean;
  kmsKeyId?: string;
  /** One Zone storage: mount targets only in this zone. */
  availabilityZoneName?: string;
  tags: Tags;
  /** Ganesha's Export_Id for this file system, stable for its life. */
  exportId: number;
}

export interface PosixUserRecord {
  uid: number;
  gid: number;
  secondaryGids?: number[];
}

export interface CreationInfoRecord {
  ownerUid: number;
  ownerGid: number;
  /** Octal, as sent: `"0755"`. */
  permissions: string;
}

export interface AccessPointRecord {
  accessPointId: string;
  fileSystemId: string;
  clientToken: string;
  createdAt: number;
  state: EfsLifeCycleState;
  dueAt: number;
  posixUser?: PosixUserRecord;
  /** `/` when the request named none. */
  rootPath: string;
  creationInfo?: CreationInfoRecord;
  tags: Tags;
  exportId: number;
}

export interface MountTargetRecord {
  mountTargetId: string;
  fileSystemId: string;
  subnetId: string;
  zone: string;
  ipAddress: string;
  networkInterfaceId: string;
  securityGroups: string[];
  createdAt: number;
  state: EfsLifeCycleState;
  dueAt: number;
}

export interface EfsState {
  fileSystems: Record<string, FileSystemRecord>;
  accessPoints: Record<string, AccessPointRecord>;
  mountTargets: Record<string, MountTargetRecord>;
}

export function emptyEfsState(): EfsState {
  return { fileSystems: {}, accessPoints: {}, mountTargets: {} };
}

/** A VPC subnet a mount target can be created in. */
export interface SubnetSpec {
  subnetId: string;
  zone: string;
  /** IPv4 CIDR the mount targets' addresses come from, e.g. `172.31.0.0/20`. */
  cidr: string;
  vpcId: string;
}
