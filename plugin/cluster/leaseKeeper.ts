import type { HeartbeatRequest, HeartbeatResponse } from "../../api/contract.js";
import type { GrowReport, GrowRequest } from "../../api/resizeContract.js";
import type { FreezeRequest } from "../../api/snapshotContract.js";
import { agentRenewMs, maxAgentRenewMs } from "../../core/leaseTiming.js";
import type { AgentMetrics } from "../../core/metrics.js";
import type { Clock, LocalContainers, Logger, MountTable } from "../../core/ports.js";
import type { ControllerApi } from "../../api/client/apiClient.js";

/** What the controller needs to know about this node besides its Swarm NodeID. */
export interface NodeIdentity {
  hostname: string;
  instanceId: string;
  zone: string;
}

/** Takes volumes away from Docker on this node (VolumeDriver.fence). */
export interface Fencer {
  /** Unmounts and forgets the named volumes; returns those it did. */
  fence(names: readonly string[], reason: string): Promise<string[]>;
}

export interface LeaseKeeperOptions {
  api: Pick<ControllerApi, "heartbeat">;
  /** This node's Swarm NodeID (from the local engine; may wait for dockerd). */
  nodeId: () => Promise<string>;
  identity: NodeIdentity;
  /** The driver's mount table: what is mounted here, at which epoch. */
  mounts: MountTable;
  containers: LocalContainers;
  fencer: Fencer;
  clock: Clock;
  logger: Logger;
  /** Renewals and self-fences are counted here. Absent: not measured. */
  metrics?: Pick<AgentMetrics, "leaseRenewal" | "selfFence">;
  /**
   * Told the freezes a heartbeat answer asks for (SnapshotFreezer.handle); must not wait on
   * them: the next heartbeat is never held up by a snapshot.
   */
  onFreeze?: (requests: readonly FreezeRequest[]) => void;
  /**
   * Filesystem grows (plugin/cluster/filesystemGrowth.ts, ADR 0026): told the grows an
   * answer asks for (must not wait on them), asked for the reports to send, told which a
   * successful heartbeat delivered.
   */
  growth?: { handle(requests: readonly GrowRequest[]): void; reports(): GrowReport[]; delivered(reports: readonly GrowReport[]): void };
  /**
   * The longest wait between renewals. The keeper renews every quarter of the lease the
   * controller last gave it (core/leaseTiming.ts: 750 ms of a 3 s lease), at most this.
   * @default 2000
   */
  renewMs?: number;
  /** Lease length when the controller's answer does not give a usable one (the controller's default). @default 3000 */
  defaultTtlMs?: number;
  /**
   * Most one heartbeat may wait for its answer; never past the lease's expiry. @default the
   * lease's whole remaining time (renewMs while lapsed): a controller slow under load still
   * renews with an answer that comes late, where an early abort and a retry would have
   * asked it again at the back of the same queue and let the lease lapse.
   */
  heartbeatTimeoutMs?: number;
  /**
   * Wait after a failed heartbeat while the lease is still live: short, so that during a
   * controller takeover (the new leader serves ~3 s after the old one died) the client
   * reaches another replica long before the lease runs out. @default 250
   */
  retryMs?: number;
}

/** The keeper's view, for health output. */
export interface LeaseStatus {
  live: boolean;
  /** Epoch ms; absent before the first successful heartbeat. */
  expiresAt?: number;
  consecutiveFailures: number;
  lastError?: string;
}

/**
 * Keeps this node's lease with the controller and fences the node itself when it cannot
 * (invariants 1 and 4). The controller force-detaches a node's volumes only after the
 * node's lease has expired and a grace period has passed; the agent counts its lease from
 * the SEND time of its last successful heartbeat, so its view always ends first, and at
 * that moment it kills the containers using swarmvol volumes here and unmounts them.
 * While lapsed it keeps trying; the first successful heartbeat makes the lease live again.
 */
