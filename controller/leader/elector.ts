/**
 * One replica's side of the leader election (ADR 0010). Every `pollMs` it reads the lease
 * record from Swarm's Raft store and runs the pure {@link nextElectionStep}; a write is a
 * compare-and-swap on the version it just read, so of two candidates at most one wins.
 *
 * Semantics:
 * - A candidate takes over only after seeing one version of the record unchanged for a
 *   full lease on its own monotonic clock (at once when the holder released it).
 * - The holder renews every `renewPeriodMs` and may act only until
 *   `lastRenewSentAt + leaseDurationMs - safetyMarginMs` ({@link actDeadline}): any other
 *   replica saw the renewed version only after it was sent, so it cannot take over earlier.
 *   `canAct()` is the gate every mutation passes through, checked right before it is sent.
 * - A holder whose renewal is late is paused (ADR 0030): its gate stays closed, it keeps
 *   renewing, and a renewal that lands reopens the gate in the same term (no restore).
 *   It steps down when it reads another holder, or when no renewal landed within
 *   `pauseLimitMs` past its deadline: `onStoppedLeading` runs, and it is a candidate again.
 * - `stop()` (SIGTERM) closes the gate first, then releases the record (holder "") so a
 *   standby takes over within one poll instead of one lease.
 * - Leadership becomes visible to the API (`isLeader()`) only once `onStartedLeading`
 *   resolved (state restored); if it throws, the replica releases the lease.
 */
import { randomUUID } from "node:crypto";
import { isSwarmvolError, ErrorCode, unavailable } from "../../core/errors.js";
import {
  actDeadline, checkElectionTiming, defaultElectionTiming, holderVerdict, holds, nextElectionStep,
  type ElectionTiming, type LeadershipView, type LeaseRecord, type LeaseStore, type Observation,
} from "../../core/leadership.js";
import type { Clock, Logger } from "../../core/ports.js";

export interface ElectorOptions {
  store: LeaseStore;
  /** This replica's id; unique per process (a restart is a new candidate). @default random */
  self?: string;
  /** This replica's API URL, written into the record for agents. */
  selfUrl: string;
  /** Monotonic time for every decision, and the sleeps of the loop. */
  clock: Clock;
  /** Wall-clock ms, only for the record's informative ISO times. @default Date.now */
  wallClock?: () => number;
  logger: Logger;
  /** @default defaultElectionTiming */
  timing?: Partial<ElectionTiming>;
  /**
   * How long past its deadline a paused holder waits for a renewal to land before it gives
   * its term up. Two leases: longer than a Raft write storm at a 50-service deploy, shorter
   * than an agent's lease lasts once the leader stops answering it (ADR 0030).
   * @default 2 × leaseDurationMs
   */
  pauseLimitMs?: number;
  /** True while this replica would rather not lead (its manager is Swarm's Raft leader). @default never */
  reluctant?: () => boolean;
  /** Becomes leader: restore state, start acting. Leadership is public once it resolves. */
  onStartedLeading: () => Promise<void>;
  /** Lost or gave up the lease: stop acting. Must not throw. */
  onStoppedLeading: () => Promise<void>;
}

export class LeaderElector implements LeadershipView {
  readonly self: string;
  private readonly timing: ElectionTiming;
  private readonly stopper = new AbortController();
  private observed: Observation | undefined;
  private lastRenewSentAt: number | undefined;
  private leading = false;
  private ready = false;
  private stopping = false;
  /** Counts terms, so a restore that finishes after its term ended is not made public. */
  private term = 0;
  private loop: Promise<void> | undefined;
  /** The lease's `transitions` when this replica last took it: the term events carry. */
  private heldTransitions: number | undefined;
  /** When the current pause began (this term's deadline passed): the pause limit counts from it, and the log of its end. */
  private pausedSince: number | undefined;
  private readonly pauseLimitMs: number;

