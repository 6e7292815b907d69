/**
 * Every metric a controller replica exports, declared once (docs/metrics.md is checked
 * against this table), and the prom-client implementation of the ControllerMetrics port.
 * One per process: terms of leadership share it, so a standby keeps what it measured while
 * it led. Scrape-time gauges (leases, leadership, backend requests) read the sources the
 * replica and its terms register; a source a term removed reads as no series.
 */
import type { Registry } from "prom-client";
import type {
  CloudOperation, ControllerMetrics, LeaderState, MetricsExposition, MoveKind, MoveMode, MovePhase, NodeLeaseCounts, OpenMove, ReconcileOutcome,
} from "../core/metrics.js";
import { declareMetrics, expositionOf, newRegistry, type Families, type MetricDefinition } from "../api/metrics.js";

/** Moves take seconds (planned) to tens of seconds (forced, after lease + grace); EBS can take minutes. */
const moveBuckets = [0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1800];
/** A cloud call waits for its transition (attach, detach, create): tens of ms to minutes. */
const cloudBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
/** A reconcile decides in memory (ms) or waits on the cloud (seconds). */
const reconcileBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export const controllerMetricDefinitions = {
  movePhase: {
    name: "swarmvol_move_phase_seconds", type: "histogram", labels: ["phase", "kind", "mode"], buckets: moveBuckets,
    help: "Seconds from the controller seeing a move (t2) to each later phase of it (t3_fenced, t4_detached, t4a_snapshotted and t4b_created when it crosses zones, t5_attached; t6_verified and t7_mounted as the new node's agent stamped them)",
  },
  moveDuration: {
    name: "swarmvol_move_duration_seconds", type: "histogram", labels: ["kind", "mode"], buckets: moveBuckets,
    help: "Seconds from the controller seeing a move (t2) to the volume mounted on its new node (t7)",
  },
  movesOpen: {
    name: "swarmvol_moves_open", type: "gauge", labels: ["phase"],
    help: "Moves not yet mounted on their new node (leader only), by the last phase reached (t2_seen, t3_fenced, t4_detached, t4a_snapshotted, t4b_created, t5_attached)",
  },
  movesOpenOldest: {
    name: "swarmvol_moves_open_oldest_seconds", type: "gauge", labels: ["phase"],
    help: "Age since t2 of the oldest open move in each phase (leader only): a move stuck in a phase grows here",
  },
  queueDepth: { name: "swarmvol_queue_depth", type: "gauge", labels: [], help: "Volumes waiting for a reconcile worker" },
  queueLatency: {
    name: "swarmvol_queue_latency_seconds", type: "histogram", labels: [], buckets: reconcileBuckets,
    help: "From a volume being queued to its reconcile starting",
  },
  reconcile: {
    name: "swarmvol_reconcile_duration_seconds", type: "histogram", labels: ["outcome"], buckets: reconcileBuckets,
    help: "How long one reconcile ran, by how it ended (ok, requeue, retry, terminal)",
  },
  actions: { name: "swarmvol_actions_total", type: "counter", labels: ["action", "code"], help: "Placement actions carried out, by action and error code (ok when it succeeded)" },
  cloudCalls: { name: "swarmvol_cloud_calls_total", type: "counter", labels: ["operation", "code"], help: "Calls of the cloud backend, by operation and error code (ok when it succeeded)" },
  cloudDuration: {
    name: "swarmvol_cloud_call_duration_seconds", type: "histogram", labels: ["operation"], buckets: cloudBuckets,
    help: "How long one call of the cloud backend took, its waits for the volume's transition included",
  },
  backendRequests: {
    name: "swarmvol_backend_requests_total", type: "counter", labels: ["action"],
    help: "Requests sent to the backends' APIs (EC2 actions; EFS actions when EFS is served), each attempt counted, retries included",
  },
  nodeLeases: { name: "swarmvol_node_leases", type: "gauge", labels: ["state"], help: "Nodes by the state of their lease with this leader (live, unheard, lapsed, fenced)" },
  leader: { name: "swarmvol_leader", type: "gauge", labels: ["replica"], help: "1 while this replica is the leader and may act, else 0" },
  leaderTerm: {
    name: "swarmvol_leader_term", type: "gauge", labels: [],
    help: "How many times the leader lease changed hands, as this replica last read the lease record",
  },
  powerFences: { name: "swarmvol_power_fences_total", type: "counter", labels: ["outcome"], help: "Power fences (forced instance stops, --fence-mode=power) by outcome (stopped, failed)" },
  powerFenceDuration: {
    name: "swarmvol_power_fence_seconds", type: "histogram", labels: ["outcome"], buckets: cloudBuckets,
    help: "From a power fence's StopInstances to the instance stopped, or to the fence failing",
  },
} as const satisfies Record<string, MetricDefinition>;

