/**
 * Snapshots as the leader takes them: on an operator's request, for a schedule's slot,
 * before a volume is deleted, for a clone. Each is tagged with the volume's name, uid and
 * epoch and why it was taken, is known by an idempotency key (core/snapshots.ts), and is
 * journaled before it is sent (invariant 3). While a live node mounts the volume, that
 * node's agent freezes the filesystem for the instant of the capture (ADR 0020); if it
 * cannot, or does not answer in time, the snapshot is taken anyway and tagged unfrozen:
 * it is then what a power cut at that moment would have left, which ext4 and xfs replay.
 */
import { backendKindOf, type BackendKind } from "../../core/backends.js";
import { cloudTags, snapshotTags, type CloudSnapshot, type CloudSnapshots, type SnapshotReason } from "../../core/cloud.js";
import { conflict, invalidArgument, isSwarmvolError, notFound, quoted } from "../../core/errors.js";
import { noEvents, type EventSink } from "../../core/events.js";
import { journaled, type Journal } from "../../core/journal.js";
import type { Catalog, Clock, Logger } from "../../core/ports.js";
import { snapshotFacts, snapshotKey, type SnapshotFacts } from "../../core/snapshots.js";
import type { VolumeRecord } from "../../core/volume.js";
import type { NodeRegistry } from "../nodeRegistry.js";
import type { FreezeBroker, FreezeOutcome } from "./freezeBroker.js";

export interface SnapshotServiceDeps {
  catalog: Pick<Catalog, "get">;
  snapshots: CloudSnapshots;
  registry: Pick<NodeRegistry, "mountersOf" | "lease">;
  broker: FreezeBroker;
  journal: Journal;
  clock: Clock;
  logger: Logger;
  newId: () => string;
  /** Throws unless this replica may act now (the leader's gate); run before every cloud mutation. */
  gate?: () => void;
  events?: EventSink;
  /** Block or share, by backend name (BackendRegistry.kindOf): a share has no snapshots. @default the design's kinds (core/backends.ts backendKindOf) */
  backendKind?: (backend: string) => BackendKind;
}

export interface TakeOptions {
  reason: SnapshotReason;
  /** The idempotency key; default: from `requestId`, else a new one (a manual snapshot is a new snapshot each time). */
  key?: string;
  /** A client's id of its request, so its retries take one snapshot. */
  requestId?: string;
  /** More tags (a schedule's expression and slot). */
  tags?: Readonly<Record<string, string>>;
}

export class SnapshotService {
  private readonly events: EventSink;

  constructor(private readonly deps: SnapshotServiceDeps) {
    this.events = deps.events ?? noEvents;
  }

  /**
   * A snapshot of `name` now; NOT_FOUND for no such volume, INVALID_ARGUMENT for a share
   * (before any freeze or cloud call), CONFLICT when it has no cloud volume yet.
   */
  async take(name: string, options: TakeOptions): Promise<SnapshotFacts> {
    this.deps.gate?.();
    const record = this.deps.catalog.get(name);
    if (!record) throw notFound(`no such volume ${quoted(name)}; \`swarmvol ls\` lists the volumes`, { name });
    this.refuseShare(record);
    const volumeId = record.status.backendId;
    if (volumeId === undefined) {
      throw conflict(`volume ${quoted(name)} has no cloud volume yet (one is made where the volume is first mounted): there is nothing to snapshot`, { name });
    }
    const key = options.key ?? snapshotKey(record.uid, `manual:${options.requestId ?? this.deps.newId()}`);
    const holder = this.holderOf(name);
    const freeze = holder === undefined ? undefined : await this.deps.broker.freeze(holder, name);
    if (freeze && !freeze.frozen) this.deps.logger.warn({ volume: name, node: holder, err: freeze.error }, "snapshot taken without a freeze");
    try {
      const snapshot = await this.capture(record, volumeId, key, options, freeze);
      const facts = snapshotFacts(snapshot);
      this.events.record({
        type: "snapshot.created", volume: name, ...(holder === undefined ? {} : { node: holder }),
        data: { snapshotId: snapshot.id, reason: options.reason, frozen: facts.frozen },
        message: `snapshot ${snapshot.id} of volume ${name} taken (${options.reason}${facts.frozen ? ", filesystem frozen" : holder === undefined ? "" : ", not frozen"})`,
      });
      return facts;
    } catch (err) {
      this.events.record({
        type: "snapshot.failed", volume: name, data: { reason: options.reason, error: (err as Error).message.slice(0, 200) },
        message: `snapshot of volume ${name} (${options.reason}) failed: ${(err as Error).message.slice(0, 200)}`,
      });
      throw err;
    } finally {
      freeze?.release();
    }
  }

  /**
   * The snapshot a clone (`-o from=SOURCE`) starts from: taken of the source the first time,
   * the same one every later time (its key is the clone's uid), so a retry, a restart or a
   * new leader never makes the clone from another moment. NOT_FOUND once the source is gone.
   */
  async cloneSource(record: VolumeRecord): Promise<string> {
    const from = record.spec.options.from;
    if (from === undefined) throw conflict(`volume ${quoted(record.spec.name)} is not a clone`, { name: record.spec.name });
    const taken = await this.take(from, { reason: "clone", key: snapshotKey(record.uid, "clone") });
    this.deps.logger.info({ volume: record.spec.name, from, snapshotId: taken.id }, "clone source snapshot taken");
    return taken.id;
  }

