/**
 * What swarmvol measures, in the domain's words: ports that domain code calls with typed
 * arguments, never metric names or help strings. Each process kind declares its metrics
 * once, with prom-client, in the only modules that may import it: `controller/metrics.ts`
 * and `plugin/metrics.ts` (names, help, labels and buckets are listed in docs/metrics.md,
 * which a test keeps equal to those declarations). Tests use test/fakes/recordingMetrics.ts.
 *
 * Every method is synchronous and must not throw: measuring never fails a reconcile or a
 * Docker call.
 */

/**
 * The phases of a move the controller records (design.md "A move, phase by phase"): its
 * own steps, and the new holder's device verified (t6) and mounted (t7) as its agent reports
 * them. A move to another zone (zonePolicy=follow) also has t4a (the old volume's snapshot
 * taken) and t4b (the new volume created in the new zone), between t4 and t5.
 */
export type MovePhase = "t3_fenced" | "t4_detached" | "t4a_snapshotted" | "t4b_created" | "t5_attached" | "t6_verified" | "t7_mounted";
export const movePhases: readonly MovePhase[] = ["t3_fenced", "t4_detached", "t4a_snapshotted", "t4b_created", "t5_attached", "t6_verified", "t7_mounted"];

/**
 * `first`: the volume had no holder (first placement); `failover`: it is handed from another
 * node; `relocation`: it follows its task into another zone (recreated from a snapshot there).
 */
export type MoveKind = "first" | "failover" | "relocation";
/** `forced`: detached by force from a fenced node (a failure); `planned`: the holder let go. */
export type MoveMode = "planned" | "forced";

/** How one reconcile ended (controller/queue.ts). */
export type ReconcileOutcome = "ok" | "requeue" | "retry" | "terminal";

/** The CloudVolumes methods, as the `operation` of a cloud call. */
export type CloudOperation = "create" | "describe" | "attach" | "detach" | "delete" | "setTags" | "describeInstances"
  | "createSnapshot" | "listSnapshots" | "getSnapshot" | "deleteSnapshot" | "waitSnapshot";

/**
 * Nodes by the state of their lease with this leader: `live` (renewed within its ttl),
 * `unheard` (not heard this term, assumed live until takeover + ttl), `lapsed` (expired,
 * not yet past the fence grace) and `fenced` (may be force-detached from: invariant 4).
 */
export interface NodeLeaseCounts {
  live: number;
  unheard: number;
  lapsed: number;
  fenced: number;
}

/** A move not yet mounted on its new node (no t7): the last phase it reached, and since when it runs. */
export interface OpenMove {
  phase: "t2_seen" | "t3_fenced" | "t4_detached" | "t4a_snapshotted" | "t4b_created" | "t5_attached";
  /** Seconds since the controller saw it (t2). */
  seconds: number;
}

/** This replica in the leader election, read at every scrape. */
export interface LeaderState {
  replica: string;
  leading: boolean;
  /** How many times the lease changed hands (the lease record's count); undefined before it is read. */
  transitions: number | undefined;
}

/** The controller replica's metrics. One per process; terms of leadership share it. */
export interface ControllerMetrics {
  /** A move reached `phase`, `seconds` after the controller saw it (t2). */
  movePhase(phase: MovePhase, kind: MoveKind, mode: MoveMode, seconds: number): void;
  /** A move ended: the volume is mounted on its new node (t7), `seconds` after t2. */
  moveDone(kind: MoveKind, mode: MoveMode, seconds: number): void;
  /** Volumes ready and waiting for a worker. */
  queueDepth(depth: number): void;
  /** From a volume being queued to its reconcile starting. */
  queueLatency(seconds: number): void;
  /** One reconcile ran for `seconds` and ended so. */
  reconciled(outcome: ReconcileOutcome, seconds: number): void;
  /** A placement action (attach, detach, grant...) was carried out; `code` is the error code when it failed. */
  action(kind: string, code: string | undefined): void;
  /** One call of the Cloud port ended after `seconds`; `code` is "ok" or the error's code. */
  cloudCall(operation: CloudOperation, code: string, seconds: number): void;
  /** Read at every scrape until the returned function is called (a term's node registry). */
  nodeLeases(read: () => NodeLeaseCounts): () => void;
  /** Moves still open, read at every scrape until the returned function is called (a term's catalog). */
  openMoves(read: () => readonly OpenMove[]): () => void;
  /** Read at every scrape (the replica's elector). */
  leadership(read: () => LeaderState): void;
  /** Requests sent to the backend's API by action, retries included, read at every scrape (EBS: EC2 requests). */
  backendRequests(read: () => Readonly<Record<string, number>>): void;
  /** A power fence (forced instance stop) ended, `seconds` after its StopInstances. */
  powerFence(outcome: "stopped" | "failed", seconds: number): void;
}

/** How one plugin request ended: "ok", a domain error code, or "PROTOCOL" (bad path, body or method). */
export type PluginResult = string;

/** The node agent's metrics (also the all-in-one daemon's). */
export interface AgentMetrics {
  /** One Docker plugin request (`verb` like "Mount", "unknown" for a bad path) answered after `seconds`. */
  pluginRequest(verb: string, result: PluginResult, seconds: number): void;
  /** One heartbeat to the controller: renewed the lease, or failed. */
  leaseRenewal(ok: boolean): void;
  /** The agent fenced volumes itself: its lease lapsed, or the controller revoked them. */
  selfFence(reason: "lapsed" | "revoked", volumes: number): void;
}

/** A registry as served at GET /metrics. */
export interface MetricsExposition {
  /** The Content-Type of `render()` (Prometheus text format 0.0.4). */
  readonly contentType: string;
  render(): Promise<string>;
}