/** The controller's metrics on a registry of their own (with the default process metrics). */
export class PromControllerMetrics implements ControllerMetrics {
  readonly registry: Registry;
  readonly exposition: MetricsExposition;
  private readonly families: Families<typeof controllerMetricDefinitions>;
  private leases: (() => NodeLeaseCounts) | undefined;
  private leaderState: (() => LeaderState) | undefined;
  private requests: (() => Readonly<Record<string, number>>) | undefined;
  private moves: (() => readonly OpenMove[]) | undefined;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    this.registry = newRegistry(options);
    this.exposition = expositionOf(this.registry);
    this.families = declareMetrics(this.registry, controllerMetricDefinitions, {
      nodeLeases: () => this.collectLeases(),
      leader: () => this.collectLeader(),
      leaderTerm: () => this.collectLeader(),
      backendRequests: () => this.collectRequests(),
      movesOpen: () => this.collectOpenMoves(),
      movesOpenOldest: () => this.collectOpenMoves(),
    });
  }

  movePhase(phase: MovePhase, kind: MoveKind, mode: MoveMode, seconds: number): void {
    this.families.movePhase.observe({ phase, kind, mode }, seconds);
  }

  moveDone(kind: MoveKind, mode: MoveMode, seconds: number): void {
    this.families.moveDuration.observe({ kind, mode }, seconds);
  }

  queueDepth(depth: number): void {
    this.families.queueDepth.set(depth);
  }

  queueLatency(seconds: number): void {
    this.families.queueLatency.observe(seconds);
  }

  reconciled(outcome: ReconcileOutcome, seconds: number): void {
    this.families.reconcile.observe({ outcome }, seconds);
  }

  action(kind: string, code: string | undefined): void {
    this.families.actions.inc({ action: kind, code: code ?? "ok" });
  }

  cloudCall(operation: CloudOperation, code: string, seconds: number): void {
    this.families.cloudCalls.inc({ operation, code });
    this.families.cloudDuration.observe({ operation }, seconds);
  }

  nodeLeases(read: () => NodeLeaseCounts): () => void {
    this.leases = read;
    return () => {
      if (this.leases === read) this.leases = undefined;
    };
  }

  openMoves(read: () => readonly OpenMove[]): () => void {
    this.moves = read;
    return () => {
      if (this.moves === read) this.moves = undefined;
    };
  }

  leadership(read: () => LeaderState): void {
    this.leaderState = read;
  }

  backendRequests(read: () => Readonly<Record<string, number>>): void {
    this.requests = read;
  }

  powerFence(outcome: "stopped" | "failed", seconds: number): void {
    this.families.powerFences.inc({ outcome });
    this.families.powerFenceDuration.observe({ outcome }, seconds);
  }

  private collectLeases(): void {
    const gauge = this.families.nodeLeases;
    gauge.reset();
    const counts = this.leases?.();
    if (counts) for (const [state, n] of Object.entries(counts)) gauge.set({ state }, n);
  }

  private collectOpenMoves(): void {
    const { movesOpen, movesOpenOldest } = this.families;
    movesOpen.reset();
    movesOpenOldest.reset();
    const byPhase = new Map<string, { n: number; oldest: number }>();
    for (const move of this.moves?.() ?? []) {
      const seen = byPhase.get(move.phase) ?? { n: 0, oldest: 0 };
      byPhase.set(move.phase, { n: seen.n + 1, oldest: Math.max(seen.oldest, move.seconds) });
    }
    for (const [phase, { n, oldest }] of byPhase) {
      movesOpen.set({ phase }, n);
      movesOpenOldest.set({ phase }, oldest);
    }
  }

  private collectLeader(): void {
    const { leader, leaderTerm } = this.families;
    leader.reset();
    leaderTerm.reset();
    const state = this.leaderState?.();
    if (!state) return;
    leader.set({ replica: state.replica }, state.leading ? 1 : 0);
    if (state.transitions !== undefined) leaderTerm.set(state.transitions);
  }

  /** The backend counts its own requests; the counter shows its running totals. */
  private collectRequests(): void {
    const counter = this.families.backendRequests;
    counter.reset();
    for (const [action, n] of Object.entries(this.requests?.() ?? {})) if (n > 0) counter.inc({ action }, n);
  }
}
