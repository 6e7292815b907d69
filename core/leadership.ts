/**
 * Leadership among the controller replicas (one on every manager), decided through a lease
 * record in Swarm's Raft store and changed only by compare-and-swap on its version, like a
 * Kubernetes Lease. This file holds the record, the ports and the pure step function; the
 * loop that runs it is controller/leader/elector.ts and the timing argument is ADR 0010.
 *
 * Times here are of two kinds and never mixed: `*At` fields of the record are wall-clock
 * ISO strings for operators only; every decision uses the replica's own monotonic clock
 * (`elapsed` ms), so a wall-clock step can neither extend nor cut a lease.
 */
import { invalidArgument } from "./errors.js";

/** The lease as stored in Swarm (labels of one config object). */
export interface LeaseRecord {
  /** Replica id of the holder; "" once the holder released it (a handover). */
  holder: string;
  /** Where agents and the CLI reach the holder's API, like http://10.0.0.5:7750. */
  holderUrl: string;
  /** How long after a renewal a candidate must wait, on its own clock, before taking over. */
  leaseDurationMs: number;
  renewPeriodMs: number;
  /** Wall-clock ISO times, informative only. */
  acquiredAt: string;
  renewedAt: string;
  /** How many times the lease changed hands. */
  transitions: number;
}

/** A stored object with its Swarm `Version.Index`, the token of the next compare-and-swap. */
export interface Versioned<T> {
  value: T;
  version: number;
}

/** The lease record in Swarm's Raft store. */
export interface LeaseStore {
  /** The record and its version; undefined when no replica ever led this swarm. */
  readLease(): Promise<Versioned<LeaseRecord> | undefined>;
  /** Creates the record; CONFLICT when another candidate created it first. */
  createLease(record: LeaseRecord): Promise<void>;
  /** Replaces the record only while its version is still `version`; CONFLICT otherwise. */
  updateLease(record: LeaseRecord, version: number): Promise<void>;
}

/** What the API and health output need to know of leadership. */
export interface LeadershipView {
  /** True while this replica holds a lease it may act on and has restored its state. */
  isLeader(): boolean;
  /** True while this replica holds a lease it may act on but is still restoring its state. @default never */
  restoring?(): boolean;
  /** The leader's API URL as the record last said (this replica's own when it leads). */
  leaderUrl(): string | undefined;
}

export interface ElectionTiming {
  /** @default 2000 */
  leaseDurationMs: number;
  /** @default 500 */
  renewPeriodMs: number;
  /** How often a standby reads the record. @default 250 */
  pollMs: number;
  /**
   * The leader acts only until `lastRenewSentAt + leaseDurationMs - safetyMarginMs`: the
   * margin covers clock-rate drift between replicas and a mutation already on the wire.
   * @default leaseDurationMs / 4
   */
  safetyMarginMs: number;
}

export const defaultElectionTiming: ElectionTiming = { leaseDurationMs: 2000, renewPeriodMs: 500, pollMs: 250, safetyMarginMs: 500 };

