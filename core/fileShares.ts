/**
 * File shares (EFS) as the controller and the node see them, in swarmvol's own types: the
 * port storage/efs implements with the EFS API, the pure idempotency keys and tags, and
 * the node-side mount command lines. A volume is an access point (root `/swarmvol/<name>`)
 * on a swarmvol-managed pool file system, or on a file system of its own (dedicated);
 * docs/adr/0025-efs-access-points-and-idempotency-keys.md says why.
 *
 * Every call is idempotent and safe to repeat after a crash or by a new leader: the
 * CreationToken and ClientToken are derived from the pool or the volume uid, so a retry
 * finds what an earlier attempt made instead of making a second one.
 */
import { createHash } from "node:crypto";
import { cloudTags, type CloudInstance } from "./cloud.js";
import { invalidArgument, notFound, unavailable } from "./errors.js";
import type { GrantedShare } from "./nfsShares.js";

export type FileShareState = "creating" | "available" | "updating" | "deleting" | "deleted" | "error";
export type EfsPerformanceMode = "generalPurpose" | "maxIO";
export type EfsThroughputMode = "bursting" | "provisioned" | "elastic";

/** Tags on swarmvol's EFS resources, besides `cloudTags` (name, uid, epoch). Mount targets take no tags. */
export const fileShareTags = {
  /** On every file system swarmvol made: `pool/<pool name>` for a shared pool, `volume` for a dedicated one. */
  share: "swarmvol/share",
  /**
   * `swarmvol/at/<instance id>` on an access point: the node a single-writer volume is
   * placed on (its "attachment", ADR 0027), valued with the epoch it was placed at. A share
   * cannot be detached from a node by the cloud, so this tag is what decide() reads as
   * attached; the leases and fencing keep a stale holder from writing, as for EBS.
   */
  atPrefix: "swarmvol/at/",
} as const;

/** The placement tag of `instanceId`, and the instance a tag key names (undefined for other keys). */
export function placementTag(instanceId: string): string {
  return `${fileShareTags.atPrefix}${instanceId}`;
}

export function placedInstanceOf(tagKey: string): string | undefined {
  return tagKey.startsWith(fileShareTags.atPrefix) && tagKey.length > fileShareTags.atPrefix.length ? tagKey.slice(fileShareTags.atPrefix.length) : undefined;
}

/** Which file system a volume lives on. */
export type FileSystemOwner = { kind: "pool"; pool: string } | { kind: "dedicated"; uid: string; name: string };

export interface FileSystemRequest {
  owner: FileSystemOwner;
  performanceMode: EfsPerformanceMode;
  throughputMode: EfsThroughputMode;
  /** Only with `throughputMode: "provisioned"`. */
  provisionedThroughputMibps?: number;
  encrypted: boolean;
  kmsKeyId?: string;
}

export interface CloudFileSystem {
  id: string;
  creationToken: string;
  state: FileShareState;
  mountTargets: number;
  tags: Readonly<Record<string, string>>;
}

/** The directory an access point is rooted at, made (if missing) with this owner and mode. */
export interface DirectoryOwner {
  uid: number;
  gid: number;
  /** Octal permission digits, e.g. `"0755"`. */
  mode: string;
}

export interface AccessPointRequest {
  fileSystemId: string;
  /** The volume's uid and name: the ClientToken, the tags and the root directory come from them. */
  uid: string;
  name: string;
  owner: DirectoryOwner;
  /** When set, every NFS operation through the access point runs as this user, whoever the client is. */
  posixUser?: { uid: number; gid: number };
  /** More tags to create it with (its spec, storage/efs/specTag.ts), beside accessPointTags'. */
  tags?: Readonly<Record<string, string>>;
}

export interface CloudAccessPoint {
  id: string;
  fileSystemId: string;
  clientToken: string;
  rootPath: string;
  state: FileShareState;
  tags: Readonly<Record<string, string>>;
}

/** A subnet a node is in, where the file system needs a mount target (one per zone serves the zone). */
export interface NodeSubnet {
  subnetId: string;
  zone: string;
}

/**
 * The subnet (and zone) of a node from its EC2 description, for EfsVolumes' `subnetOf`.
 * @throws NOT_FOUND when EC2 does not know the instance; UNAVAILABLE when it gave no subnet
 *   (an instance still pending, or a cloud that does not report one): the placement is retried.
 */
export function nodeSubnetOf(instanceId: string, instance: CloudInstance | undefined): NodeSubnet {
  if (instance === undefined) throw notFound(`instance ${instanceId} is not known to EC2; cannot place a file share on it`, { instanceId });
  if (instance.subnetId === undefined) {
    throw unavailable(`EC2 reports no subnet for instance ${instanceId}, where its EFS mount target must be; retrying`, { instanceId });
  }
  return { subnetId: instance.subnetId, zone: instance.zone };
}

export interface CloudMountTarget {
  id: string;
  fileSystemId: string;
  subnetId: string;
  zone: string;
  ipAddress: string;
  state: FileShareState;
}