  /**
   * The snapshot a relocation (zonePolicy=follow) recreates a detached volume from in another
   * zone. Nobody mounts the volume, so nothing is frozen: with the volume detached, every
   * acknowledged write is on it. Known by its key (core/zones.ts relocationKey), so a
   * retry or a new leader finds the same one.
   */
  async forRelocation(record: VolumeRecord, volumeId: string, key: string): Promise<string> {
    this.deps.gate?.();
    this.refuseShare(record);
    const snapshot = await this.capture(record, volumeId, key, { reason: "relocation" }, undefined);
    this.events.record({
      type: "snapshot.created", volume: record.spec.name, data: { snapshotId: snapshot.id, reason: "relocation", frozen: false },
      message: `snapshot ${snapshot.id} of detached volume ${record.spec.name} (${volumeId}) taken to recreate it in another zone`,
    });
    return snapshot.id;
  }

  /** swarmvol's snapshots, of volumes named `volume` when given; oldest first. */
  async list(volume?: string): Promise<SnapshotFacts[]> {
    return (await this.deps.snapshots.listSnapshots(volume === undefined ? {} : { name: volume })).map(snapshotFacts);
  }

  /** Deletes one of swarmvol's snapshots; NOT_FOUND for one that is not swarmvol's, IN_USE when the cloud refuses. */
  async remove(id: string, reason = "operator"): Promise<void> {
    this.deps.gate?.();
    const snapshot = await this.deps.snapshots.getSnapshot(id);
    if (!snapshot) throw notFound(`no swarmvol snapshot ${quoted(id)}; \`swarmvol snapshots\` lists them`, { snapshotId: id.slice(0, 64) });
    const volume = snapshot.tags[cloudTags.name] ?? "";
    await journaled(this.deps.journal, volume, { kind: "deleteSnapshot", snapshotId: id, reason }, () => this.deps.snapshots.deleteSnapshot(id));
    this.events.record({ type: "snapshot.deleted", volume, data: { snapshotId: id, reason }, message: `snapshot ${id} of volume ${volume} deleted (${reason})` });
  }

  /**
   * A share (EFS, NFS) is no block volume: its id is no EBS volume's, and the cloud's
   * snapshots are of block devices. Refused by kind, so no EBS call is ever made with it.
   */
  private refuseShare(record: VolumeRecord): void {
    const backend = record.spec.backend;
    if ((this.deps.backendKind ?? backendKindOf)(backend) !== "share") return;
    throw invalidArgument(
      `volume ${quoted(record.spec.name)} is an ${backend} file share, which has no snapshots (they are of block volumes such as EBS): back its files up with the share's own backups (AWS Backup for EFS) or copy them`,
      { name: record.spec.name, backend },
    );
  }

  /** The node that mounts the volume under a live lease, if any (single-writer: at most one). */
  private holderOf(name: string): string | undefined {
    const now = this.deps.clock.now();
    return this.deps.registry.mountersOf(name).find((nodeId) => (this.deps.registry.lease(nodeId)?.expiresAt ?? 0) > now);
  }

  /**
   * CreateSnapshot, frozen when the freeze holds: attempts stop at half the freeze's bound
   * (the agent counts its bound from before the leader heard of the freeze), and a capture
   * that could not be sent in that window is sent again unfrozen, by the same key.
   */
  private async capture(record: VolumeRecord, volumeId: string, key: string, options: TakeOptions, freeze: FreezeOutcome | undefined): Promise<CloudSnapshot> {
    const tags = {
      [cloudTags.name]: record.spec.name, [cloudTags.uid]: record.uid, [cloudTags.epoch]: String(record.status.epoch),
      [snapshotTags.reason]: options.reason, ...options.tags,
    };
    const request = { volumeId, key, description: `swarmvol ${options.reason} snapshot of volume ${record.spec.name}` };
    const frozen = freeze?.frozen === true && freeze.frozenAt !== undefined;
    const until = frozen ? (freeze.frozenAt as number) + this.deps.broker.settings.maxMs / 2 : undefined;
    let snapshot: CloudSnapshot | undefined;
    await journaled(this.deps.journal, record.spec.name, { kind: "createSnapshot", key, reason: options.reason }, async () => {
      try {
        this.deps.gate?.();
        snapshot = await this.deps.snapshots.createSnapshot({ ...request, tags: { ...tags, [snapshotTags.frozen]: String(frozen) }, ...(until === undefined ? {} : { until }) });
      } catch (err) {
        if (!(until !== undefined && isSwarmvolError(err, "TIMEOUT") && err.details.until !== undefined)) throw err;
        freeze?.release();
        this.deps.logger.warn({ volume: record.spec.name }, "freeze window ended before the snapshot could be sent; taking it unfrozen");
        this.deps.gate?.();
        snapshot = await this.deps.snapshots.createSnapshot({ ...request, tags: { ...tags, [snapshotTags.frozen]: "false" } });
      }
    });
    return snapshot as CloudSnapshot;
  }
}
