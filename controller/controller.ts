import { randomUUID } from "node:crypto";
import type { NodeOperations } from "../api/routes.js";
import type { SnapshotOperations } from "../api/snapshotRoutes.js";
import type { CloudVolume } from "../core/cloud.js";
import { nodeLabels } from "../core/clusterStore.js";
import { ErrorCode, isSwarmvolError } from "../core/errors.js";
import { noEvents, type EventSink } from "../core/events.js";
import type { NodeView } from "../core/placement.js";
import { realTimers } from "../core/clock.js";
import type { VolumeRecord } from "../core/volume.js";
import { ClaimBook } from "./claims.js";
import { DeclaredVolumes } from "./declaredVolumes.js";
import { GrantWaiters } from "./grantWaiters.js";
import { arrivedInCloud, MoveHolds } from "./moves/moveHolds.js";
import { MoveService } from "./moves/moveService.js";
import { CloudVolumeCache } from "./cloudCache.js";
import { RecordingCatalog } from "./events/recordingCatalog.js";
import { rebuildFromCloud } from "./rebuild.js";
import { NodeDrainer } from "./nodeDrain.js";
import { NodeRegistry } from "./nodeRegistry.js";
import { powerFencerFor, type ControllerOptions } from "./controllerOptions.js";
import { WorkQueue } from "./queue.js";
import { openMoves } from "./reconcile/moveTimeline.js";
import { Reconciler } from "./reconcile/reconciler.js";
import { VolumeService } from "./volumeService.js";
import { FreezeBroker } from "./snapshots/freezeBroker.js";
import { GrowBroker } from "./resize/growBroker.js";
import { ResizeService } from "./resize/resizeService.js";
import { SnapshotService } from "./snapshots/snapshotService.js";
import { SnapshotScheduler } from "./snapshots/snapshotScheduler.js";

export type { ControllerInformer, ControllerOptions } from "./controllerOptions.js";

/**
 * One controller per term of leadership: informer → queue of volume names → workers
 * running reconcile(name). Workers start only once the informer has listed Swarm, so no
 * decision is made on an empty picture; journaled volumes go first after a restart. Its
 * registry is born with it (or, in a replica, at the takeover just before it), so a new
 * leader treats every unheard node as live for one ttl.
 */
export class Controller implements NodeOperations {
  readonly registry: NodeRegistry;
  readonly claims: ClaimBook;
  /** Operators' moves under way (ADR 0023), and the service that starts them. */
  readonly holds: MoveHolds;
  readonly moves: MoveService;
  readonly reconciler: Reconciler;
  readonly queue: WorkQueue;
  readonly service: VolumeService;
  readonly cache: CloudVolumeCache;
  /** Claim calls held open until their volume is granted. */
  readonly grants: GrantWaiters;
  /** This term's freezes asked of agents, and its snapshots (when there is a snapshot backend). */
  readonly freezes: FreezeBroker;
  readonly snapshots: SnapshotService | undefined;
  readonly schedules: SnapshotScheduler | undefined;
  /** Drains fenced nodes in Swarm and restores them (when `drain` is given). */
  readonly drainer: NodeDrainer | undefined;
  /** This term's filesystem grows asked of agents, and its resizes (when the cloud can grow volumes). */
  readonly grows: GrowBroker;
  readonly resizes: ResizeService | undefined;
  private readonly unsubscribe: Array<() => void> = [];
  /** Nodes whose identity labels this term already wrote or found right. */
  private readonly labelled = new Set<string>();
  private readonly events: EventSink;