/** EFS as the controller sees it. Every `ensure*` returns the resource once it is available. */
export interface FileShares {
  ensureFileSystem(request: FileSystemRequest): Promise<CloudFileSystem>;
  ensureAccessPoint(request: AccessPointRequest): Promise<CloudAccessPoint>;
  /** The zone's mount target, made on first use and reused after; waits until it is available. */
  ensureMountTarget(fileSystemId: string, subnet: NodeSubnet): Promise<CloudMountTarget>;
  /** The file systems swarmvol made (tagged `swarmvol/share`). */
  listFileSystems(): Promise<CloudFileSystem[]>;
  listAccessPoints(fileSystemId: string): Promise<CloudAccessPoint[]>;
  /** One access point by id (one DescribeAccessPoints), or undefined when it is not there. */
  getAccessPoint(accessPointId: string): Promise<CloudAccessPoint | undefined>;
  listMountTargets(fileSystemId: string): Promise<CloudMountTarget[]>;
  /** Deletes the volume's access point; refuses one not tagged with this uid; an absent one is done. */
  deleteAccessPoint(accessPointId: string, uid: string): Promise<void>;
  /** Sets or overwrites tags on an access point (its epoch, its placement); NOT_FOUND when it is not there. */
  tagAccessPoint(accessPointId: string, tags: Readonly<Record<string, string>>): Promise<void>;
  /** Removes tags from an access point; keys it does not have are ignored; NOT_FOUND when it is not there. */
  untagAccessPoint(accessPointId: string, keys: readonly string[]): Promise<void>;
  /**
   * Deletes a file system swarmvol made for `owner` (its CreationToken says so), its mount
   * targets first. Refuses (IN_USE) while it has access points; an absent one is done.
   */
  deleteFileSystem(fileSystemId: string, owner: FileSystemOwner): Promise<void>;
}

/** The steps of making a share, for fault points in tests (a crash right after each). */
export type FileShareStep =
  | "efs.fileSystem.requested" | "efs.fileSystem.available"
  | "efs.accessPoint.requested" | "efs.accessPoint.available"
  | "efs.mountTarget.requested" | "efs.mountTarget.available";

export interface FileShareSteps {
  reached(step: FileShareStep): void;
}

export const noFileShareSteps: FileShareSteps = { reached() {} };

const hash = (text: string, digits: number) => createHash("sha256").update(text).digest("hex").slice(0, digits);

/**
 * The CreationToken of the file system for `owner` (at most 64 characters): the same pool or
 * volume uid always gives the same token, so EFS answers a retry FileSystemAlreadyExists.
 *
 * @example fileSystemToken({ kind: "pool", pool: "default" }) // "swarmvol-pool-…"
 */
export function fileSystemToken(owner: FileSystemOwner): string {
  return owner.kind === "pool" ? `swarmvol-pool-${hash(`pool:${owner.pool}:efs-fs`, 40)}` : `swarmvol-vol-${hash(`${owner.uid}:efs-fs`, 40)}`;
}

/** The ClientToken of a volume's access point: from its uid alone. */
export function accessPointToken(uid: string): string {
  return `swarmvol-ap-${hash(`${uid}:efs-ap`, 40)}`;
}

/** EFS's RootDirectory.Path holds at most 100 characters. */
const maxRootPath = 100;
const rootPrefix = "/swarmvol/";

/** `/swarmvol/<name>`; a name too long for EFS's 100 characters is cut and told apart by a hash. */
export function accessPointRootPath(name: string): string {
  const room = maxRootPath - rootPrefix.length;
  if (name.length <= room) return `${rootPrefix}${name}`;
  return `${rootPrefix}${name.slice(0, room - 17)}-${hash(name, 16)}`;
}

export function fileSystemTags(owner: FileSystemOwner): Record<string, string> {
  if (owner.kind === "pool") return { [fileShareTags.share]: `pool/${owner.pool}` };
  return { [fileShareTags.share]: "volume", [cloudTags.name]: owner.name, [cloudTags.uid]: owner.uid };
}

export function accessPointTags(request: Pick<AccessPointRequest, "uid" | "name">): Record<string, string> {
  return { [cloudTags.name]: request.name, [cloudTags.uid]: request.uid, [cloudTags.epoch]: "0" };
}

/** Validates a directory owner (from `-o uid=… gid=… mode=…`); INVALID_ARGUMENT names the fix. */
export function checkDirectoryOwner(owner: DirectoryOwner): DirectoryOwner {
  const id = (n: number) => Number.isInteger(n) && n >= 0 && n <= 4294967295;
  if (!id(owner.uid) || !id(owner.gid)) throw invalidArgument("uid and gid must be whole numbers from 0 to 4294967295", { owner });
  if (!/^[0-7]{3,4}$/.test(owner.mode)) throw invalidArgument("mode must be 3 or 4 octal digits, like 0755", { owner });
  return owner;
}

/** The AWS-recommended NFS options ("Recommended NFS mount options", EFS user guide). */
export const efsNfsOptions = "nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport";

