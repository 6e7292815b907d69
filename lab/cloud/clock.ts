import type { Clock } from "../../core/ports.js";

export { systemClock } from "../../core/clock.js";

interface Sleeper {
  at: number;
  resolve: () => void;
}

/**
 * A clock that only moves when told to. `sleep(ms)` resolves once `advance` has moved time
 * past it, so a test can step the emulator's state machine without waiting.
 */
export class ManualClock implements Clock {
  private t: number;
  private sleepers: Sleeper[] = [];

  constructor(start = Date.UTC(2024, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const sleeper: Sleeper = { at: this.t + ms, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener("abort", () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** Moves time forward and wakes every sleeper that is now due. */
  advance(ms: number): void {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.at <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.at > this.t);
    for (const s of due) s.resolve();
  }
}
