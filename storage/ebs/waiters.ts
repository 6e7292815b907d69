/**
 * Short polls with backoff on the injected Clock. The SDK's waiters start at 15 s between
 * polls, while EBS attaches and detaches usually finish in 1-4 s: a move would take half a
 * minute longer than it must. Polls here start at 200 ms and double to 2 s.
 */
import type { Clock } from "../../core/ports.js";

export interface PollPolicy {
  /** First wait before the first probe. @default 200 */
  initialMs: number;
  /** Longest wait between probes. @default 2000 */
  maxMs: number;
}

export const defaultPollPolicy: PollPolicy = { initialMs: 200, maxMs: 2000 };

/** The waits between probes: initial, doubling, capped. */
export function* pollDelays(policy: PollPolicy): Generator<number, never> {
  let delay = policy.initialMs;
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