/** One program and its arguments, run without a shell. */
export interface MountCommand {
  program: string;
  args: string[];
}

/**
 * `mount -t nfs4 -o <recommended>[,extra] ADDR:/PATH TARGET`: a file system (or a path in it)
 * at a mount target's address, or an NFS server's export (core/nfsShares.ts, with the
 * operator's options after the recommended ones, so mount(8)'s last-wins lets them override).
 */
export function nfsMountCommand(address: string, path: string, target: string, extra: readonly string[] = []): MountCommand {
  if (!path.startsWith("/")) throw invalidArgument(`NFS export path ${JSON.stringify(path)} must be absolute`, { path });
  return { program: "mount", args: ["-t", "nfs4", "-o", [efsNfsOptions, ...extra].join(","), `${address}:${path}`, target] };
}

/**
 * `mount -t efs -o tls,accesspoint=fsap-… fs-…:/ TARGET` (amazon-efs-utils): the only way to
 * mount through an access point, which EFS selects inside the TLS session; efs-utils adds
 * the recommended NFS options itself, and `mounttargetip` skips its DNS lookup.
 */
export function efsAccessPointMountCommand(fileSystemId: string, accessPointId: string, target: string, mountTargetIp?: string): MountCommand {
  const options = ["tls", `accesspoint=${accessPointId}`, ...(mountTargetIp === undefined ? [] : [`mounttargetip=${mountTargetIp}`])];
  return { program: "mount", args: ["-t", "efs", "-o", options.join(","), `${fileSystemId}:/`, target] };
}

/** `mount --bind SOURCE TARGET`: the lab's stand-in for the NFS mount (its kernels have no NFS client). */
export function bindMountCommand(source: string, target: string): MountCommand {
  return { program: "mount", args: ["--bind", source, target] };
}

/** What the node mounts: granted by the controller once the share and its mount target are there. */
export interface ShareMount {
  fileSystemId: string;
  accessPointId: string;
  /** The access point's root directory inside the file system (the lab's bind mount needs it). */
  rootPath: string;
  /** The mount target's address in (or serving) the node's zone. */
  mountTargetIp: string;
}

const shareDevicePattern = /^efs:\/\/([^/]+)\/(fs-[0-9a-f]+)\/(fsap-[0-9a-f]+)(\/.*)$/;

/**
 * What a share's grant carries where a block volume's names its device:
 * `efs://<mount target ip>/<fs-…>/<fsap-…><root path>`. The grant is the one message that
 * reaches the node (ADR 0027), so everything the node's mount needs is in it.
 *
 * @example shareDevice({ fileSystemId: "fs-1", accessPointId: "fsap-2", rootPath: "/swarmvol/db", mountTargetIp: "10.0.1.5" })
 * // "efs://10.0.1.5/fs-1/fsap-2/swarmvol/db"
 */
export function shareDevice(share: ShareMount): string {
  return `efs://${share.mountTargetIp}/${share.fileSystemId}/${share.accessPointId}${share.rootPath}`;
}

/** The share a grant's device names, or undefined for a block device path (`/dev/…`). */
export function parseShareDevice(device: string): ShareMount | undefined {
  const match = shareDevicePattern.exec(device);
  if (match === null) return undefined;
  const [, mountTargetIp, fileSystemId, accessPointId, rootPath] = match as unknown as [string, string, string, string, string];
  return { mountTargetIp, fileSystemId, accessPointId, rootPath };
}

/** How the agent mounts file shares (`--share-mounter`): amazon-efs-utils, or the lab's bind mount of its export root. */
export type ShareMounterSetting = { kind: "efs-utils" } | { kind: "bind"; exportRoot: string };

/**
 * `efs-utils` (the default: amazon-efs-utils for EFS, the kernel's `mount -t nfs4` for NFS
 * volumes) or `bind:<absolute export root>` (the lab: its kernels have no NFS client; an NFS
 * volume is bound from `<root>/<server>/<export path>/<directory>`, storage/efs/mounters.ts).
 */
export function parseShareMounterSetting(raw: string | undefined): ShareMounterSetting {
  if (raw === undefined || raw === "efs-utils") return { kind: "efs-utils" };
  const exportRoot = raw.startsWith("bind:") ? raw.slice("bind:".length) : "";
  if (!exportRoot.startsWith("/")) {
    throw invalidArgument(`--share-mounter must be efs-utils or bind:/ABSOLUTE/EXPORT/ROOT (the lab), got ${JSON.stringify(raw)}`, { raw });
  }
  return { kind: "bind", exportRoot };
}

/** The node-side mount step for file shares; the agent's seam between real NFS and the lab. */
export interface ShareMounter {
  /** Mounts the share (an EFS access point or an NFS export's directory) at `target` (made if missing); already mounted there is success. */
  mount(share: GrantedShare, target: string): Promise<void>;
  unmount(target: string): Promise<void>;
  isMounted(target: string): Promise<boolean>;
}
