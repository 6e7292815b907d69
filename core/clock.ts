import type { Clock } from "./ports.js";

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
