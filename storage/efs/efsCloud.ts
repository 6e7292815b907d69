/**
 * FileShares on the EFS API. Idempotent by construction, so a retry, a crash between two
 * steps or a new leader converges on the same objects (docs/adr/0025):
 * - a file system is found by its CreationToken (derived from the pool, or the volume uid);
 *   created only when none has it, and FileSystemAlreadyExists (a lost answer, a racing
 *   leader) is adopted by the id it carries;
 * - an access point is created with its ClientToken (from the volume uid) and
 *   AccessPointAlreadyExists adopted the same way;
 * - a mount target is looked up per zone first (EFS allows one per zone and takes no token);
 *   MountTargetConflict means another attempt made it, so it is looked up again.
 * Each `ensure*` then polls Describe on the injected Clock until the object is available.
 */
import {
  CreateAccessPointCommand, CreateFileSystemCommand, CreateMountTargetCommand, DeleteAccessPointCommand, DeleteFileSystemCommand,
  DeleteMountTargetCommand, DescribeAccessPointsCommand, DescribeFileSystemsCommand, TagResourceCommand, UntagResourceCommand,
  type CreateAccessPointCommandOutput, type CreateFileSystemCommandOutput, type CreateMountTargetCommandOutput,
  type DescribeAccessPointsCommandOutput, type DescribeFileSystemsCommandOutput,
} from "@aws-sdk/client-efs";
import { cloudTags } from "../../core/cloud.js";
import { conflict, inUse, internal, isSwarmvolError, timeout, unsafe, ErrorCode } from "../../core/errors.js";
import {
  accessPointRootPath, accessPointTags, accessPointToken, fileShareTags, fileSystemTags, fileSystemToken, noFileShareSteps,
  type AccessPointRequest, type CloudAccessPoint, type CloudFileSystem, type CloudMountTarget, type FileShares, type FileShareState,
  type FileShareSteps, type FileSystemOwner, type FileSystemRequest, type NodeSubnet,
} from "../../core/fileShares.js";
import { silentLogger, type Clock, type Logger, type Timers } from "../../core/ports.js";
import { defaultRetryPolicy, Ec2CallCounter, type RetryPolicy } from "../ebs/ec2Api.js";
import { pollUntil, type PollPolicy } from "../ebs/waiters.js";
import { EfsCaller, type EfsApi } from "./efsApi.js";
import { efsCodeOf, existingIdOf } from "./errors.js";
import { allAccessPoints, allFileSystems, allMountTargets, toAccessPoint, toFileSystem, toMountTarget } from "./shapes.js";

export interface EfsCloudOptions {
  logger?: Logger;
  retry?: RetryPolicy;
  random?: () => number;
  /** Where attempt deadlines are armed. @default realTimers */
  timers?: Timers;
  /** Polls of a transition. @default { initialMs: 250, maxMs: 5000 } */
  poll?: PollPolicy;
  /** Security groups of new mount targets (they must allow NFS, TCP 2049, from the nodes). @default the VPC's default group */
  securityGroups?: readonly string[];
  /** Fault points: called right after each step (tests crash there). */
  steps?: FileShareSteps;
  /** @default 300_000 */
  fileSystemTimeoutMs?: number;
  /** @default 120_000 */
  accessPointTimeoutMs?: number;
  /** EFS mount targets take a minute or two. @default 600_000 */
  mountTargetTimeoutMs?: number;
}

type Settled<T> = T & { state: FileShareState };

export class EfsCloud implements FileShares {
  /** Every EFS request sent, by action (each attempt). */
  readonly calls = new Ec2CallCounter();
  private readonly caller: EfsCaller;
  private readonly logger: Logger;
  private readonly steps: FileShareSteps;
  private readonly poll: PollPolicy;

