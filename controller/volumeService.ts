import type { ClaimResponse, HeartbeatMount, HeartbeatRequest, HeartbeatResponse } from "../api/contract.js";
import type { VolumeOperations } from "../api/routes.js";
import type { FreezeRequest } from "../api/snapshotContract.js";
import { accessModeOf, backendKindOf, type BackendKind } from "../core/backends.js";
import { cloudTags, type CloudVolumes } from "../core/cloud.js";
import { alreadyExists, conflict, inUse, invalidArgument, notFound } from "../core/errors.js";
import { growAtMount } from "../core/resize.js";
import { parseSnapshotPolicy, type OnRemove } from "../core/snapshotPolicy.js";
import { snapshotKey } from "../core/snapshots.js";
import { formatSize } from "../core/units.js";
import { journaled, type Journal } from "../core/journal.js";
import type { ControllerMetrics } from "../core/metrics.js";
import { chooseTarget, type Want } from "../core/placement.js";
import type { Catalog, Clock, Logger } from "../core/ports.js";
import { KeyedMutex } from "../core/keyedMutex.js";
import { grantOn, sameRequest, type VolumeRecord, type VolumeSpec } from "../core/volume.js";
import type { ClaimBook } from "./claims.js";
import type { GrantWaiters } from "./grantWaiters.js";
import type { NodeRegistry } from "./nodeRegistry.js";
import type { GrowBroker } from "./resize/growBroker.js";
import { markMounted } from "./reconcile/moveTimeline.js";
import type { SnapshotService } from "./snapshots/snapshotService.js";

export interface VolumeServiceDeps {
  catalog: Catalog;
  cloud: CloudVolumes;
  journal: Journal;
  registry: NodeRegistry;
  claims: ClaimBook;
  clock: Clock;
  logger: Logger;
  metrics: ControllerMetrics;
  /** Validates `-o` options for the controller's backend (INVALID_ARGUMENT naming the fix). */
  buildSpec: (name: string, options: Readonly<Record<string, unknown>> | null) => VolumeSpec;
  /** Block or share, by backend name: a share is never fresh (nobody makes a filesystem on it), nor cloned. @default the design's kinds (core/backends.ts backendKindOf) */
  backendKind?: (backend: string) => BackendKind;
  /** Every want of a volume, as the reconciler sees them. */
  wantsOf: (name: string) => Want[];
  /** Queues a volume for reconcile (deduplicated). */
  enqueue: (name: string) => void;
  newUid: () => string;
  /** A plain claim that conflicts with a live holder is refused after this long (informer lag cover). */
  refuseAfterMs?: number;
  /** Where claim calls wait for a grant; absent: claims always answer at once. */
  grants?: GrantWaiters;
  /** Throws unless this replica may act now (the leader's gate); run before every cloud mutation. */
  gate?: () => void;
  /** Told the instance and zone each heartbeat reports, so the leader can keep Swarm's node labels. */
  noteIdentity?: (nodeId: string, identity: { instanceId: string; zone: string }) => void;
  /** Freezes a snapshot waits for on this node (controller/snapshots/freezeBroker.ts), sent in its heartbeat answer. */
  freezeRequests?: (nodeId: string) => FreezeRequest[];
  /** Snapshots (controller/snapshots/snapshotService.ts): clones, and the final snapshot of a remove. Absent: neither. */
  snapshots?: Pick<SnapshotService, "take" | "cloneSource">;
  /** Filesystem grows of a resize (controller/resize/growBroker.ts): asked in heartbeat answers and grants, reported in heartbeats. */
  grows?: Pick<GrowBroker, "pendingFor" | "report" | "askAtMount">;
}

/** The longest a claim call is held: well inside the claim's 5 s life, which each call renews. */
export const maxClaimWaitMs = 2000;

/**
 * What the API does on the controller: the cluster-wide catalog (Create only records the
 * volume; the cloud volume is made where it is first needed, in that node's zone), claims
 * and leases. Placement itself is left to the reconciler. It is the volume side of the
 * API's port (api/routes.ts), served as it is.
 */
export class VolumeService implements VolumeOperations {
  private readonly creating = new KeyedMutex();

  constructor(private readonly deps: VolumeServiceDeps) {}

  get(name: string): VolumeRecord {
    const record = this.deps.catalog.get(name);
    if (!record) throw notFound(`no such volume "${name}": create it first (docker volume create -d swarmvol ${name})`, { name });
    return record;
  }