  constructor(private readonly options: ControllerOptions) {
    const { clock, metrics, cloud, journal, informer } = options;
    this.events = options.events ?? noEvents;
    const catalog = options.events ? new RecordingCatalog(options.catalog, options.events) : options.catalog;
    this.registry = options.registry ?? new NodeRegistry(clock, options.leaseTtlMs);
    this.claims = new ClaimBook(clock, options.claimTtlMs);
    this.holds = new MoveHolds(clock, {
      events: this.events, logger: options.logger.child({ component: "moves" }), ...(options.moveHolds ? { store: options.moveHolds } : {}), ...(options.gate ? { gate: options.gate } : {}),
    });
    this.cache = new CloudVolumeCache(options.policy.pollMs * 5);
    this.grants = new GrantWaiters(clock);
    const fencer = powerFencerFor(options, this.registry);
    this.freezes = new FreezeBroker(clock, randomUUID, options.freeze);
    this.snapshots = options.snapshots && new SnapshotService({
      catalog, snapshots: options.snapshots, registry: this.registry, broker: this.freezes, journal, clock, logger: options.logger.child({ component: "snapshots" }),
      newId: randomUUID, events: this.events, ...(options.gate ? { gate: options.gate } : {}), ...(options.backendKind ? { backendKind: options.backendKind } : {}),
    });
    this.schedules = this.snapshots && options.snapshots && options.cron && new SnapshotScheduler({
      catalog, service: this.snapshots, snapshots: options.snapshots, cron: options.cron, clock, logger: options.logger.child({ component: "snapshot-schedules" }),
    });
    this.grows = new GrowBroker(clock, randomUUID);
    this.resizes = options.resize && new ResizeService({
      catalog, cloud, resize: options.resize, journal, registry: this.registry, broker: this.grows, clock, logger: options.logger.child({ component: "resize" }),
      enqueue: (name) => this.queue.add(name), ...(options.gate ? { gate: options.gate } : {}), ...(options.resizeSettings ? { settings: options.resizeSettings } : {}),
      ...(options.backendKind ? { backendKind: options.backendKind } : {}),
    });
    this.reconciler = new Reconciler({
      catalog, cloud, journal, registry: this.registry, claims: this.claims, holds: this.holds, view: informer, clock, metrics, policy: options.policy, cache: this.cache,
      onGrant: (name) => this.grants.granted(name), ...(options.gate ? { gate: options.gate } : {}), ...(fencer ? { fencer } : {}), events: this.events,
      ...(this.snapshots ? {
        cloneSource: (record: VolumeRecord) => (this.snapshots as SnapshotService).cloneSource(record),
        relocationSnapshot: (record: VolumeRecord, volumeId: string, key: string) => (this.snapshots as SnapshotService).forRelocation(record, volumeId, key),
      } : {}),
      ...(options.crashPoints ? { crashPoints: options.crashPoints } : {}),
    });
    this.queue = new WorkQueue({
      handler: (name) => this.reconcileVolume(name),
      clock, logger: options.logger, workers: options.workers ?? 4,
      // Placement must keep trying: a cloud error or a full instance can clear by itself.
      // Only a request that can never succeed as written is dropped.
      isTerminal: (err) => isSwarmvolError(err, ErrorCode.InvalidArgument),
      ...(options.timers ? { timers: options.timers } : {}),
      metrics: {
        depth: (depth) => metrics.queueDepth(depth),
        latency: (_key, ms) => metrics.queueLatency(ms / 1000),
        outcome: (_key, outcome, ms) => metrics.reconciled(outcome, ms / 1000),
      },
    });
    this.drainer = options.drain && new NodeDrainer({
      registry: this.registry, nodes: () => informer.nodes(), catalog, cloud, availability: options.drain.availability, clock, timers: options.timers ?? realTimers,
      logger: options.logger.child({ component: "node-drain" }), policy: options.policy, marker: options.drain.marker, events: this.events, ...(options.gate ? { gate: options.gate } : {}),
    });
    this.service = new VolumeService({
      catalog, cloud, journal, registry: this.registry, claims: this.claims, clock, logger: options.logger, metrics,
      buildSpec: options.buildSpec, ...(options.backendKind ? { backendKind: options.backendKind } : {}), wantsOf: (name) => this.reconciler.wantsOf(name), enqueue: (name) => this.queue.add(name), newUid: randomUUID,
      grants: this.grants, ...(options.gate ? { gate: options.gate } : {}),
      noteIdentity: (nodeId, identity) => this.keepIdentityLabels(nodeId, identity),
      freezeRequests: (nodeId) => this.freezes.pendingFor(nodeId), ...(this.snapshots ? { snapshots: this.snapshots } : {}), grows: this.grows,
    });

    this.moves = new MoveService({
      catalog, registry: this.registry, view: informer, workloadWants: (name) => this.reconciler.workloadWants(name), holds: this.holds,
      enqueue: (name) => this.queue.add(name), clock, newId: () => randomUUID().slice(0, 8), holdMs: options.moveHoldMs ?? 600_000,
      events: this.events, logger: options.logger.child({ component: "moves" }), ...(options.services ? { services: options.services } : {}), ...(options.gate ? { gate: options.gate } : {}),
    });
  }

  /** What api/snapshotRoutes.ts serves from this term; undefined without a snapshot backend. */
  snapshotOperations(): SnapshotOperations | undefined {
    const snapshots = this.snapshots;
    if (!snapshots) return undefined;
    return {
      take: (name, requestId) => snapshots.take(name, { reason: "manual", ...(requestId === undefined ? {} : { requestId }) }),
      list: (volume) => snapshots.list(volume),
      remove: (id) => snapshots.remove(id),
      frozen: (nodeId, volume, body) => this.freezes.frozen(nodeId, volume, body),
    };
  }

  /** One volume's reconcile: placement, then its resize (the queue runs one per volume at a time); the sooner requeue wins. */
  private async reconcileVolume(name: string): Promise<{ requeueAfterMs?: number }> {
    const placed = await this.reconciler.reconcile(name, this.options.logger.child({ volume: name, reconcileId: randomUUID().slice(0, 8) }));
    const resized = (await this.resizes?.reconcile(name)) ?? {};
    const after = [placed.requeueAfterMs, resized.requeueAfterMs].filter((ms): ms is number => ms !== undefined);
    return after.length === 0 ? {} : { requeueAfterMs: Math.min(...after) };
  }

