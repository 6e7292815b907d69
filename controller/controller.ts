import { randomUUID } from "node:crypto";
import type { CloudVolumes } from "../core/cloud.js";
import { ErrorCode, isSwarmvolError } from "../core/errors.js";
import type { Journal } from "../core/journal.js";
import type { Metrics } from "../core/metrics.js";
import type { PlacementPolicy } from "../core/placement.js";
import type { Catalog, Clock, Logger } from "../core/ports.js";
import type { VolumeSpec } from "../core/volume.js";
import type { SwarmNode } from "../core/swarm.js";
import { ClaimBook } from "./claims.js";
import { GrantWaiters } from "./grantWaiters.js";
import { CloudVolumeCache } from "./cloudCache.js";
import { rebuildFromCloud } from "./rebuild.js";
import { NodeRegistry } from "./nodeRegistry.js";
import { WorkQueue, type Timers } from "./queue.js";
import { Reconciler, type PlacementView } from "./reconcile/reconciler.js";
import { VolumeService } from "./volumeService.js";

/** The informer as the controller drives it. */
export interface ControllerInformer extends PlacementView {
  nodes(): readonly SwarmNode[];
  start(): void;
  stop(): Promise<void>;
  waitForSync(): Promise<void>;
  onVolumeDirty(handler: (volume: string) => void): () => void;
  onResync(handler: () => void): () => void;
}

export interface ControllerOptions {
  informer: ControllerInformer;
  catalog: Catalog;
  cloud: CloudVolumes;
  journal: Journal;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  policy: PlacementPolicy;
  leaseTtlMs: number;
  claimTtlMs: number;
  buildSpec: (name: string, options: Readonly<Record<string, unknown>> | null) => VolumeSpec;
  workers?: number;
  timers?: Timers;
}

/**
 * One controller per swarm: informer → queue of volume names → workers running
 * reconcile(name). Workers start only once the informer has listed Swarm, so no decision
 * is made on an empty picture; journaled volumes go first after a restart.
 */
export class Controller {
  readonly registry: NodeRegistry;
  readonly claims: ClaimBook;
  readonly reconciler: Reconciler;
  readonly queue: WorkQueue;
  readonly service: VolumeService;
  readonly cache: CloudVolumeCache;
  /** Claim calls held open until their volume is granted. */
  readonly grants: GrantWaiters;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(private readonly options: ControllerOptions) {
    const { clock, metrics, catalog, cloud, journal, informer } = options;
    this.registry = new NodeRegistry(clock, options.leaseTtlMs);
    this.claims = new ClaimBook(clock, options.claimTtlMs);
    this.cache = new CloudVolumeCache(options.policy.pollMs * 5);
    this.grants = new GrantWaiters(clock);
    this.reconciler = new Reconciler({
      catalog, cloud, journal, registry: this.registry, claims: this.claims, view: informer, clock, metrics, policy: options.policy, cache: this.cache,
      onGrant: (name) => this.grants.granted(name),
    });
    this.queue = new WorkQueue({
      handler: (name) => this.reconciler.reconcile(name, options.logger.child({ volume: name, reconcileId: randomUUID().slice(0, 8) })),
      clock, logger: options.logger, workers: options.workers ?? 4,
      // Placement must keep trying: a cloud error or a full instance can clear by itself.
      // Only a request that can never succeed as written is dropped.
      isTerminal: (err) => isSwarmvolError(err, ErrorCode.InvalidArgument),
      ...(options.timers ? { timers: options.timers } : {}),
      metrics: {
        depth: (depth) => metrics.set("swarmvol_queue_depth", "Volumes waiting for a reconcile", {}, depth),
        latency: (_key, ms) => metrics.observe("swarmvol_queue_latency_seconds", "From a volume being queued to its reconcile starting", {}, ms / 1000),
        outcome: (_key, outcome) => metrics.inc("swarmvol_reconciles_total", "Reconciles by outcome", { outcome }),
      },
    });
    this.service = new VolumeService({
      catalog, cloud, journal, registry: this.registry, claims: this.claims, clock, logger: options.logger, metrics,
      buildSpec: options.buildSpec, wantsOf: (name) => this.reconciler.wantsOf(name), enqueue: (name) => this.queue.add(name), newUid: randomUUID,
      grants: this.grants,
    });
  }

  async start(): Promise<void> {
    const { informer, journal, catalog, logger } = this.options;
    this.unsubscribe.push(informer.onVolumeDirty((volume) => this.queue.add(volume)));
    this.unsubscribe.push(informer.onResync(() => void this.resync()));
    informer.start();
    await informer.waitForSync();
    for (const entry of journal.pending()) this.queue.add(entry.volume);
    await this.resync();
    this.queue.start();
    logger.info({ volumes: catalog.list().length, pendingJournal: journal.pending().length }, "controller started");
  }

  /** Operator fence: the node is down for good; its volumes may be force-detached now. */
  fence(nodeId: string): void {
    this.registry.fence(nodeId);
    this.enqueueAll();
  }

  /**
   * Full resync: one bulk describe of every swarmvol volume (ceil(V/500) calls) restores
   * catalog entries the state file lost, primes the cache, then every catalog volume is
   * queued and reconciled from it.
   */
  async resync(): Promise<void> {
    try {
      const volumes = await this.options.cloud.describe();
      await rebuildFromCloud(this.options.catalog, volumes, this.options.logger);
      this.cache.prime(volumes, this.options.clock.now());
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, "bulk describe failed; volumes are described one by one");
    }
    this.enqueueAll();
  }

  enqueueAll(): void {
    for (const record of this.options.catalog.list()) this.queue.add(record.spec.name);
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    await this.queue.shutdown();
    await this.options.informer.stop();
  }
}
