/**
 * CloudVolumes on EBS: the controller's only way to create, move and delete volumes.
 * Every method is safe to repeat after a crash: create is keyed by a ClientToken derived
 * from the volume uid, attach adopts an attachment that already exists, detach and delete
 * treat "already gone" as success. Waits for EBS transitions are TransitionWaits: learned
 * first probes, and one DescribeVolumes per round for all concurrent waits.
 */
import { createHash } from "node:crypto";
import {
  AttachVolumeCommand, CreateTagsCommand, CreateVolumeCommand, DeleteVolumeCommand,
  type CreateVolumeCommandOutput,
} from "@aws-sdk/client-ec2";
import {
  cloudTags, specTagOf, type CloudAttachment, type CloudInstance, type CloudVolume, type CloudVolumes, type CreateCloudVolume, type InstancePower, type InstanceState,
} from "../../core/cloud.js";
import { conflict, inUse, internal, isSwarmvolError, notFound, timeout } from "../../core/errors.js";
import { silentLogger, type Clock, type Logger } from "../../core/ports.js";
import { describeInstances, describeVolumes, toCloudVolume } from "./describe.js";
import { DeviceAllocator } from "./deviceAllocator.js";
import { defaultRetryPolicy, Ec2CallCounter, Ec2Caller, type Ec2Api, type RetryPolicy } from "./ec2Api.js";
import { awsCodeOf } from "./errors.js";
import { parseEbsOptions, toGiB } from "./options.js";
import { forceStopInstance } from "./power.js";
import { ReadCoalescer } from "./readCoalescer.js";
import { TransitionWaits } from "./transitionWaits.js";
import { defaultPollPolicy, type PollPolicy } from "./waiters.js";
import { Detaches } from "./detaches.js";
import { EbsResize } from "./resize.js";
import { EbsSnapshots } from "./snapshots.js";

export interface EbsCloudOptions {
  retry?: Partial<RetryPolicy>;
  poll?: Partial<PollPolicy>;
  /** How long a new volume may stay `creating`. @default 300_000 */
  createTimeoutMs?: number;
  /** An attach still `attaching` after this is aborted (ebs-csi-driver uses 90 s too). @default 90_000 */
  stuckAttachMs?: number;
  /** How long a detach may take (a `busy` one waits for the node to unmount). @default 120_000 */
  detachTimeoutMs?: number;
  /** An unforced detach still `detaching` (not `busy`) after this is forced. @default stuckAttachMs */
  stuckDetachMs?: number;
  /** Other device names tried after an "already in use" answer. @default 3 */
  deviceRetries?: number;
  allocator?: DeviceAllocator;
  counter?: Ec2CallCounter;
  /** For the retry jitter. @default Math.random */
  random?: () => number;
}

/** The idempotency token for a volume's CreateVolume: the same uid always gives the same token. */
export function createToken(uid: string): string {
  return createHash("sha256").update(`${uid}:create`).digest("hex").slice(0, 64);
}

export class EbsCloud implements CloudVolumes, InstancePower {
  /** Every EC2 request sent, by action: what benchmarks report. */
  readonly calls: Ec2CallCounter;
  readonly allocator: DeviceAllocator;
  private readonly caller: Ec2Caller;
  private readonly settings: Required<Pick<EbsCloudOptions, "createTimeoutMs" | "stuckAttachMs" | "detachTimeoutMs" | "stuckDetachMs" | "deviceRetries">>;
  /** EBS transition waits: learned first probes, shared probe rounds. */
  private readonly waits: TransitionWaits;
  /** Probes of concurrent waits, one DescribeVolumes per round. */
  private readonly reads: ReadCoalescer;
  /** DetachVolume and its wait (a stuck detach is forced). */
  private readonly detaches: Detaches;
  /** Snapshots of these volumes (CloudSnapshots), over the same caller and counter. */
  readonly snapshots: EbsSnapshots;
  /** Growing volumes in place (ModifyVolume). */
  readonly resize: EbsResize;
  /** The device we attached each volume with, so a detach can rest the name. */
  private readonly devices = new Map<string, { instanceId: string; device: string }>();