  /** `described`: every swarmvol cloud volume, when the caller has just listed them (a takeover). */
  async start(described?: readonly CloudVolume[]): Promise<void> {
    const { informer, journal, catalog, logger } = this.options;
    const declared = new DeclaredVolumes({
      tasksForVolume: (volume) => informer.tasksForVolume(volume), catalog, service: this.service, logger, ...(this.options.gate ? { gate: this.options.gate } : {}),
    });
    // A name the catalog lacks is not swarmvol's (a driverless mount of another driver's
    // volume) or not yet: reconcile would find nothing; create() queues it when it arrives.
    this.unsubscribe.push(informer.onVolumeDirty((volume) => {
      if (catalog.get(volume) !== undefined) this.queue.add(volume);
      else void declared.create(volume);
    }));
    this.unsubscribe.push(informer.onResync(() => void this.resync()));
    this.unsubscribe.push(this.options.metrics.nodeLeases(() => this.registry.leaseCounts(informer.nodes(), this.options.policy)));
    // A workload that waits on the mount, not a move's hold: an idle volume moved by an operator is done once granted (no t7 comes).
    const wantedOn = (volume: string, nodeId: string) => this.reconciler.workloadWants(volume).some((want) => want.nodeId === nodeId);
    this.unsubscribe.push(this.options.metrics.openMoves(() => openMoves(catalog.list(), this.options.clock.now(), wantedOn)));
    if (this.options.ownsInformer !== false) informer.start();
    await informer.waitForSync();
    const holds = await this.holds.restore((volume) => catalog.get(volume) !== undefined, arrivedInCloud(catalog, described ?? []));
    for (const entry of journal.pending()) this.queue.add(entry.volume);
    if (described) {
      this.cache.prime(described, this.options.clock.now());
      this.enqueueAll();
    } else {
      await this.resync();
    }
    this.queue.start();
    this.schedules?.start();
    this.drainer?.start();
    logger.info({ volumes: catalog.list().length, pendingJournal: journal.pending().length, moveHolds: holds.restored }, "controller started");
  }

  /**
   * Operator fence: the node is down for good; its volumes may be force-detached now. Kept
   * in the node's labels (when there is a store) before it takes effect, so it outlives this leader.
   */
  async fence(nodeId: string): Promise<void> {
    this.options.gate?.();
    await this.options.nodeLabels?.setNodeLabels(nodeId, { [nodeLabels.fenced]: new Date(this.options.clock.now()).toISOString() });
    this.registry.fence(nodeId);
    this.events.record({ type: "node.fenced", node: nodeId, data: { by: "operator" }, message: `node ${nodeId} fenced by an operator: its volumes may be force-detached` });
    this.enqueueAll();
  }

  /** Every node Swarm knows or whose agent reported to this leader (`GET /v1/nodes`). */
  nodeViews(): NodeView[] {
    return this.registry.views(this.options.informer.nodes());
  }

  /** Takes an operator fence back: the node's volumes are again moved only as its lease allows. */
  async unfence(nodeId: string): Promise<void> {
    this.options.gate?.();
    await this.options.nodeLabels?.setNodeLabels(nodeId, { [nodeLabels.fenced]: undefined });
    this.registry.unfence(nodeId);
    this.events.record({ type: "node.unfenced", node: nodeId, data: { by: "operator" }, message: `operator fence of node ${nodeId} taken back` });
    this.enqueueAll();
  }

  /**
   * Writes the instance and zone an agent reported into its Swarm node's labels when they
   * differ, once per node per term, off the heartbeat's path (a write never delays a lease).
   */
  private keepIdentityLabels(nodeId: string, identity: { instanceId: string; zone: string }): void {
    const store = this.options.nodeLabels;
    if (!store || this.labelled.has(nodeId)) return;
    const labels = this.options.informer.node(nodeId)?.labels;
    if (!labels) return;
    this.labelled.add(nodeId);
    if (labels[nodeLabels.instanceId] === identity.instanceId && labels[nodeLabels.zone] === identity.zone) return;
    store.setNodeLabels(nodeId, { [nodeLabels.instanceId]: identity.instanceId, [nodeLabels.zone]: identity.zone }).catch((err: unknown) => {
      this.labelled.delete(nodeId);
      this.options.logger.warn({ node: nodeId, err: (err as Error).message }, "could not label the node with its instance");
    });
  }

  /**
   * Full resync: one bulk describe of every swarmvol volume (ceil(V/500) calls) restores
   * catalog entries the state file lost, primes the cache, then every catalog volume is
   * queued and reconciled from it.
   */
  async resync(): Promise<void> {
    try {
      const describedAt = this.options.clock.now();
      const volumes = await this.options.cloud.describe();
      await rebuildFromCloud(this.options.catalog, volumes, this.options.logger);
      this.cache.prime(volumes, describedAt);
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, "bulk describe failed; volumes are described one by one");
    }
    this.enqueueAll();
  }

  enqueueAll(): void {
    for (const record of this.options.catalog.list()) this.queue.add(record.spec.name);
  }

  async stop(): Promise<void> {
    await this.drainer?.stop();
    await this.schedules?.stop();
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    await this.queue.shutdown();
    if (this.options.ownsInformer !== false) await this.options.informer.stop();
  }
}
