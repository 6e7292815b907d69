import type { Clock } from "../../core/ports.js";

interface Sleeper {
  until: number;
  wake: () => void;
}

/**
 * A clock whose sleeps wait until the test moves time past them: loops that sleep between
 * rounds (the lease keeper) can be stepped one round at a time without wall-time waits.
 * An aborted sleep rejects with the signal's reason, like node:timers/promises.
 */
export class SteppedClock implements Clock {
  private sleepers: Sleeper[] = [];
  /** Every requested sleep, in ms, in call order. */
  readonly sleeps: number[] = [];

  constructor(public current = Date.parse("2026-11-22T10:00:00.000Z")) {}

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      // Like the system clock, a sleep that ends drops its abort listener: a keeper's stop
      // signal is slept on every round.
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((other) => other !== sleeper);
        reject(signal?.reason);
      };
      const sleeper: Sleeper = {
        until: this.current + Math.max(0, ms),
        wake: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Number of sleeps waiting for time to move. */
  get pending(): number {
    return this.sleepers.length;
  }

  /**
   * Moves time forward by `ms`, waking sleepers in deadline order; after each wake it lets
   * the woken code run (and sleep again) before moving on, so a 10 s step of a 2 s loop
   * runs five rounds.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (;;) {
      const next = this.sleepers.filter((sleeper) => sleeper.until <= target).sort((a, b) => a.until - b.until)[0];
      if (!next) break;
      this.sleepers = this.sleepers.filter((sleeper) => sleeper !== next);
      this.current = Math.max(this.current, next.until);
      next.wake();
      await settle();
    }
    this.current = target;
  }

  /** Lets pending promise chains run until everything waits on this clock (or I/O). */
  async settle(): Promise<void> {
    await settle();
  }
}

/** A few macrotask turns: every queued microtask chain runs before each. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