  constructor(client: Ec2Api, private readonly clock: Clock, private readonly logger: Logger = silentLogger, options: EbsCloudOptions = {}) {
    this.calls = options.counter ?? new Ec2CallCounter();
    this.allocator = options.allocator ?? new DeviceAllocator();
    this.waits = new TransitionWaits(clock, { ...defaultPollPolicy, ...options.poll });
    this.settings = {
      createTimeoutMs: options.createTimeoutMs ?? 300_000,
      stuckAttachMs: options.stuckAttachMs ?? 90_000,
      detachTimeoutMs: options.detachTimeoutMs ?? 120_000,
      stuckDetachMs: options.stuckDetachMs ?? options.stuckAttachMs ?? 90_000,
      deviceRetries: options.deviceRetries ?? 3,
    };
    this.caller = new Ec2Caller({
      client, clock, logger, counter: this.calls, retry: { ...defaultRetryPolicy, ...options.retry },
      ...(options.random === undefined ? {} : { random: options.random }),
    });
    this.reads = new ReadCoalescer((ids) => describeVolumes(this.caller, ids));
    this.detaches = new Detaches({ caller: this.caller, reads: this.reads, waits: this.waits, clock, logger, ...this.settings });
    this.resize = new EbsResize({ caller: this.caller, clock, logger });
    this.snapshots = new EbsSnapshots({ caller: this.caller, clock, logger, retry: { ...defaultRetryPolicy, ...options.retry }, random: options.random ?? Math.random });
  }

  /**
   * Creates the volume and waits until it is available. The zone is `options.zone` when the
   * user gave one, else `request.zone` (the first node that needs it; for a relocation
   * always). Without `size`, a snapshot restore gets the snapshot's size, once the snapshot
   * is `completed` (a clone's or a relocation's was taken a moment ago).
   */
  async create(request: CreateCloudVolume): Promise<CloudVolume> {
    const opts = parseEbsOptions(request.options);
    // A relocation goes to the task's zone, from its own snapshot (none: a fresh volume, empty).
    const relocation = request.relocation;
    const snapshotId = relocation ? relocation.snapshotId : opts.snapshotId;
    if (snapshotId !== undefined) await this.snapshots.waitCompleted(snapshotId, this.settings.createTimeoutMs);
    const zone = relocation ? request.zone : opts.zone ?? request.zone;
    const size = request.sizeBytes > 0 ? toGiB(request.sizeBytes) : snapshotId === undefined ? opts.sizeGiB ?? 1 : undefined;
    const out = await this.caller.call<CreateVolumeCommandOutput>(new CreateVolumeCommand({
      AvailabilityZone: zone,
      Size: size,
      VolumeType: opts.type,
      Iops: opts.iops,
      Throughput: opts.throughput,
      Encrypted: opts.encrypted || undefined,
      KmsKeyId: opts.kmsKeyId,
      SnapshotId: snapshotId,
      ClientToken: createToken(relocation?.key ?? request.uid),
      TagSpecifications: [{
        ResourceType: "volume",
        Tags: [
          { Key: cloudTags.name, Value: request.name },
          { Key: cloudTags.uid, Value: request.uid },
          { Key: cloudTags.epoch, Value: String(relocation?.epoch ?? 0) },
          ...(relocation ? [{ Key: cloudTags.relocatedFrom, Value: relocation.fromVolumeId }] : []),
          ...specTags(request),
        ],
      }],
    }));
    const created = toCloudVolume(out);
    this.logger.info({ volumeId: created.id, name: request.name, uid: request.uid, zone }, "ebs volume created");
    if (created.state === "available") return created;
    return this.waitAvailable(created.id);
  }

  private async waitAvailable(volumeId: string): Promise<CloudVolume> {
    const volume = await this.waits.wait("create", this.settings.createTimeoutMs, async () => {
      // Absent right after CreateVolume is eventual consistency, not failure: keep polling.
      const v = await this.reads.read(volumeId);
      if (v?.state === "error") throw internal(`EBS volume ${volumeId} went to state error while creating; delete it and create again`, { volumeId });
      return v?.state === "available" ? v : undefined;
    });
    if (volume === undefined) {
      throw timeout(`EBS volume ${volumeId} not available after ${this.settings.createTimeoutMs} ms; create will be retried`, { volumeId });
    }
    return volume;
  }