/** Checks the timing relations ADR 0010 relies on; INVALID_ARGUMENT naming the fix. */
export function checkElectionTiming(timing: ElectionTiming): ElectionTiming {
  const { leaseDurationMs: lease, renewPeriodMs: renew, pollMs, safetyMarginMs: margin } = timing;
  for (const [name, value] of Object.entries(timing)) {
    if (!(Number.isFinite(value) && value > 0)) throw invalidArgument(`${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
  if (renew * 3 > lease) throw invalidArgument(`--leader-renew-ms (${renew}) must be at most a third of --leader-lease-ms (${lease}): a leader must get three tries to renew`);
  if (margin + renew >= lease) throw invalidArgument(`the safety margin (${margin} ms) plus the renew period (${renew} ms) must be below the lease (${lease} ms)`);
  if (pollMs > renew) throw invalidArgument(`the poll period (${pollMs} ms) must not exceed the renew period (${renew} ms)`);
  return timing;
}

/** What one replica has seen of the record: the version and when (its own clock) it first saw it. */
export interface Observation {
  version: number;
  record: LeaseRecord | undefined;
  firstSeenAt: number;
}

export interface ElectionInput {
  self: string;
  observed: Observation;
  /** Monotonic ms now. */
  now: number;
  /** Send time of this replica's last renewal that the store accepted, if it holds the lease. */
  lastRenewSentAt: number | undefined;
  timing: ElectionTiming;
  /**
   * This replica would rather not lead (its manager is Swarm's Raft leader: losing that
   * machine would stall Raft as well). It then waits one lease longer before taking over.
   */
  reluctant?: boolean;
}

export type ElectionStep =
  | { kind: "create" }
  | { kind: "acquire" }
  | { kind: "renew" }
  | { kind: "wait"; ms: number };

/** Whether the record names this replica as holder. */
export function holds(record: LeaseRecord | undefined, self: string): boolean {
  return record !== undefined && record.holder === self;
}

/**
 * Until when (monotonic ms) the holder may act: a candidate elsewhere takes over only after
 * seeing the record unchanged for a full lease on its own clock, and it can only have seen
 * the renewed version after the renewal was sent, so the holder stops a margin earlier.
 */
export function actDeadline(lastRenewSentAt: number | undefined, timing: ElectionTiming): number {
  return lastRenewSentAt === undefined ? Number.NEGATIVE_INFINITY : lastRenewSentAt + timing.leaseDurationMs - timing.safetyMarginMs;
}

/** The next step of one replica's election loop. Pure: everything arrives in `input`. */
export function nextElectionStep(input: ElectionInput): ElectionStep {
  const { self, observed, now, timing } = input;
  const record = observed.record;
  const patience = timing.leaseDurationMs * (input.reluctant ? 2 : 1);
  if (record === undefined) {
    const waitLeft = input.reluctant ? observed.firstSeenAt + timing.leaseDurationMs - now : 0;
    return waitLeft <= 0 ? { kind: "create" } : { kind: "wait", ms: Math.min(waitLeft, timing.pollMs) };
  }
  if (holds(record, self) && input.lastRenewSentAt !== undefined) {
    const dueIn = input.lastRenewSentAt + timing.renewPeriodMs - now;
    return dueIn <= 0 ? { kind: "renew" } : { kind: "wait", ms: Math.min(dueIn, timing.pollMs) };
  }
  const released = record.holder === "";
  const waitLeft = released ? (input.reluctant ? timing.leaseDurationMs : 0) - (now - observed.firstSeenAt) : observed.firstSeenAt + patience - now;
  return waitLeft <= 0 ? { kind: "acquire" } : { kind: "wait", ms: Math.min(waitLeft, timing.pollMs) };
}

/** What a replica that holds the lease does with its term this round (ADR 0030). */
export type HolderVerdict =
  | { kind: "act" }
  | { kind: "pause"; since: number }
  | { kind: "stepDown"; reason: string };

export interface HolderInput {
  /** Monotonic ms now. */
  now: number;
  /** Send time of the holder's last renewal the store accepted. */
  lastRenewSentAt: number | undefined;
  timing: ElectionTiming;
  /** The record just read names another holder or was released; false when it could not be read. */
  heldByAnother: boolean;
  /** When the current pause began (a deadline passed with no renewal in time since). */
  pausedSince: number | undefined;
  /** How long a pause may last before the holder gives its term up. */
  pauseLimitMs: number;
}

/**
 * A holder past its deadline is paused, not deposed: its gate is already closed by
 * {@link actDeadline}, and a renewal that lands later by compare-and-swap on a version
 * naming it proves no other replica led meanwhile (any takeover changes the version), so
 * the same term may go on from that renewal's send time. Only a record naming another
 * holder, or a pause beyond `pauseLimitMs` (a partition rather than a slow Raft write:
 * the term's view of the agents' leases would be stale), ends the term. A renewal that
 * lands but was itself sent too late to reopen the gate does not end the pause.
 */
export function holderVerdict(input: HolderInput): HolderVerdict {
  if (input.heldByAnother) return { kind: "stepDown", reason: "another replica holds the lease" };
  const deadline = actDeadline(input.lastRenewSentAt, input.timing);
  if (input.now < deadline) return { kind: "act" };
  const since = input.pausedSince ?? deadline;
  if (input.now - since >= input.pauseLimitMs) return { kind: "stepDown", reason: "could not renew the lease in time" };
  return { kind: "pause", since };
}
