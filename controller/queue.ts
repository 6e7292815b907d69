/**
 * The controller's work queue: string keys (volume names), never events.
 *
 * Why keys: reconcile is level-based. A handler re-reads the informer caches, so ten
 * notifications about one volume need one run, not ten. The queue therefore keeps each
 * key at most once and remembers three things per key:
 *
 * - **dirty**: the key needs a run. Adding a dirty key again does nothing (dedupe).
 * - **processing**: a worker runs the handler for the key right now. Adding it again only
 *   marks it dirty; when the current run finishes the key goes back in line, so the next
 *   run sees the newest state and no two workers ever hold the same key.
 * - **failures**: how many times in a row the handler failed for the key; the retry delay
 *   doubles with each (base 200 ms, cap 60 s). `forget(key)` resets it, which the queue
 *   does itself after a success.
 *
 * Keys that wait (addAfter, addRateLimited) are not dirty yet: they become dirty when
 * their timer fires. A key waiting with two deadlines keeps the earlier one.
 *
 * Time comes in through a Clock and a Timers seam so tests drive backoff without sleeping.
 */
import type { Clock, Logger, Timers } from "../core/ports.js";
import { silentLogger } from "../core/ports.js";
import { realTimers } from "../core/clock.js";
import { isSwarmvolError, toSwarmvolError } from "../core/errors.js";

// The port moved to core/ports.ts (the API's event streams use it too); re-exported for importers.
export { realTimers, type Timers };

/** What a handler asks for when it returns normally. */
export interface HandlerResult {
  /** Run the key again after this long (slow convergence). Resets the failure backoff. */
  requeueAfterMs?: number;
}

/** Extra facts for the handler, mainly for logs. */
export interface HandlerContext {
  /** Consecutive failures so far for this key (0 on a first try). */
  failures: number;
}

export type Handler = (key: string, context: HandlerContext) => Promise<HandlerResult | void>;

/** Optional observers for Prometheus-style metrics; called synchronously, must not throw. */
export interface QueueMetrics {
  /** Keys ready and waiting for a worker (not counting delayed keys). */
  depth?(depth: number): void;
  /** Time from the add that made the key dirty to the handler starting on it. */
  latency?(key: string, ms: number): void;
  /** One handler run ended: "ok", "requeue", "retry" or "terminal". */
  outcome?(key: string, outcome: "ok" | "requeue" | "retry" | "terminal", ms: number): void;
}

export interface WorkQueueOptions {
  handler: Handler;
  clock: Clock;
  /** @default realTimers */
  timers?: Timers;
  /** Handlers running at once, each on a different key. @default 4 */
  workers?: number;
  /** First retry delay after a failure. @default 200 */
  baseDelayMs?: number;
  /** Retry delay cap. @default 60_000 */
  maxDelayMs?: number;
  /**
   * A failure that retrying cannot fix: logged, forgotten, not requeued (controller-runtime's
   * TerminalError). @default a SwarmvolError whose code is not retryable.
   */
  isTerminal?: (err: unknown) => boolean;
  logger?: Logger;
  metrics?: QueueMetrics;
}

export const defaultIsTerminal = (err: unknown): boolean => isSwarmvolError(err) && !err.retryable;

function positive(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result <= 0) throw new TypeError(`\`${name}\` must be a positive number, got ${value}`);
  return result;
}

export class WorkQueue {
  private readonly ready: string[] = [];
  /** Keys that need a run, with the time they became dirty (for the latency metric). */
  private readonly dirty = new Map<string, number>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, { at: number; handle: unknown }>();
  private readonly failures = new Map<string, number>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly options: Required<Omit<WorkQueueOptions, "metrics">> & { metrics: QueueMetrics };
  private started = false;
  private shuttingDown = false;

  constructor(options: WorkQueueOptions) {
    this.options = {
      timers: realTimers,
      isTerminal: defaultIsTerminal,
      logger: silentLogger,
      metrics: {},
      ...options,
      workers: positive("workers", options.workers, 4),
      baseDelayMs: positive("baseDelayMs", options.baseDelayMs, 200),
      maxDelayMs: positive("maxDelayMs", options.maxDelayMs, 60_000),
    };
  }

