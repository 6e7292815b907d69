/**
 * The leader's half of the snapshot freeze (ADR 0020): a freeze asked of a node travels in
 * that node's next heartbeat answer; the node's agent freezes and calls `frozen`, a call
 * this broker holds open until the capture is done (`release`) or `maxMs` has passed; the
 * agent thaws when the call ends. Everything is in this term's memory: an agent that
 * reports a freeze a new leader never asked for is answered at once, and so thaws.
 */
import type { FreezeRequest, FrozenRequest, FrozenResponse } from "../../api/snapshotContract.js";
import type { Clock } from "../../core/ports.js";

export interface FreezeSettings {
  /** How long a node has to report its freeze (two heartbeats and an fsfreeze). @default 6000 */
  waitMs: number;
  /** The freeze's bound, sent to the agent, which thaws after it whatever happens. @default 10_000 */
  maxMs: number;
}

export const defaultFreezeSettings: FreezeSettings = { waitMs: 6000, maxMs: 10_000 };

/** What the requester learns: frozen (and since when, on this clock), or why not. */
export interface FreezeOutcome {
  frozen: boolean;
  /** Clock ms when the leader heard the freeze; the agent's own bound began a little earlier. */
  frozenAt?: number;
  error?: string;
  /** Ends the freeze: the agent's `frozen` call is answered and the agent thaws. Idempotent. */
  release(): void;
}

interface Pending {
  nodeId: string;
  request: FreezeRequest;
  reported: boolean;
  report: (outcome: { frozen: boolean; error?: string }) => void;
  release: () => void;
  released: Promise<void>;
}

/** Resolves `promise`'s value, or `onTimeout` after `ms` on the clock; the losing sleep is cancelled. */
async function within<T>(clock: Clock, promise: Promise<T>, ms: number, onTimeout: T): Promise<T> {
  const stop = new AbortController();
  try {
    return await Promise.race([promise, clock.sleep(ms, stop.signal).then(() => onTimeout, () => onTimeout)]);
  } finally {
    stop.abort();
  }
}

export class FreezeBroker {
  private readonly pending = new Map<string, Pending>();
  readonly settings: FreezeSettings;

  constructor(private readonly clock: Clock, private readonly newId: () => string, settings: Partial<FreezeSettings> = {}) {
    this.settings = { ...defaultFreezeSettings, ...settings };
  }

  /** Asks `nodeId` to freeze `volume`; resolves once it reported, or not frozen after `waitMs`. */
  async freeze(nodeId: string, volume: string): Promise<FreezeOutcome> {
    const id = this.newId();
    let report: Pending["report"] = () => undefined;
    const reported = new Promise<{ frozen: boolean; error?: string }>((resolve) => (report = resolve));
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const entry: Pending = { nodeId, request: { volume, id, maxMs: this.settings.maxMs }, reported: false, report, release, released };
    this.pending.set(id, entry);
    const heard = await within(this.clock, reported, this.settings.waitMs, undefined);
    if (heard === undefined || !heard.frozen) {
      this.pending.delete(id);
      release();
      const error = heard?.error ?? `node ${nodeId} did not report a freeze within ${this.settings.waitMs} ms`;
      return { frozen: false, error, release: () => undefined };
    }
    return { frozen: true, frozenAt: this.clock.now(), release: () => {
      this.pending.delete(id);
      release();
    } };
  }

  /** The freezes `nodeId` is asked for in its heartbeat answer: those not yet reported. */
  pendingFor(nodeId: string): FreezeRequest[] {
    return [...this.pending.values()].filter((entry) => entry.nodeId === nodeId && !entry.reported).map((entry) => ({ ...entry.request }));
  }

  /**
   * The agent's `frozen` call: answered at once when not frozen or not known here (a
   * request of another term, or given up), else held until `release` or `maxMs`.
   */
  async frozen(nodeId: string, volume: string, body: FrozenRequest): Promise<FrozenResponse> {
    const entry = this.pending.get(body.id);
    if (!entry || entry.nodeId !== nodeId || entry.request.volume !== volume || entry.reported) return { thaw: true };
    entry.reported = true;
    entry.report({ frozen: body.frozen, ...(body.error === undefined ? {} : { error: body.error }) });
    if (!body.frozen) return { thaw: true };
    await within(this.clock, entry.released, this.settings.maxMs, undefined);
    this.pending.delete(body.id);
    return { thaw: true };
  }
}