  constructor(client: EfsApi, private readonly clock: Clock, private readonly options: EfsCloudOptions = {}) {
    this.logger = options.logger ?? silentLogger;
    this.steps = options.steps ?? noFileShareSteps;
    this.poll = options.poll ?? { initialMs: 250, maxMs: 5000 };
    this.caller = new EfsCaller({
      client, clock, logger: this.logger, counter: this.calls, retry: options.retry ?? defaultRetryPolicy,
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.timers === undefined ? {} : { timers: options.timers }),
    });
  }

  async ensureFileSystem(request: FileSystemRequest): Promise<CloudFileSystem> {
    const token = fileSystemToken(request.owner);
    const found = await this.caller.call<DescribeFileSystemsCommandOutput>(new DescribeFileSystemsCommand({ CreationToken: token }));
    const existing = found.FileSystems?.[0];
    const fs = existing === undefined ? await this.createFileSystem(request, token) : toFileSystem(existing);
    const ready = await this.until(fs, () => this.describeFileSystem(fs.id), this.options.fileSystemTimeoutMs ?? 300_000, `file system ${fs.id}`);
    this.steps.reached("efs.fileSystem.available");
    return ready;
  }

  private async createFileSystem(request: FileSystemRequest, token: string): Promise<CloudFileSystem> {
    try {
      const out = await this.caller.call<CreateFileSystemCommandOutput>(new CreateFileSystemCommand({
        CreationToken: token, PerformanceMode: request.performanceMode, ThroughputMode: request.throughputMode,
        ...(request.provisionedThroughputMibps === undefined ? {} : { ProvisionedThroughputInMibps: request.provisionedThroughputMibps }),
        Encrypted: request.encrypted, ...(request.kmsKeyId === undefined ? {} : { KmsKeyId: request.kmsKeyId }),
        Tags: tagList(fileSystemTags(request.owner)),
      }));
      this.logger.info({ fileSystemId: out.FileSystemId, owner: request.owner }, "efs file system created");
      this.steps.reached("efs.fileSystem.requested");
      return toFileSystem(out);
    } catch (err) {
      const id = existingIdOf(err);
      if (efsCodeOf(err) !== "FileSystemAlreadyExists" || id === undefined) throw err;
      return this.describeFileSystem(id); // an earlier attempt's answer was lost, or another leader made it
    }
  }

  async ensureAccessPoint(request: AccessPointRequest): Promise<CloudAccessPoint> {
    const ap = await this.createAccessPoint(request);
    if (ap.fileSystemId !== request.fileSystemId) {
      throw conflict(`access point ${ap.id} of volume ${request.name} is on file system ${ap.fileSystemId}, not ${request.fileSystemId}`, { accessPointId: ap.id });
    }
    const ready = await this.until(ap, () => this.describeAccessPoint(ap.id), this.options.accessPointTimeoutMs ?? 120_000, `access point ${ap.id}`);
    this.steps.reached("efs.accessPoint.available");
    return ready;
  }

  private async createAccessPoint(request: AccessPointRequest): Promise<CloudAccessPoint> {
    const { owner, posixUser } = request;
    try {
      const out = await this.caller.call<CreateAccessPointCommandOutput>(new CreateAccessPointCommand({
        FileSystemId: request.fileSystemId, ClientToken: accessPointToken(request.uid), Tags: tagList({ ...request.tags, ...accessPointTags(request) }),
        RootDirectory: { Path: accessPointRootPath(request.name), CreationInfo: { OwnerUid: owner.uid, OwnerGid: owner.gid, Permissions: owner.mode } },
        ...(posixUser === undefined ? {} : { PosixUser: { Uid: posixUser.uid, Gid: posixUser.gid } }),
      }), { fileSystemId: request.fileSystemId });
      this.logger.info({ accessPointId: out.AccessPointId, name: request.name, uid: request.uid }, "efs access point created");
      this.steps.reached("efs.accessPoint.requested");
      return toAccessPoint(out);
    } catch (err) {
      const id = existingIdOf(err);
      if (efsCodeOf(err) !== "AccessPointAlreadyExists" || id === undefined) throw err;
      return this.describeAccessPoint(id);
    }
  }

  async ensureMountTarget(fileSystemId: string, subnet: NodeSubnet): Promise<CloudMountTarget> {
    let mt = await this.zoneTarget(fileSystemId, subnet.zone);
    if (mt === undefined) mt = await this.createMountTarget(fileSystemId, subnet);
    const id = mt.id;
    const probe = async () => (await this.zoneTarget(fileSystemId, subnet.zone)) ?? { ...mt, state: "deleted" as const };
    const ready = await this.until(mt, probe, this.options.mountTargetTimeoutMs ?? 600_000, `mount target ${id}`);
    this.steps.reached("efs.mountTarget.available");
    return ready;
  }

  private async createMountTarget(fileSystemId: string, subnet: NodeSubnet): Promise<CloudMountTarget> {
    const groups = this.options.securityGroups;
    try {
      const out = await this.caller.call<CreateMountTargetCommandOutput>(new CreateMountTargetCommand({
        FileSystemId: fileSystemId, SubnetId: subnet.subnetId, ...(groups === undefined ? {} : { SecurityGroups: [...groups] }),
      }), { fileSystemId, subnetId: subnet.subnetId });
      this.logger.info({ fileSystemId, mountTargetId: out.MountTargetId, subnetId: subnet.subnetId, zone: subnet.zone }, "efs mount target created");
      this.steps.reached("efs.mountTarget.requested");
      return toMountTarget(out);
    } catch (err) {
      if (efsCodeOf(err) !== "MountTargetConflict") throw err;
      const made = await this.zoneTarget(fileSystemId, subnet.zone); // an earlier attempt (or leader) made it
      if (made === undefined) throw err;
      return made;
    }
  }

  /** The file system's mount target in `zone` (EFS allows one per zone), unless it is being deleted. */
  private async zoneTarget(fileSystemId: string, zone: string): Promise<CloudMountTarget | undefined> {
    return (await allMountTargets(this.caller, fileSystemId)).find((m) => m.zone === zone && m.state !== "deleting" && m.state !== "deleted");
  }

  async listFileSystems(): Promise<CloudFileSystem[]> {
    return (await allFileSystems(this.caller)).filter((fs) => fs.tags[fileShareTags.share] !== undefined);
  }

  listAccessPoints(fileSystemId: string): Promise<CloudAccessPoint[]> {
    return allAccessPoints(this.caller, fileSystemId);
  }

  getAccessPoint(accessPointId: string): Promise<CloudAccessPoint | undefined> {
    return this.describeAccessPoint(accessPointId).catch(absentAsUndefined);
  }

  listMountTargets(fileSystemId: string): Promise<CloudMountTarget[]> {
    return allMountTargets(this.caller, fileSystemId);
  }

  async deleteAccessPoint(accessPointId: string, uid: string): Promise<void> {
    const ap = await this.describeAccessPoint(accessPointId).catch(absentAsUndefined);
    if (ap === undefined) return;
    if (ap.tags[cloudTags.uid] !== uid) {
      throw unsafe(`access point ${accessPointId} is not volume ${uid}'s (its ${cloudTags.uid} tag is ${JSON.stringify(ap.tags[cloudTags.uid] ?? null)}); not deleting it`, { accessPointId });
    }
    await this.caller.call(new DeleteAccessPointCommand({ AccessPointId: accessPointId }), { accessPointId }).catch(absentAsUndefined);
    this.logger.info({ accessPointId, uid }, "efs access point deleted");
  }

  async tagAccessPoint(accessPointId: string, tags: Readonly<Record<string, string>>): Promise<void> {
    await this.caller.call(new TagResourceCommand({ ResourceId: accessPointId, Tags: tagList({ ...tags }) }), { accessPointId });
  }

  async untagAccessPoint(accessPointId: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.caller.call(new UntagResourceCommand({ ResourceId: accessPointId, TagKeys: [...keys] }), { accessPointId });
  }

  async deleteFileSystem(fileSystemId: string, owner: FileSystemOwner): Promise<void> {
    const fs = await this.describeFileSystem(fileSystemId).catch(absentAsUndefined);
    if (fs === undefined || fs.state === "deleting" || fs.state === "deleted") return;
    if (fs.creationToken !== fileSystemToken(owner)) throw unsafe(`file system ${fileSystemId} was not made by swarmvol for this owner; not deleting it`, { fileSystemId });
    const aps = await allAccessPoints(this.caller, fileSystemId);
    if (aps.length > 0) throw inUse(`file system ${fileSystemId} still has ${aps.length} access point(s)`, { fileSystemId, accessPoints: aps.map((a) => a.id) });
    for (const mt of await allMountTargets(this.caller, fileSystemId)) {
      if (mt.state === "deleting") continue;
      await this.caller.call(new DeleteMountTargetCommand({ MountTargetId: mt.id }), { fileSystemId, mountTargetId: mt.id }).catch(absentAsUndefined);
    }
    const gone = await pollUntil(this.clock, { ...this.poll, timeoutMs: this.options.mountTargetTimeoutMs ?? 600_000 },
      async () => ((await allMountTargets(this.caller, fileSystemId)).length === 0 ? true : undefined));
    if (gone === undefined) throw timeout(`file system ${fileSystemId}: its mount targets are still being deleted`, { fileSystemId });
    await this.caller.call(new DeleteFileSystemCommand({ FileSystemId: fileSystemId }), { fileSystemId }).catch(absentAsUndefined);
    this.logger.info({ fileSystemId }, "efs file system deleted");
  }

  private async describeFileSystem(id: string): Promise<CloudFileSystem> {
    const out = await this.caller.call<DescribeFileSystemsCommandOutput>(new DescribeFileSystemsCommand({ FileSystemId: id }), { fileSystemId: id });
    const d = out.FileSystems?.[0];
    if (d === undefined) throw internal(`EFS DescribeFileSystems answered no file system for ${id}`, { fileSystemId: id });
    return toFileSystem(d);
  }

  private async describeAccessPoint(id: string): Promise<CloudAccessPoint> {
    const out = await this.caller.call<DescribeAccessPointsCommandOutput>(new DescribeAccessPointsCommand({ AccessPointId: id }), { accessPointId: id });
    const d = out.AccessPoints?.[0];
    if (d === undefined) throw internal(`EFS DescribeAccessPoints answered no access point for ${id}`, { accessPointId: id });
    return toAccessPoint(d);
  }

  /** Polls until available; `error` is INTERNAL, being deleted (or gone) a retryable CONFLICT, too slow TIMEOUT. */
  private async until<T>(first: Settled<T>, probe: () => Promise<Settled<T>>, timeoutMs: number, what: string): Promise<Settled<T>> {
    let current = first;
    const settle = (r: Settled<T>): Settled<T> | undefined => {
      if (r.state === "available") return r;
      if (r.state === "creating" || r.state === "updating") return undefined;
      if (r.state === "error") throw internal(`${what} is in the error state; delete it so swarmvol can make it again`, { what });
      throw conflict(`${what} is ${r.state}; a new one is made once it is gone`, { what });
    };
    if (settle(current) !== undefined) return current;
    const ready = await pollUntil(this.clock, { ...this.poll, timeoutMs }, async () => settle((current = await probe())));
    if (ready === undefined) throw timeout(`${what} still ${current.state} after ${timeoutMs} ms`, { what });
    return ready;
  }
}

function tagList(tags: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** A delete or describe of something already gone is done. */
function absentAsUndefined(err: unknown): undefined {
  if (isSwarmvolError(err, ErrorCode.NotFound)) return undefined;
  throw err;
}