  list(): VolumeRecord[] {
    return this.deps.catalog.list();
  }

  /**
   * Records the volume (the cloud volume is made where it is first needed). A restore
   * (`-o snapshot=`) or a clone (`-o from=`) is never formatted (ADR 0003): it holds a
   * filesystem already. A clone's snapshot of its source is taken here, before the answer,
   * so the clone holds the source's data of this moment.
   */
  async create(name: string, options: Readonly<Record<string, unknown>> | null): Promise<VolumeRecord> {
    // One at a time per name: Docker's Create from several nodes and the controller's own
    // (from a task's declaration, ADR 0029) may meet; the second must find the first's record.
    return this.creating.run(name, () => this.createOnce(name, options));
  }

  private async createOnce(name: string, options: Readonly<Record<string, unknown>> | null): Promise<VolumeRecord> {
    const spec = this.deps.buildSpec(name, options);
    const existing = this.deps.catalog.get(name);
    if (existing) {
      if (!sameRequest(existing.spec, spec.options)) {
        throw alreadyExists(`volume "${name}" already exists with options ${JSON.stringify(existing.spec.options)}; use another name or remove it first`, { name });
      }
      return this.completeClone(existing);
    }
    if (spec.options.from !== undefined) this.checkCloneSource(name, spec.options.from, spec.sizeBytes);
    // A share has its filesystem already (EFS's, the NFS server's): mkfs is for a new block device only.
    const hasFilesystem = spec.options.snapshot !== undefined || spec.options.from !== undefined || this.kindOf(spec.backend) === "share";
    const record: VolumeRecord = {
      uid: this.deps.newUid(), createdAt: new Date(this.deps.clock.now()).toISOString(), spec,
      status: { phase: "ready", fresh: !hasFilesystem, epoch: 0 },
    };
    await this.deps.catalog.put(record);
    this.deps.logger.info({ volume: name, uid: record.uid }, "volume recorded");
    const completed = await this.completeClone(record);
    // A task may already mount it: by driver, or driverless (`external: true`), which counts
    // only from now on (core/wants.ts). Reconciling now pre-attaches before Docker's Mount.
    this.deps.enqueue(name);
    return completed;
  }

  private readonly kindOf = (backend: string): BackendKind => (this.deps.backendKind ?? backendKindOf)(backend);

  /** A clone's source must exist, be a block volume (a share has no snapshots), have data (a cloud volume) and fit in the clone. */
  private checkCloneSource(name: string, from: string, sizeBytes: number): void {
    if (!this.deps.snapshots) throw invalidArgument("this controller takes no snapshots: -o from needs the EBS backend");
    if (from === name) throw invalidArgument(`volume "${name}" cannot be cloned from itself: give another volume in -o from`);
    const source = this.deps.catalog.get(from);
    if (!source) throw notFound(`no such volume "${from}" to clone from; \`swarmvol ls\` lists the volumes`, { name: from });
    const backend = source.spec.backend;
    if (this.kindOf(backend) === "share") throw invalidArgument(`volume "${from}" is an ${backend} file share: a clone starts from a snapshot of a block volume, and a share has none; create "${name}" without -o from and copy the files into it`, { name, from, backend });
    if (source.status.backendId === undefined) {
      throw conflict(`volume "${from}" has no data yet (it was never mounted): create "${name}" without -o from`, { name: from });
    }
    if (sizeBytes > 0 && source.spec.sizeBytes > sizeBytes) {
      throw invalidArgument(`size ${formatSize(sizeBytes)} is smaller than volume "${from}" (${formatSize(source.spec.sizeBytes)}): give -o size of at least that, or leave size out`, { name });
    }
  }

  /** A clone whose source snapshot is not known yet gets it now (the same one on every retry). */
  private async completeClone(record: VolumeRecord): Promise<VolumeRecord> {
    if (record.spec.options.from === undefined || record.status.sourceSnapshot !== undefined || !this.deps.snapshots) return record;
    const sourceSnapshot = await this.deps.snapshots.cloneSource(record);
    const current = this.deps.catalog.get(record.spec.name) ?? record;
    const next = { ...current, status: { ...current.status, sourceSnapshot } };
    await this.deps.catalog.put(next);
    return next;
  }

