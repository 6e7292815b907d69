/**
 * EFS records → the JSON shapes of the SDK's model (FileSystemDescription,
 * AccessPointDescription, MountTargetDescription). Times are epoch seconds as JSON
 * numbers, which the SDK parses into Dates.
 */
import type { CloudEngine } from "../engine.js";
import { ACCOUNT_ID } from "../types.js";
import { tagsJson } from "./body.js";
import { zoneIdOf } from "./subnets.js";
import type { AccessPointRecord, FileSystemRecord, MountTargetRecord } from "./types.js";

/** EFS meters an empty file system at 6 KiB; the emulator reports that, not the directory's use. */
const EMPTY_SIZE = 6144;

export const epochSeconds = (ms: number) => ms / 1000;

export function fileSystemArn(engine: CloudEngine, id: string): string {
  return `arn:aws:elasticfilesystem:${engine.region}:${ACCOUNT_ID}:file-system/${id}`;
}

export function accessPointArn(engine: CloudEngine, id: string): string {
  return `arn:aws:elasticfilesystem:${engine.region}:${ACCOUNT_ID}:access-point/${id}`;
}

export function mountTargetCount(engine: CloudEngine, fileSystemId: string): number {
  return Object.values(engine.state.efs.mountTargets).filter((m) => m.fileSystemId === fileSystemId).length;
}

export function fileSystemJson(engine: CloudEngine, fs: FileSystemRecord): Record<string, unknown> {
  const zone = fs.availabilityZoneName;
  return {
    OwnerId: ACCOUNT_ID,
    CreationToken: fs.creationToken,
    FileSystemId: fs.fileSystemId,
    FileSystemArn: fileSystemArn(engine, fs.fileSystemId),
    CreationTime: epochSeconds(fs.createdAt),
    LifeCycleState: fs.state,
    ...(fs.tags.Name === undefined ? {} : { Name: fs.tags.Name }),
    NumberOfMountTargets: mountTargetCount(engine, fs.fileSystemId),
    SizeInBytes: { Value: EMPTY_SIZE, Timestamp: epochSeconds(engine.now()), ValueInIA: 0, ValueInStandard: EMPTY_SIZE, ValueInArchive: 0 },
    PerformanceMode: fs.performanceMode,
    Encrypted: fs.encrypted,
    ...(fs.kmsKeyId === undefined ? {} : { KmsKeyId: fs.kmsKeyId }),
    ThroughputMode: fs.throughputMode,
    ...(fs.provisionedThroughputInMibps === undefined ? {} : { ProvisionedThroughputInMibps: fs.provisionedThroughputInMibps }),
    ...(zone === undefined ? {} : { AvailabilityZoneName: zone, AvailabilityZoneId: zoneIdOf(zone) }),
    Tags: tagsJson(fs.tags),
    FileSystemProtection: { ReplicationOverwriteProtection: "ENABLED" },
  };
}

export function accessPointJson(engine: CloudEngine, ap: AccessPointRecord): Record<string, unknown> {
  const info = ap.creationInfo;
  return {
    ClientToken: ap.clientToken,
    ...(ap.tags.Name === undefined ? {} : { Name: ap.tags.Name }),
    Tags: tagsJson(ap.tags),
    AccessPointId: ap.accessPointId,
    AccessPointArn: accessPointArn(engine, ap.accessPointId),
    FileSystemId: ap.fileSystemId,
    ...(ap.posixUser === undefined ? {} : {
      PosixUser: { Uid: ap.posixUser.uid, Gid: ap.posixUser.gid, ...(ap.posixUser.secondaryGids === undefined ? {} : { SecondaryGids: ap.posixUser.secondaryGids }) },
    }),
    RootDirectory: {
      Path: ap.rootPath,
      ...(info === undefined ? {} : { CreationInfo: { OwnerUid: info.ownerUid, OwnerGid: info.ownerGid, Permissions: info.permissions } }),
    },
    OwnerId: ACCOUNT_ID,
    LifeCycleState: ap.state,
  };
}

export function mountTargetJson(engine: CloudEngine, mt: MountTargetRecord): Record<string, unknown> {
  const subnet = engine.efs.subnets.find((s) => s.subnetId === mt.subnetId);
  return {
    OwnerId: ACCOUNT_ID,
    MountTargetId: mt.mountTargetId,
    FileSystemId: mt.fileSystemId,
    SubnetId: mt.subnetId,
    LifeCycleState: mt.state,
    IpAddress: mt.ipAddress,
    NetworkInterfaceId: mt.networkInterfaceId,
    AvailabilityZoneId: zoneIdOf(mt.zone),
    AvailabilityZoneName: mt.zone,
    ...(subnet === undefined ? {} : { VpcId: subnet.vpcId }),
  };
}
