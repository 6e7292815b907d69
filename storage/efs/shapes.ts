/** EFS descriptions (the SDK's model) → swarmvol's file share types, and the paged reads. */
import {
  DescribeAccessPointsCommand, DescribeFileSystemsCommand, DescribeMountTargetsCommand,
  type AccessPointDescription, type DescribeAccessPointsCommandOutput, type DescribeFileSystemsCommandOutput,
  type DescribeMountTargetsCommandOutput, type FileSystemDescription, type MountTargetDescription, type Tag,
} from "@aws-sdk/client-efs";
import type { CloudAccessPoint, CloudFileSystem, CloudMountTarget, FileShareState } from "../../core/fileShares.js";
import type { EfsCaller } from "./efsApi.js";

const tagsOf = (tags: readonly Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key as string, t.Value ?? ""]));

const stateOf = (state: string | undefined): FileShareState => (state ?? "error") as FileShareState;

export function toFileSystem(d: FileSystemDescription): CloudFileSystem {
  return {
    id: d.FileSystemId ?? "", creationToken: d.CreationToken ?? "", state: stateOf(d.LifeCycleState),
    mountTargets: d.NumberOfMountTargets ?? 0, tags: tagsOf(d.Tags),
  };
}

export function toAccessPoint(d: AccessPointDescription): CloudAccessPoint {
  return {
    id: d.AccessPointId ?? "", fileSystemId: d.FileSystemId ?? "", clientToken: d.ClientToken ?? "",
    rootPath: d.RootDirectory?.Path ?? "/", state: stateOf(d.LifeCycleState), tags: tagsOf(d.Tags),
  };
}

export function toMountTarget(d: MountTargetDescription): CloudMountTarget {
  return {
    id: d.MountTargetId ?? "", fileSystemId: d.FileSystemId ?? "", subnetId: d.SubnetId ?? "",
    zone: d.AvailabilityZoneName ?? "", ipAddress: d.IpAddress ?? "", state: stateOf(d.LifeCycleState),
  };
}

/** Every page of DescribeFileSystems (100 a page, the most EFS gives). */
export async function allFileSystems(caller: EfsCaller): Promise<CloudFileSystem[]> {
  const out: CloudFileSystem[] = [];
  let marker: string | undefined;
  do {
    const page = await caller.call<DescribeFileSystemsCommandOutput>(new DescribeFileSystemsCommand({ MaxItems: 100, ...(marker === undefined ? {} : { Marker: marker }) }));
    out.push(...(page.FileSystems ?? []).map(toFileSystem));
    marker = page.NextMarker;
  } while (marker !== undefined);
  return out;
}

export async function allAccessPoints(caller: EfsCaller, fileSystemId: string): Promise<CloudAccessPoint[]> {
  const out: CloudAccessPoint[] = [];
  let next: string | undefined;
  do {
    const page = await caller.call<DescribeAccessPointsCommandOutput>(
      new DescribeAccessPointsCommand({ FileSystemId: fileSystemId, MaxResults: 100, ...(next === undefined ? {} : { NextToken: next }) }), { fileSystemId });
    out.push(...(page.AccessPoints ?? []).map(toAccessPoint));
    next = page.NextToken;
  } while (next !== undefined);
  return out;
}

export async function allMountTargets(caller: EfsCaller, fileSystemId: string): Promise<CloudMountTarget[]> {
  const out: CloudMountTarget[] = [];
  let marker: string | undefined;
  do {
    const page = await caller.call<DescribeMountTargetsCommandOutput>(
      new DescribeMountTargetsCommand({ FileSystemId: fileSystemId, MaxItems: 100, ...(marker === undefined ? {} : { Marker: marker }) }), { fileSystemId });
    out.push(...(page.MountTargets ?? []).map(toMountTarget));
    marker = page.NextMarker;
  } while (marker !== undefined);
  return out;
}