  /**
   * Detaches and deletes the cloud volume, as `onRemove` says: `snapshot` (the default) takes
   * a final snapshot first, `retain` keeps the cloud volume (tagged, never rebuilt) and only
   * forgets it. Refused, naming the node, while any node mounts it.
   */
  async remove(name: string): Promise<void> {
    const record = this.deps.catalog.get(name);
    if (!record) return;
    const mounters = this.deps.registry.mountersOf(name);
    if (mounters.length > 0) {
      const holders = mounters.map((nodeId) => {
        const hostname = this.deps.registry.lease(nodeId)?.hostname;
        return hostname === undefined || hostname === nodeId ? nodeId : `${hostname} (${nodeId})`;
      });
      throw inUse(`volume "${name}" is in use on node(s) ${holders.join(", ")}; stop the containers using it there first (docker ps --filter volume=${name} on that node)`, { name, holders: mounters });
    }
    const id = record.status.backendId;
    if (id !== undefined) {
      const [cloud] = await this.deps.cloud.describe([id]);
      for (const attachment of cloud?.attachments ?? []) {
        await this.journaled(name, { kind: "detach", instanceId: attachment.instanceId, nodeId: undefined, force: false, reason: "remove" },
          () => this.deps.cloud.detach(id, attachment.instanceId, { force: false }));
      }
      if (cloud) await this.disposeCloudVolume(record, id);
    }
    // A relocation's old volume not retired yet (the new one was never mounted): a copy, deleted with the volume.
    const left = record.status.relocation?.fromVolumeId;
    if (left !== undefined && left !== id) await this.journaled(name, { kind: "retireCloudVolume", volumeId: left }, () => this.deps.cloud.delete(left));
    await this.deps.catalog.remove(name);
    this.deps.logger.info({ volume: name }, "volume removed");
  }

  private async disposeCloudVolume(record: VolumeRecord, id: string): Promise<void> {
    const onRemove = onRemoveOf(record);
    const name = record.spec.name;
    if (onRemove === "retain") {
      this.deps.gate?.();
      await this.deps.cloud.setTags(id, { [cloudTags.retained]: new Date(this.deps.clock.now()).toISOString() });
      this.deps.logger.warn({ volume: name, backendId: id }, "volume forgotten; its cloud volume is retained");
      return;
    }
    // A share has no snapshot of the cloud's (its default is a delete: the access point goes, its files stay).
    if (onRemove === "snapshot" && this.deps.snapshots && this.kindOf(record.spec.backend) !== "share") {
      const final = await this.deps.snapshots.take(name, { reason: "final", key: snapshotKey(record.uid, "final") });
      this.deps.logger.info({ volume: name, snapshotId: final.id }, "final snapshot taken before the delete");
    }
    this.deps.gate?.();
    await this.deps.cloud.delete(id);
  }

  async markFormatted(name: string): Promise<void> {
    const record = this.get(name);
    if (record.status.fresh) await this.deps.catalog.put({ ...record, status: { ...record.status, fresh: false } });
  }

  /**
   * claim(), but a pending answer is held up to `waitMs` (at most maxClaimWaitMs) and given
   * again as soon as the volume is granted: the agent hears of its grant at once without
   * asking ten times a second.
   */
  async claimAndWait(name: string, nodeId: string, waitMs: number): Promise<ClaimResponse> {
    const first = this.claim(name, nodeId);
    const wait = Math.min(Math.max(0, waitMs), maxClaimWaitMs);
    if (first.state !== "pending" || wait === 0 || !this.deps.grants) return first;
    await this.deps.grants.wait(name, wait);
    return this.claim(name, nodeId);
  }

  /** Records (or renews) a node's claim and answers with the grant as it stands. */
  claim(name: string, nodeId: string): ClaimResponse {
    const record = this.get(name);
    if (this.deps.claims.claim(name, nodeId)) this.deps.enqueue(name);
    const granted = grantOn(record.status, nodeId);
    if (granted?.epoch === record.status.epoch && record.status.backendId) {
      // The volume grew since its filesystem was made (a resize while nobody mounted it): this mount grows it.
      const size = growAtMount(record.status.resize);
      const grow = size === undefined ? undefined : this.deps.grows?.askAtMount(nodeId, name, size);
      return { state: "granted", volumeId: record.status.backendId, device: granted.device, epoch: granted.epoch, ...(grow ? { grow } : {}) };
    }
    const wants = this.deps.wantsOf(name);
    const target = chooseTarget(record, wants);
    if (target !== undefined && target !== nodeId && accessModeOf(record.spec) === "single-writer" && this.conflictIsFirm(name, nodeId, target, wants)) {
      const holder = this.deps.registry.lease(target)?.hostname ?? target;
      return { state: "refused", message: `volume ${name} is in use on node ${holder}; stop the container using it there first (single-writer volume)` };
    }
    return { state: "pending", message: record.status.condition?.message ?? `moving volume ${name} to this node` };
  }