  constructor(private readonly options: ElectorOptions) {
    this.self = options.self ?? `replica-${randomUUID().slice(0, 8)}`;
    this.timing = checkElectionTiming({ ...defaultElectionTiming, ...options.timing });
    this.pauseLimitMs = options.pauseLimitMs ?? 2 * this.timing.leaseDurationMs;
  }

  /** The mutation gate: true only while this replica holds a lease no other can have taken. */
  canAct(): boolean {
    return this.leading && this.options.clock.now() < actDeadline(this.lastRenewSentAt, this.timing);
  }

  /** Throws UNAVAILABLE unless {@link canAct}; called right before a mutation is sent. */
  assertCanAct(): void {
    if (!this.canAct()) throw unavailable("this swarmvol controller replica is not the leader (or its lease is about to lapse); the leader will retry", {});
  }

  isLeader(): boolean {
    return this.ready && this.canAct();
  }

  /** Holds the lease, may act, and has not restored its state yet (`onStartedLeading` still running). */
  restoring(): boolean {
    return !this.ready && this.canAct();
  }

  leaderUrl(): string | undefined {
    const record = this.observed?.record;
    if (this.isLeader()) return this.options.selfUrl;
    return record && record.holder !== "" && record.holder !== this.self ? record.holderUrl : undefined;
  }

  /** The lease's `transitions` count when this replica last took the lease (undefined before). */
  leaseTerm(): number | undefined {
    return this.heldTransitions;
  }

  /** The record as last read, for health output. */
  record(): LeaseRecord | undefined {
    return this.observed?.record;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Closes the gate, stops the loop, releases the lease if this replica holds it, and only
   * then waits for the leader's work to wind down, so a standby takes over meanwhile.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    const wasLeading = this.closeGate("stopping");
    this.stopper.abort();
    await this.loop;
    if (!wasLeading) return;
    await this.release();
    await this.stopped();
  }

  private async run(): Promise<void> {
    while (!this.stopper.signal.aborted) {
      const waitMs = await this.tick().catch((err: unknown) => {
        this.options.logger.error({ err: (err as Error).message }, "election round failed");
        return this.timing.pollMs;
      });
      await this.options.clock.sleep(waitMs, this.stopper.signal).catch(() => undefined);
    }
  }

  /** One round: observe, judge the term if holding, then create, acquire, renew or wait. */
  private async tick(): Promise<number> {
    const seen = await this.observe();
    const now = this.options.clock.now();
    if (this.leading) await this.judgeTerm(seen, now);
    if (!seen || this.observed === undefined) return this.timing.pollMs;
    const step = nextElectionStep({
      self: this.self, observed: this.observed, now, lastRenewSentAt: this.leading ? this.lastRenewSentAt : undefined,
      timing: this.timing, reluctant: this.options.reluctant?.() ?? false,
    });
    if (step.kind === "wait") return step.ms;
    await this.write(step.kind, this.observed);
    return step.kind === "renew" ? Math.min(this.timing.pollMs, this.timing.renewPeriodMs) : 0;
  }

  /** Acts on {@link holderVerdict}: goes on, pauses (logged once per pause) or steps down. */
  private async judgeTerm(seen: boolean, now: number): Promise<void> {
    const verdict = holderVerdict({
      now, lastRenewSentAt: this.lastRenewSentAt, timing: this.timing, pausedSince: this.pausedSince, pauseLimitMs: this.pauseLimitMs,
      heldByAnother: seen && !holds(this.observed?.record, this.self),
    });
    if (verdict.kind === "stepDown") {
      await this.stepDown(verdict.reason);
    } else if (verdict.kind === "pause" && this.pausedSince === undefined) {
      this.pausedSince = verdict.since;
      this.options.logger.warn({ replica: this.self, lateMs: now - verdict.since }, "leader lease renewal late; mutations wait until one lands");
    }
  }

  /** A renewal landed: the gate is open again if it was sent in time to count. */
  private renewed(sentAt: number): void {
    this.lastRenewSentAt = sentAt;
    const now = this.options.clock.now();
    if (this.pausedSince === undefined || now >= actDeadline(sentAt, this.timing)) return;
    this.options.logger.warn({ replica: this.self, pausedMs: now - this.pausedSince, writeMs: now - sentAt }, "leader lease renewal landed; acting again in the same term");
    this.pausedSince = undefined;
  }

