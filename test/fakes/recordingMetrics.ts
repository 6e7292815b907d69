import type {
  AgentMetrics, CloudOperation, ControllerMetrics, LeaderState, MoveKind, MoveMode, MovePhase, NodeLeaseCounts, OpenMove, ReconcileOutcome,
} from "../../core/metrics.js";

/**
 * Records every measurement as data, for tests that assert what was measured without
 * parsing an exposition; sources registered for scrape time can be read with `read*()`.
 */
export class RecordingMetrics implements ControllerMetrics, AgentMetrics {
  readonly phases: Array<{ phase: MovePhase; kind: MoveKind; mode: MoveMode; seconds: number }> = [];
  readonly moves: Array<{ kind: MoveKind; mode: MoveMode; seconds: number }> = [];
  readonly depths: number[] = [];
  readonly latencies: number[] = [];
  readonly reconciles: Array<{ outcome: ReconcileOutcome; seconds: number }> = [];
  readonly actions: Array<{ kind: string; code: string | undefined }> = [];
  readonly cloudCalls: Array<{ operation: CloudOperation; code: string; seconds: number }> = [];
  readonly pluginRequests: Array<{ verb: string; result: string; seconds: number }> = [];
  readonly renewals: boolean[] = [];
  readonly selfFences: Array<{ reason: "lapsed" | "revoked"; volumes: number }> = [];
  readonly powerFences: Array<{ outcome: "stopped" | "failed"; seconds: number }> = [];
  private leases: (() => NodeLeaseCounts) | undefined;
  private leader: (() => LeaderState) | undefined;
  private requests: (() => Readonly<Record<string, number>>) | undefined;
  private open: (() => readonly OpenMove[]) | undefined;

  movePhase(phase: MovePhase, kind: MoveKind, mode: MoveMode, seconds: number): void {
    this.phases.push({ phase, kind, mode, seconds });
  }

  moveDone(kind: MoveKind, mode: MoveMode, seconds: number): void {
    this.moves.push({ kind, mode, seconds });
  }

  queueDepth(depth: number): void {
    this.depths.push(depth);
  }

  queueLatency(seconds: number): void {
    this.latencies.push(seconds);
  }

  reconciled(outcome: ReconcileOutcome, seconds: number): void {
    this.reconciles.push({ outcome, seconds });
  }

  action(kind: string, code: string | undefined): void {
    this.actions.push({ kind, code });
  }

  cloudCall(operation: CloudOperation, code: string, seconds: number): void {
    this.cloudCalls.push({ operation, code, seconds });
  }

  nodeLeases(read: () => NodeLeaseCounts): () => void {
    this.leases = read;
    return () => {
      if (this.leases === read) this.leases = undefined;
    };
  }

  openMoves(read: () => readonly OpenMove[]): () => void {
    this.open = read;
    return () => {
      if (this.open === read) this.open = undefined;
    };
  }

  leadership(read: () => LeaderState): void {
    this.leader = read;
  }

  backendRequests(read: () => Readonly<Record<string, number>>): void {
    this.requests = read;
  }

  powerFence(outcome: "stopped" | "failed", seconds: number): void {
    this.powerFences.push({ outcome, seconds });
  }

  pluginRequest(verb: string, result: string, seconds: number): void {
    this.pluginRequests.push({ verb, result, seconds });
  }

  leaseRenewal(ok: boolean): void {
    this.renewals.push(ok);
  }

  selfFence(reason: "lapsed" | "revoked", volumes: number): void {
    this.selfFences.push({ reason, volumes });
  }

  readLeases(): NodeLeaseCounts | undefined {
    return this.leases?.();
  }

  readOpenMoves(): readonly OpenMove[] | undefined {
    return this.open?.();
  }

  readLeader(): LeaderState | undefined {
    return this.leader?.();
  }

  readBackendRequests(): Readonly<Record<string, number>> | undefined {
    return this.requests?.();
  }
}
