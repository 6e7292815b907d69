/**
 * One controller replica (a process on one manager): a warm standby whose informer keeps
 * Swarm's picture current, and the leader when its elector wins the lease (ADR 0010).
 *
 * - Standby: informer running, no queue, no registry; the API answers agents with 503
 *   naming the leader (api/server.ts, through {@link LeaderElector} as LeadershipView).
 * - Takeover: restore the catalog from Swarm's store and the cloud (one list of configs,
 *   one bulk DescribeVolumes), then start a fresh {@link Controller} term whose registry
 *   treats every unheard node as live for one ttl. Only then is the replica the leader the
 *   API shows; claims that came during the restore were answered 503 and retried by the
 *   agents. Heartbeats are not: the term's registry is born at the takeover, before the
 *   restore, and renews the leases of agents that heartbeat meanwhile (with no revocations,
 *   which need the restored catalog). A restore slowed by a throttling cloud (DescribeVolumes
 *   retried for seconds) would otherwise lapse healthy agents' leases: the soak saw it.
 * - Step-down (lease lost, or stop): the elector closes the mutation gate first; then the
 *   term's queue is shut down and its in-flight reconciles end on the closed gate.
 */
import type { HeartbeatRequest, HeartbeatResponse } from "../api/contract.js";
import type { CloudVolumes } from "../core/cloud.js";
import type { ClusterStore } from "../core/clusterStore.js";
import { unavailable } from "../core/errors.js";
import type { TermEventLog } from "../core/events.js";
import type { ElectionTiming } from "../core/leadership.js";
import type { ControllerMetrics } from "../core/metrics.js";
import type { Clock, Logger } from "../core/ports.js";
import type { Controller, ControllerInformer } from "./controller.js";
import { LeaderElector } from "./leader/elector.js";
import type { NodeRegistry } from "./nodeRegistry.js";
import { restoreCatalog, type ReplicatedCatalog } from "./replicatedCatalog.js";

export interface ReplicaOptions {
  informer: ControllerInformer;
  catalog: ReplicatedCatalog;
  store: ClusterStore;
  cloud: CloudVolumes;
  /** Builds a new term's controller, wired to the gate, with the registry born at its takeover. */
  newTerm: (gate: () => void, registry?: NodeRegistry) => Controller;
  /** Makes a term's lease registry at takeover, before the restore. @default none: heartbeats wait for the term */
  newRegistry?: () => NodeRegistry;
  /** This replica's API URL (written into the lease for agents). */
  selfUrl: string;
  self?: string;
  /** Monotonic clock for the election. */
  clock: Clock;
  logger: Logger;
  timing?: Partial<ElectionTiming>;
  /** Whether this manager is Swarm's Raft leader (then it would rather not lead). */
  reluctant?: () => boolean;
  /** Where `swarmvol_leader` and `swarmvol_leader_term` are read from this replica's elector. */
  metrics?: ControllerMetrics;
  /**
   * This replica's event log: a term begins at takeover (with the lease's transitions, so
   * ids tell terms apart) with a `leader.changed` event, and ends at step-down.
   */
  events?: TermEventLog;
}

export class ControllerReplica {
  readonly elector: LeaderElector;
  private term: Controller | undefined;
  /** The registry of a term still restoring (between takeover and the term's start). */
  private restoring: NodeRegistry | undefined;
  /** Rises at every step-down, so a takeover still restoring knows its term already ended. */
  private termSeq = 0;

  constructor(private readonly options: ReplicaOptions) {
    this.elector = new LeaderElector({
      store: options.store, selfUrl: options.selfUrl, clock: options.clock, logger: options.logger,
      ...(options.self === undefined ? {} : { self: options.self }),
      ...(options.timing === undefined ? {} : { timing: options.timing }),
      ...(options.reluctant === undefined ? {} : { reluctant: options.reluctant }),
      onStartedLeading: () => this.lead(),
      onStoppedLeading: () => this.standDown(),
    });
    const elector = this.elector;
    options.metrics?.leadership(() => ({ replica: elector.self, leading: elector.isLeader(), transitions: elector.record()?.transitions }));
  }

  /** Starts the informer (kept across terms) and then the election. */
  async start(): Promise<void> {
    this.options.informer.start();
    await this.options.informer.waitForSync();
    this.elector.start();
    this.options.logger.info({ replica: this.elector.self, url: this.options.selfUrl }, "controller replica started as a standby");
  }

  /** The leader's controller; UNAVAILABLE on a standby (the API refuses those calls before). */
  current(): Controller {
    if (!this.term || !this.elector.isLeader()) {
      throw unavailable("this swarmvol controller replica is not the leader; ask the leader (GET /v1/health names it)", { leader: this.elector.leaderUrl() });
    }
    return this.term;
  }

  /**
   * A heartbeat: the term's answer, or during the restore a renewed lease and no
   * revocations; UNAVAILABLE on a standby.
   */
  async heartbeat(nodeId: string, request: HeartbeatRequest): Promise<HeartbeatResponse> {
    const restoring = this.restoring;
    if (!this.term && restoring && this.elector.restoring()) {
      restoring.heartbeat(nodeId, request);
      return { ttlMs: restoring.ttlMs, revoke: [] };
    }
    return this.current().service.heartbeat(nodeId, request);
  }

  /** The term's controller even while it is restoring, for read-only views (nodes, health). */
  currentTerm(): Controller | undefined {
    return this.term;
  }

  /** Releases the lease (a standby takes over at once), then stops the informer. */
  async stop(): Promise<void> {
    await this.elector.stop();
    await this.options.informer.stop();
  }

  private async lead(): Promise<void> {
    const { catalog, store, cloud, logger } = this.options;
    const seq = this.termSeq;
    this.beginTerm();
    const registry = this.options.newRegistry?.();
    this.restoring = registry;
    const described = await cloud.describe();
    const restored = await restoreCatalog(catalog, store, described, logger);
    logger.info({ ...restored, fromTags: restored.fromTags.length, migrated: restored.migrated.length, dropped: restored.dropped.length }, "catalog restored for this term");
    if (seq !== this.termSeq) return;
    const gate = () => this.elector.assertCanAct();
    const term = this.options.newTerm(gate, registry);
    this.term = term;
    this.restoring = undefined;
    await term.start(described);
    if (seq !== this.termSeq) await term.stop();
  }

  /** The term's first event, before the restore: everything this term records comes after it. */
  private beginTerm(): void {
    const events = this.options.events;
    if (!events) return;
    const term = this.elector.leaseTerm() ?? 0;
    events.beginTerm(term);
    const { self } = this.elector;
    events.record({
      type: "leader.changed", data: { replica: self, url: this.options.selfUrl, term },
      message: `replica ${self} (${this.options.selfUrl}) took the leader lease (term ${term}); earlier terms' events were recorded by the previous leader and are not in this log`,
    });
  }

  private async standDown(): Promise<void> {
    this.options.events?.endTerm();
    this.termSeq += 1;
    this.restoring = undefined;
    const term = this.term;
    this.term = undefined;
    await term?.stop();
  }
}
