/**
 * Short polls with backoff on the injected Clock. The SDK's waiters start at 15 s between
 * polls, while EBS attaches and detaches usually finish in 1-4 s: a move would take half a
 * minute longer than it must. Polls here start at 200 ms and double to 1 s (0.5 s for a wait
 * among others, whose probes are shared by the ReadCoalescer and so cost no extra call).
 */
import type { Clock } from "../../core/ports.js";

export interface PollPolicy {
  /** Wait before the first probe, when known better than `initialMs` (see LatencyEstimates). */
  firstMs?: number;
  /** First wait before the first probe, and the start of the backoff after it. @default 200 */
  initialMs: number;
  /** Longest wait between probes. @default 1000 */
  maxMs: number;
}

export const defaultPollPolicy: PollPolicy = { initialMs: 200, maxMs: 1000 };

/**
 * The waits between probes: `firstMs` if given (then the transition is due any moment, so
 * the backoff restarts from a quarter of the initial wait), else initial; doubling, capped.
 */
export function* pollDelays(policy: PollPolicy): Generator<number, never> {
  let delay = policy.initialMs;
  if (policy.firstMs !== undefined) {
    yield policy.firstMs;
    delay = Math.max(50, Math.round(policy.initialMs / 4));
  }
  for (;;) {
    yield delay;
    delay = Math.min(policy.maxMs, delay * 2);
  }
}

/**
 * Waits, then probes, until the probe returns a value or `timeoutMs` has passed on the
 * clock. Resolves to the value, or to `undefined` on timeout (the caller knows what a
 * timeout means: a stuck attach, a busy detach). A probe that throws ends the wait.
 * `align` may move each wake-up later (never earlier), so concurrent waits probe together.
 */
export async function pollUntil<T>(
  clock: Clock,
  policy: PollPolicy & { timeoutMs: number; align?: (wakeAt: number) => number },
  probe: (elapsedMs: number) => Promise<T | undefined>,
): Promise<T | undefined> {
  const start = clock.now();
  for (const delay of pollDelays(policy)) {
    const remaining = policy.timeoutMs - (clock.now() - start);
    if (remaining <= 0) return undefined;
    const wakeAt = clock.now() + delay;
    const aligned = Math.max(wakeAt, policy.align?.(wakeAt) ?? wakeAt);
    await clock.sleep(Math.min(aligned - clock.now(), remaining));
    const value = await probe(clock.now() - start);
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * How long each kind of EBS transition takes, so the first probe of a wait lands just after
 * the transition is done: one DescribeVolumes instead of a handful, and little time lost.
 * Kept as bounds per operation: `hi`, a time by which it has always been done lately (the
 * first probe goes there), and `lo`, a time at which it was not yet done. A first probe
 * that succeeds bisects toward `lo`; one that misses moves `lo` up to it and `hi` to where
 * the follow-up probes found it done. So the first probe settles within ~50 ms of the real
 * time in a few waits, then misses only when the cloud slows down. Once settled, `lo`
 * sinks slowly, so a cloud that got faster is noticed too.
 */
export class LatencyEstimates {
  private readonly bounds = new Map<string, { lo: number; hi: number }>();

  constructor(private readonly maxFirstMs = 5000) {}

  /** The wait before the first probe of `operation`, or undefined while nothing is known. */
  firstProbe(operation: string): number | undefined {
    const bound = this.bounds.get(operation);
    return bound === undefined ? undefined : Math.min(this.maxFirstMs, Math.round(bound.hi));
  }

  /**
   * Records a wait that ended after `elapsedMs`; `lastMissMs` is when the probe before the
   * successful one found the transition not done yet (absent when the first probe succeeded).
   */
  observe(operation: string, elapsedMs: number, lastMissMs?: number): void {
    const bound = this.bounds.get(operation);
    if (bound === undefined || lastMissMs !== undefined) {
      this.bounds.set(operation, { lo: lastMissMs ?? 0, hi: elapsedMs });
      return;
    }
    if (bound.hi - bound.lo > settledGapMs) this.bounds.set(operation, { lo: bound.lo, hi: (bound.hi + bound.lo) / 2 });
    else this.bounds.set(operation, { lo: Math.max(0, bound.lo - 10), hi: bound.hi });
  }
}

/** Below this gap between `lo` and `hi` the first probe is considered settled. */
const settledGapMs = 50;
