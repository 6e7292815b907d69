/**
 * Short polls with backoff on the injected Clock. The SDK's waiters start at 15 s between
 * polls, while EBS attaches and detaches usually finish in 1-4 s: a move would take half a
 * minute longer than it must. Polls here start at 200 ms and double to 1 s (a 2 s attach is
 * found 0.4 s late at worst, not 1 s).
 */
import type { Clock } from "../../core/ports.js";

export interface PollPolicy {
  /** Wait before the first probe, when known better than `initialMs` (see LatencyEstimates). */
  firstMs?: number;
  /** First wait before the first probe, and the start of the backoff after it. @default 200 */
  initialMs: number;
  /** Longest wait between probes. @default 2000 */
  maxMs: number;
}

export const defaultPollPolicy: PollPolicy = { initialMs: 200, maxMs: 1000 };

/**
 * The waits between probes: `firstMs` if given (then the transition is due any moment, so
 * the backoff restarts from half the initial wait), else initial; doubling, capped.
 */
export function* pollDelays(policy: PollPolicy): Generator<number, never> {
  let delay = policy.initialMs;
  if (policy.firstMs !== undefined) {
    yield policy.firstMs;
    delay = Math.max(50, Math.round(policy.initialMs / 2));
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
 */
export async function pollUntil<T>(
  clock: Clock,
  policy: PollPolicy & { timeoutMs: number },
  probe: (elapsedMs: number) => Promise<T | undefined>,
): Promise<T | undefined> {
  const start = clock.now();
  for (const delay of pollDelays(policy)) {
    const remaining = policy.timeoutMs - (clock.now() - start);
    if (remaining <= 0) return undefined;
    await clock.sleep(Math.min(delay, remaining));
    const value = await probe(clock.now() - start);
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * How long each kind of EBS transition has been taking, so the first probe lands when the
 * transition is likely done: one DescribeVolumes instead of a handful, and no later than
 * the short polls would have found it. Starts from the backoff alone; after each wait,
 * moves toward the time it took (from above: a first probe that already succeeds lowers
 * the estimate by 2 %, so it keeps tracking a cloud that got faster without dropping below
 * a steady one too often and paying a second probe).
 */
export class LatencyEstimates {
  private readonly estimates = new Map<string, number>();

  constructor(private readonly maxFirstMs = 5000) {}

  /** The wait before the first probe of `operation`, or undefined while nothing is known. */
  firstProbe(operation: string): number | undefined {
    const estimate = this.estimates.get(operation);
    return estimate === undefined ? undefined : Math.min(this.maxFirstMs, Math.round(estimate));
  }

  /** Records a wait that ended after `elapsedMs`, `probes` probes in. */
  observe(operation: string, elapsedMs: number, probes: number): void {
    const previous = this.estimates.get(operation);
    if (previous === undefined) {
      this.estimates.set(operation, elapsedMs);
      return;
    }
    const next = probes === 1 ? previous * 0.98 : previous + 0.5 * (elapsedMs - previous);
    this.estimates.set(operation, Math.max(50, next));
  }
}