  /** A plain claim against a holder that mounts the volume and renews its lease, for long enough to rule out informer lag. */
  private conflictIsFirm(name: string, nodeId: string, target: string, wants: readonly Want[]): boolean {
    if (wants.some((want) => want.nodeId === nodeId && want.source === "task")) return false;
    const lease = this.deps.registry.lease(target);
    const now = this.deps.clock.now();
    const mine = wants.find((want) => want.nodeId === nodeId);
    const age = mine ? now - mine.since : 0;
    return lease !== undefined && lease.expiresAt > now && lease.mounts.some((mount) => mount.volume === name) && age >= (this.deps.refuseAfterMs ?? 3000);
  }

  /** Whether a Swarm task on `nodeId` (not a mere claim) needs the volume there. */
  wanted(name: string, nodeId: string): { wanted: boolean } {
    this.get(name);
    return { wanted: this.deps.wantsOf(name).some((want) => want.source === "task" && want.nodeId === nodeId) };
  }

  release(name: string, nodeId: string): void {
    this.deps.claims.release(name, nodeId);
    this.deps.registry.forgetMount(nodeId, name);
    this.deps.enqueue(name);
  }

  /** Renews the lease; volumes whose mounts changed are reconciled; stale holders are told to let go. */
  async heartbeat(nodeId: string, request: HeartbeatRequest): Promise<HeartbeatResponse> {
    const before = new Set(this.deps.registry.lease(nodeId)?.mounts.map((mount) => mount.volume) ?? []);
    this.deps.registry.heartbeat(nodeId, request);
    this.deps.noteIdentity?.(nodeId, { instanceId: request.instanceId, zone: request.zone });
    const revoke: string[] = [];
    for (const mount of request.mounts) {
      const record = this.deps.catalog.get(mount.volume);
      if (!record) continue;
      // Not a holder (a multi-writer share's are several), and an older epoch than the volume's: a stale mount (moved or detached).
      if (!grantOn(record.status, nodeId) && mount.epoch < record.status.epoch) revoke.push(mount.volume);
      if (!before.delete(mount.volume)) this.noteMounted(record, nodeId, mount);
    }
    for (const gone of before) this.deps.enqueue(gone);
    for (const grown of this.deps.grows?.report(nodeId, request.grown ?? []) ?? []) this.deps.enqueue(grown);
    const freeze = this.deps.freezeRequests?.(nodeId) ?? [];
    const grow = this.deps.grows?.pendingFor(nodeId) ?? [];
    return { ttlMs: this.deps.registry.ttlMs, revoke, ...(freeze.length > 0 ? { freeze } : {}), ...(grow.length > 0 ? { grow } : {}) };
  }

  /**
   * Stamps t6 and t7 (the agent's own times, bounded by now: moveTimeline.ts) without making
   * the heartbeat wait for the write: a heartbeat answered late lapses a lease and makes a
   * healthy node fence itself, so its path never waits on disk.
   */
  private noteMounted(record: VolumeRecord, nodeId: string, mount: HeartbeatMount): void {
    this.deps.enqueue(record.spec.name);
    const lastMove = markMounted(record.status.lastMove, nodeId, this.deps.clock.now(), this.deps.metrics, mount);
    if (lastMove === record.status.lastMove) return;
    this.deps.catalog.put({ ...record, status: { ...record.status, lastMove } }).catch((err: unknown) => {
      this.deps.logger.warn({ volume: record.spec.name, err: (err as Error).message }, "could not record the mount time");
    });
  }

  private async journaled(volume: string, action: Parameters<Journal["begin"]>[1], work: () => Promise<void>): Promise<void> {
    this.deps.gate?.();
    await journaled(this.deps.journal, volume, action, work);
  }
}

/** The volume's onRemove; a record whose options no longer parse keeps the safe default. */
function onRemoveOf(record: VolumeRecord): OnRemove {
  try {
    return parseSnapshotPolicy(record.spec.options).onRemove;
  } catch {
    return "snapshot";
  }
}