  /** Lets workers take keys. Keys added before start wait (gate start on informer sync). */
  start(): void {
    if (this.shuttingDown) throw new Error("work queue is shut down");
    this.started = true;
    this.dispatch();
  }

  /** Marks the key for a run. No-op if it is already dirty, or after shutdown began. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.set(key, this.options.clock.now());
    // A key in a worker's hands stays out of line; done() puts it back because it is dirty.
    if (this.processing.has(key)) return;
    this.ready.push(key);
    this.reportDepth();
    this.dispatch();
  }

  /** Adds the key once `ms` has passed; an earlier pending deadline for the key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.options.clock.now() + ms;
    const pending = this.waiting.get(key);
    if (pending !== undefined) {
      if (pending.at <= at) return;
      this.options.timers.clear(pending.handle);
    }
    const handle = this.options.timers.set(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { at, handle });
  }

  /** Adds the key after its per-key backoff: base × 2^failures, capped; counts a failure. */
  addRateLimited(key: string): void {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    this.addAfter(key, this.backoffFor(failures));
  }

  /** Resets the key's backoff (the next failure waits the base delay again). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Consecutive failures recorded for the key. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys ready for a worker (delayed and in-flight keys not counted). */
  get depth(): number {
    return this.ready.length;
  }

  /** Keys a worker is handling right now. */
  inFlight(): string[] {
    return [...this.processing];
  }

  /** Keys waiting for a timer (addAfter / addRateLimited). */
  delayed(): string[] {
    return [...this.waiting.keys()];
  }

  /**
   * Stops taking new keys and cancels delayed ones. With `drain` the keys already ready
   * (and keys dirtied while in flight) still run; without it they are dropped. Either way
   * the promise resolves only when no handler runs any more.
   */
  async shutdown(options: { drain?: boolean } = {}): Promise<void> {
    this.shuttingDown = true;
    for (const { handle } of this.waiting.values()) this.options.timers.clear(handle);
    this.waiting.clear();
    if (!options.drain || !this.started) {
      for (const key of this.ready) this.dirty.delete(key);
      this.ready.length = 0;
      for (const key of this.processing) this.dirty.delete(key);
      this.reportDepth();
    }
    if (this.processing.size === 0 && this.ready.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private backoffFor(failures: number): number {
    return Math.min(this.options.baseDelayMs * 2 ** Math.min(failures, 52), this.options.maxDelayMs);
  }

  private dispatch(): void {
    while (this.started && this.processing.size < this.options.workers && this.ready.length > 0) {
      const key = this.ready.shift() as string;
      const since = this.dirty.get(key) ?? this.options.clock.now();
      this.dirty.delete(key);
      this.processing.add(key);
      this.reportDepth();
      this.options.metrics.latency?.(key, this.options.clock.now() - since);
      void this.run(key);
    }
    if (this.processing.size === 0 && this.ready.length === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async run(key: string): Promise<void> {
    const started = this.options.clock.now();
    const outcome = await this.invoke(key);
    this.options.metrics.outcome?.(key, outcome, this.options.clock.now() - started);
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.ready.push(key);
      this.reportDepth();
    }
    this.dispatch();
  }

  /** Runs the handler and applies the sample-controller rules to how it ended. */
  private async invoke(key: string): Promise<"ok" | "requeue" | "retry" | "terminal"> {
    const { logger } = this.options;
    try {
      const result = await this.options.handler(key, { failures: this.retries(key) });
      this.forget(key);
      const after = result?.requeueAfterMs;
      if (after === undefined) return "ok";
      this.addAfter(key, after);
      return "requeue";
    } catch (err) {
      if (this.options.isTerminal(err)) {
        // Retrying cannot fix this (invalid spec, unsafe): say so once and let go of the key.
        const error = toSwarmvolError(err);
        logger.error({ key, code: error.code, err: error.message }, "reconcile failed terminally; not retrying");
        this.forget(key);
        return "terminal";
      }
      const failures = this.retries(key);
      logger.warn({ key, failures: failures + 1, delayMs: this.backoffFor(failures), err: String(err) }, "reconcile failed; retrying");
      this.addRateLimited(key);
      return "retry";
    }
  }

  private reportDepth(): void {
    this.options.metrics.depth?.(this.ready.length);
  }
}