  /** Reads the record; false when the store could not be read (Raft unavailable, partition). */
  private async observe(): Promise<boolean> {
    try {
      const read = await this.options.store.readLease();
      const version = read?.version ?? 0;
      if (this.observed === undefined || this.observed.version !== version) {
        this.observed = { version, record: read?.value, firstSeenAt: this.options.clock.now() };
      }
      return true;
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, "cannot read the leader lease");
      return false;
    }
  }

  private async write(kind: "create" | "acquire" | "renew", observed: Observation): Promise<void> {
    const sentAt = this.options.clock.now();
    const iso = this.wallIso();
    const previous = observed.record;
    const record: LeaseRecord = kind === "renew" && previous
      ? { ...previous, renewedAt: iso }
      : {
        holder: this.self, holderUrl: this.options.selfUrl, leaseDurationMs: this.timing.leaseDurationMs,
        renewPeriodMs: this.timing.renewPeriodMs, acquiredAt: iso, renewedAt: iso, transitions: (previous?.transitions ?? -1) + 1,
      };
    try {
      if (kind === "create") await this.options.store.createLease(record);
      else await this.options.store.updateLease(record, observed.version);
    } catch (err) {
      const lost = isSwarmvolError(err, ErrorCode.Conflict);
      this.options.logger[lost ? "info" : "warn"]({ step: kind, err: (err as Error).message }, "lease write refused");
      return;
    }
    // A write that lands while stopping makes no leader; stop() then releases what it won.
    if (this.stopping) return;
    if (kind === "renew") {
      if (this.leading) this.renewed(sentAt);
      return;
    }
    this.lastRenewSentAt = sentAt;
    this.heldTransitions = record.transitions;
    this.becomeLeader(previous);
  }

  private becomeLeader(previous: LeaseRecord | undefined): void {
    this.leading = true;
    const term = ++this.term;
    this.options.logger.warn({ replica: this.self, previousHolder: previous?.holder ?? null }, "became the leader");
    this.options.onStartedLeading().then(() => {
      if (term === this.term && this.leading) {
        this.ready = true;
        this.options.logger.info({ replica: this.self }, "leader restored its state and is acting");
      }
    }, async (err: unknown) => {
      this.options.logger.error({ err: (err as Error).message }, "leader could not restore its state; giving the lease up");
      if (term !== this.term) return;
      await this.stepDown("restore failed");
      await this.release();
    });
  }

  private async stepDown(reason: string): Promise<void> {
    if (this.closeGate(reason)) await this.stopped();
  }

  /** Ends this term at once (no mutation passes the gate after it); true if it was leading. */
  private closeGate(reason: string): boolean {
    if (!this.leading) return false;
    this.leading = false;
    this.ready = false;
    this.pausedSince = undefined;
    this.term += 1;
    this.options.logger.warn({ replica: this.self, reason }, "stopped leading");
    return true;
  }

  private async stopped(): Promise<void> {
    await this.options.onStoppedLeading().catch((err: unknown) => {
      this.options.logger.error({ err: (err as Error).message }, "stopping the leader's work failed");
    });
  }

  /** Writes holder "" by CAS on the version this replica last renewed, so a standby need not wait a lease. */
  private async release(): Promise<void> {
    try {
      const read = await this.options.store.readLease();
      if (read?.value.holder !== this.self) return;
      await this.options.store.updateLease({ ...read.value, holder: "", renewedAt: this.wallIso() }, read.version);
      this.options.logger.info({ replica: this.self }, "released the leader lease");
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, "could not release the leader lease; a standby takes over after one lease");
    }
  }

  /** Wall-clock time for the record's informative fields; never used in a decision. */
  private wallIso(): string {
    return new Date((this.options.wallClock ?? Date.now)()).toISOString();
  }
}