  /**
   * Batched: ceil(V/500) calls; a few ids go through the ReadCoalescer, so the reconciles a
   * burst runs side by side share one call. Also teaches the device allocator what is
   * attached where.
   */
  async describe(ids?: readonly string[]): Promise<CloudVolume[]> {
    const volumes = ids !== undefined && ids.length <= 10
      ? (await Promise.all([...new Set(ids)].map((id) => this.reads.read(id)))).filter((volume): volume is CloudVolume => volume !== undefined)
      : await describeVolumes(this.caller, ids);
    const attachments = volumes.flatMap((v) => v.attachments.map((a) => ({ instanceId: a.instanceId, device: a.device })));
    this.allocator.observe(attachments, this.clock.now(), ids === undefined);
    return volumes;
  }

  /**
   * Attaches with a fresh device name and waits until `attached`. A name EC2 calls in use is
   * marked bad and another tried; an attach stuck in `attaching` for `stuckAttachMs` is
   * detached and fails with a retryable TIMEOUT. Adopts an attachment to this instance that
   * already exists; refuses (IN_USE, naming the holder) one to another instance.
   */
  async attach(volumeId: string, instanceId: string): Promise<CloudAttachment> {
    const context = { volumeId, instanceId };
    for (let attempt = 0; ; attempt++) {
      const device = this.allocator.allocate(instanceId, this.clock.now());
      try {
        await this.caller.call(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: device }), context);
      } catch (err) {
        if (isSwarmvolError(err, "CONFLICT") && awsCodeOf(err) === "InvalidParameterValue") {
          this.allocator.markBad(instanceId, device, this.clock.now());
          this.logger.warn({ ...context, device }, "ebs device name in use; trying another");
          if (attempt < this.settings.deviceRetries) continue;
          throw err;
        }
        this.allocator.cancel(instanceId, device);
        const code = awsCodeOf(err);
        if (code === "VolumeInUse" || code === "IncorrectState") return this.adoptAttachment(volumeId, instanceId, err);
        throw err;
      }
      this.remember(volumeId, instanceId, device);
      return this.waitAttached(volumeId, instanceId, device);
    }
  }

  private remember(volumeId: string, instanceId: string, device: string): void {
    this.allocator.markInUse(instanceId, device);
    this.devices.set(volumeId, { instanceId, device });
  }

  /** AttachVolume refused because the volume is attached: ours (finish waiting) or someone else's. */
  private async adoptAttachment(volumeId: string, instanceId: string, cause: unknown): Promise<CloudAttachment> {
    const volume = await this.reads.read(volumeId);
    if (volume === undefined) throw notFound(`EBS volume ${volumeId} does not exist`, { volumeId }, cause);
    const mine = volume.attachments.find((a) => a.instanceId === instanceId);
    if (mine !== undefined && mine.state !== "detaching") {
      this.remember(volumeId, instanceId, mine.device);
      return mine.state === "attached" ? mine : this.waitAttached(volumeId, instanceId, mine.device);
    }
    const holder = volume.attachments.find((a) => a.instanceId !== instanceId);
    if (holder !== undefined) {
      throw inUse(`EBS volume ${volumeId} is attached to instance ${holder.instanceId} (${holder.state}); detach it there first`,
        { volumeId, instanceId, holder: holder.instanceId }, cause);
    }
    throw conflict(`EBS volume ${volumeId} cannot be attached while ${volume.state}; retry shortly`, { volumeId, instanceId, state: volume.state }, cause);
  }

  private async waitAttached(volumeId: string, instanceId: string, device: string): Promise<CloudAttachment> {
    const attached = await this.waits.wait("attach", this.settings.stuckAttachMs, async () => {
      const volume = await this.reads.read(volumeId);
      if (volume === undefined) throw notFound(`EBS volume ${volumeId} vanished while attaching`, { volumeId, instanceId });
      const mine = volume.attachments.find((a) => a.instanceId === instanceId);
      if (mine === undefined || mine.state === "detaching") {
        throw conflict(`EBS volume ${volumeId} was detached from ${instanceId} while attaching; retry the attach`, { volumeId, instanceId });
      }
      return mine.state === "attached" ? mine : undefined;
    });
    if (attached !== undefined) {
      this.logger.info({ volumeId, instanceId, device: attached.device }, "ebs volume attached");
      return attached;
    }
    return this.abortStuckAttach(volumeId, instanceId, device);
  }

  /**
   * ebs-csi-driver's remedy: detach, never reuse the name soon, and let the caller retry.
   * The detach is forced from the start (ADR 0013): an attach that never completed was never
   * granted, so nothing mounted it, and an unforced detach of it may stick as well (the soak
   * saw both stick in one move: 90 s more).
   */
  private async abortStuckAttach(volumeId: string, instanceId: string, device: string): Promise<never> {
    this.logger.warn({ volumeId, instanceId, device, afterMs: this.settings.stuckAttachMs }, "ebs attach stuck; detaching");
    this.allocator.markBad(instanceId, device, this.clock.now());
    this.devices.delete(volumeId);
    let detached = "detached";
    try {
      await this.detaches.detachAndWait(volumeId, instanceId, true);
    } catch (err) {
      detached = `detach failed too: ${(err as Error).message}`;
    }
    throw timeout(`EBS volume ${volumeId} stuck attaching to ${instanceId} as ${device} for ${this.settings.stuckAttachMs} ms (${detached}); retry the attach`,
      { volumeId, instanceId, device });
  }

  /**
   * Detaches and waits until the attachment is gone. `force` only once the caller has fenced
   * the instance: a forced detach under a live mount can corrupt the filesystem.
   */
  async detach(volumeId: string, instanceId: string, options: { force: boolean }): Promise<void> {
    await this.detaches.detachAndWait(volumeId, instanceId, options.force);
    const known = this.devices.get(volumeId);
    if (known?.instanceId === instanceId) {
      this.allocator.release(instanceId, known.device, this.clock.now());
      this.devices.delete(volumeId);
    }
    this.logger.info({ volumeId, instanceId, force: options.force }, "ebs volume detached");
  }

  /** Deletes; a volume that no longer exists counts as deleted. Does not wait for `deleting` to end. */
  async delete(volumeId: string): Promise<void> {
    try {
      await this.caller.call(new DeleteVolumeCommand({ VolumeId: volumeId }), { volumeId });
    } catch (err) {
      if (isSwarmvolError(err, "NOT_FOUND")) return;
      throw err;
    }
    this.devices.delete(volumeId);
    this.logger.info({ volumeId }, "ebs volume deleted");
  }

  async setTags(volumeId: string, tags: Readonly<Record<string, string>>): Promise<void> {
    const entries = Object.entries(tags);
    if (entries.length === 0) return;
    await this.caller.call(new CreateTagsCommand({ Resources: [volumeId], Tags: entries.map(([Key, Value]) => ({ Key, Value })) }), { volumeId });
  }

  /** Batched; instances EC2 does not know (long terminated) are absent from the result. */
  describeInstances(ids: readonly string[]): Promise<CloudInstance[]> {
    return describeInstances(this.caller, ids);
  }

  /** Power fencing: a forced StopInstances (storage/ebs/power.ts); the state right after it. */
  forceStop(instanceId: string): Promise<InstanceState> {
    return forceStopInstance(this.caller, instanceId);
  }
}

/** The `swarmvol/spec` tag when the request says the spec and it fits in a tag value. */
function specTags(request: CreateCloudVolume): Array<{ Key: string; Value: string }> {
  if (request.fsType === undefined || request.createdAt === undefined) return [];
  const value = specTagOf({ fsType: request.fsType, createdAt: request.createdAt, options: { ...request.options } });
  return value === undefined ? [] : [{ Key: cloudTags.spec, Value: value }];
}
