/**
 * Keeps an event stream open: when it ends or breaks, wait and open it again. The wait
 * starts at 1 s and doubles to a 30 s cap while streams keep failing without delivering
 * anything; one delivered event resets it. The delay function is injected so tests read
 * the backoff sequence without sleeping (kubernetes-client ListWatch's delayFn).
 */
import type { Logger } from "../../core/ports.js";
import type { SwarmEvent } from "../../core/swarm.js";

export interface ReconnectOptions {
  watch: (onEvent: (event: SwarmEvent) => void, signal: AbortSignal) => Promise<void>;
  onEvent: (event: SwarmEvent) => void;
  /** Called after each wait, before the stream reopens: events may have been missed. */
  onReconnect: () => void;
  /** Resolves after `ms`, or early when the signal aborts. */
  delay: (ms: number, signal: AbortSignal) => Promise<void>;
  initialMs: number;
  maxMs: number;
  logger: Logger;
}

/** Runs until `signal` aborts; never rejects. */
export async function watchWithReconnect(options: ReconnectOptions, signal: AbortSignal): Promise<void> {
  const { logger } = options;
  let backoff = options.initialMs;
  while (!signal.aborted) {
    try {
      await options.watch((event) => {
        backoff = options.initialMs;
        options.onEvent(event);
      }, signal);
      if (!signal.aborted) logger.info({ retryInMs: backoff }, "swarm event stream ended; reconnecting");
    } catch (err) {
      if (!signal.aborted) logger.warn({ err: String(err), retryInMs: backoff }, "swarm event stream failed; reconnecting");
    }
    if (signal.aborted) break;
    try {
      await options.delay(backoff, signal);
    } catch {
      // A real Clock's sleep rejects when the signal aborts; the loop condition ends it.
    }
    backoff = Math.min(backoff * 2, options.maxMs);
    if (!signal.aborted) options.onReconnect();
  }
}
