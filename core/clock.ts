import type { Clock, Timers } from "./ports.js";

/**
 * Wall-clock time; `sleep` rejects with the signal's reason when aborted and removes its
 * abort listener when it ends, so a long-lived signal (an agent's stop signal, slept on
 * every 2 s for months) never accumulates listeners. Tests inject fakes instead.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};

/**
 * Elapsed time on a monotonic clock (ms since the process started): what leases and the
 * leader election measure durations with, so a wall-clock step (NTP, an operator's `date`)
 * can neither lengthen nor shorten a lease. Never compare it across processes.
 */
export const monotonicClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) => systemClock.sleep(ms, signal),
};

/** Timers on setTimeout; tests inject fakes that fire when told. */
export const realTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Runs `work` with a signal that aborts after `ms` on `timers`, and settles by then whatever
 * `work` does: a call that ignores its signal (a socket nobody answers on, a fake that never
 * answers) still fails at the deadline, with `expired()`. The timer goes when `work` settles.
 */
export function withDeadline<T>(timers: Timers, ms: number, expired: () => Error, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const handle = timers.set(() => {
      const error = expired();
      controller.abort(error);
      reject(error);
    }, ms);
    const settle = () => timers.clear(handle);
    work(controller.signal).then((value) => {
      settle();
      resolve(value);
    }, (err: unknown) => {
      settle();
      reject(err);
    });
  });
}