export class LeaseKeeper {
  private readonly renewMs: number;
  private readonly defaultTtlMs: number;
  private readonly heartbeatTimeoutMs: number;
  private readonly retryMs: number;
  private readonly stopper = new AbortController();
  private expiresAt: number | undefined;
  private failures = 0;
  private lastError: string | undefined;
  private lapseReported = false;
  /** When the last heartbeat was sent: renewals are paced from sends, not from answers. */
  private lastSentAt: number | undefined;
  /** The lease length the controller last gave (the default before any answer): the renewal period follows it. */
  private leaseMs: number;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: LeaseKeeperOptions) {
    this.renewMs = positive(options.renewMs ?? maxAgentRenewMs, "renewMs");
    this.defaultTtlMs = positive(options.defaultTtlMs ?? 3000, "defaultTtlMs");
    this.leaseMs = this.defaultTtlMs;
    this.heartbeatTimeoutMs = positive(options.heartbeatTimeoutMs ?? Number.MAX_SAFE_INTEGER, "heartbeatTimeoutMs");
    this.retryMs = positive(options.retryMs ?? 250, "retryMs");
  }

  /** True while the last successful heartbeat's send time plus its ttl is in the future. */
  isLive(): boolean {
    return this.expiresAt !== undefined && this.options.clock.now() < this.expiresAt;
  }

  status(): LeaseStatus {
    return {
      live: this.isLive(),
      ...(this.expiresAt === undefined ? {} : { expiresAt: this.expiresAt }),
      consecutiveFailures: this.failures,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  /** Starts the renewal loop (once); the first heartbeat goes out at once. */
  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Ends the loop (cancelling a heartbeat in flight) and resolves once it has ended. It
   * does not fence: stopping the agent is not losing the lease.
   */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { signal } = this.stopper;
    while (!signal.aborted) {
      await this.round();
      if (signal.aborted) break;
      await this.options.clock.sleep(this.nextWaitMs(), signal).catch(() => undefined);
    }
  }

  /**
   * One round: fence first if a lease we had has run out (never wait on a heartbeat for
   * that), then renew, then act on the answer or on the failure.
   */
  private async round(): Promise<void> {
    const lapsed = this.expiresAt !== undefined && !this.isLive();
    if (lapsed) await this.selfFence();
    const answer = await this.renew();
    if (this.stopper.signal.aborted) return;
    if (answer) {
      if (answer.freeze !== undefined && answer.freeze.length > 0) this.options.onFreeze?.(answer.freeze);
      if (answer.grow !== undefined && answer.grow.length > 0) this.options.growth?.handle(answer.grow);
      await this.revoke(answer.revoke);
    } else if (!lapsed && !this.isLive()) {
      await this.selfFence();
    }
  }

  /** The renewal period: a quarter of the lease, at most `renewMs` (the lease must survive three misses). */
  private renewPeriodMs(): number {
    return agentRenewMs(this.leaseMs, this.renewMs);
  }

  /**
   * Wakes at the next renewal, one period after the last heartbeat was SENT (so an answer
   * that came late is followed by the next heartbeat at once, not a period later: the lease
   * counts from sends), sooner after a failure (`retryMs`), or at the lease's end if that
   * comes first. A keeper with no live lease retries every `renewMs`, each try given as
   * long, so that a controller slow under load still brings it back.
   */
  private nextWaitMs(): number {
    if (!this.isLive() || this.expiresAt === undefined) return this.renewMs;
    const now = this.options.clock.now();
    const period = this.failures > 0 ? this.retryMs : this.renewPeriodMs() - (now - (this.lastSentAt ?? now));
    return Math.max(1, Math.min(period, this.expiresAt - now));
  }

  private async renew(): Promise<HeartbeatResponse | undefined> {
    const { api, clock, logger } = this.options;
    try {
      // Learning the node id may wait for dockerd; the lease counts from the heartbeat's send
      // time, not from before that wait, or a restarted agent's first lease is born lapsed.
      const nodeId = await this.options.nodeId();
      const sentAt = clock.now();
      this.lastSentAt = sentAt;
      const timeoutMs = this.isLive() ? Math.min(this.heartbeatTimeoutMs, Math.max(1, (this.expiresAt ?? 0) - sentAt)) : Math.min(this.heartbeatTimeoutMs, this.renewMs);
      const request = this.request();
      const answer = await api.heartbeat(nodeId, request, { timeoutMs, signal: this.stopper.signal });
      if (request.grown) this.options.growth?.delivered(request.grown);
      const ttlMs = Number.isFinite(answer.ttlMs) && answer.ttlMs > 0 ? answer.ttlMs : this.defaultTtlMs;
      const wasLive = this.isLive();
      this.expiresAt = sentAt + ttlMs;
      this.leaseMs = ttlMs;
      this.options.metrics?.leaseRenewal(true);
      if (!wasLive && this.lapseReported) logger.warn({ failures: this.failures }, "lease renewed: this node may mount volumes again");
      this.failures = 0;
      this.lastError = undefined;
      this.lapseReported = false;
      return answer;
    } catch (err) {
      if (this.stopper.signal.aborted) return undefined;
      this.options.metrics?.leaseRenewal(false);
      this.failures += 1;
      this.lastError = err instanceof Error ? err.message : String(err);
      const log = this.failures === 1 ? logger.warn.bind(logger) : logger.debug.bind(logger);
      log({ err: this.lastError, failures: this.failures, expiresAt: this.expiresAt }, "heartbeat failed");
      return undefined;
    }
  }

  private request(): HeartbeatRequest {
    // The mount's own phase times go along: the controller stamps t6/t7 from them, not from
    // when this heartbeat happens to arrive (up to a renewal period after the mount).
    const mounts = this.options.mounts.list().map(([volume, entry]) => ({
      volume, epoch: entry.epoch ?? 0,
      ...(entry.verifiedAt === undefined ? {} : { verifiedAt: entry.verifiedAt }), ...(entry.mountedAt === undefined ? {} : { mountedAt: entry.mountedAt }),
    }));
    const grown = this.options.growth?.reports() ?? [];
    return { ...this.options.identity, mounts, ...(grown.length > 0 ? { grown } : {}) };
  }

  /** The lease is gone: nothing swarmvol mounted here may keep being written. */
  private async selfFence(): Promise<void> {
    const names = this.options.mounts.list().map(([name]) => name);
    if (!this.lapseReported) {
      this.options.metrics?.selfFence("lapsed", names.length);
      this.options.logger.error(
        { expiresAt: this.expiresAt, lastError: this.lastError, volumes: names },
        "lease with the controller lapsed: fencing this node's swarmvol volumes",
      );
      this.lapseReported = true;
    }
    if (names.length > 0) await this.fenceVolumes(names, `lease lapsed (${this.lastError ?? "no heartbeat answered"})`);
  }

  /** The controller moved these volumes on (a newer epoch exists elsewhere). */
  private async revoke(revoked: readonly string[]): Promise<void> {
    const mounted = new Set(this.options.mounts.list().map(([name]) => name));
    const names = revoked.filter((name) => mounted.has(name));
    if (names.length === 0) return;
    this.options.metrics?.selfFence("revoked", names.length);
    this.options.logger.error({ volumes: names }, "controller revoked volumes mounted here: fencing them");
    await this.fenceVolumes(names, "revoked by the controller: the volume's epoch moved on");
  }

  /** Writers first, then the filesystems: an unmount under a live writer would fail busy. */
  private async fenceVolumes(names: readonly string[], reason: string): Promise<void> {
    const { containers, fencer, logger } = this.options;
    let victims: Awaited<ReturnType<LocalContainers["usingVolumes"]>> = [];
    try {
      victims = await containers.usingVolumes(names);
    } catch (err) {
      logger.error({ err: (err as Error).message, volumes: names }, "cannot list the containers to fence; unmounting anyway");
    }
    for (const victim of victims) {
      try {
        await containers.kill(victim.id);
        logger.error({ container: victim.name, id: victim.id, volumes: victim.volumes, reason }, "container killed to fence its volumes");
      } catch (err) {
        logger.error({ container: victim.name, id: victim.id, err: (err as Error).message }, "container kill failed");
      }
    }
    await fencer.fence(names, reason);
    const left = names.filter((name) => this.options.mounts.get(name) !== undefined);
    if (left.length > 0) logger.error({ volumes: left }, "volumes still mounted after fencing; retrying next round");
  }
}

function positive(value: number, option: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new TypeError(`\`${option}\` must be a positive number of milliseconds, not ${String(value)}`);
  return value;
}
