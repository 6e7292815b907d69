import { describe, expect, it } from "vitest";
import { systemClock, withDeadline } from "./clock.js";
import type { Timers } from "./ports.js";

describe("systemClock.sleep", () => {
  it("leaves no abort listener behind on a long-lived signal", async () => {
    const stopper = new AbortController();
    let added = 0;
    let removed = 0;
    const signal = stopper.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => { added += 1; add(...args); }) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => { removed += 1; remove(...args); }) as typeof remove;
    for (let index = 0; index < 20; index += 1) await systemClock.sleep(0, signal);
    expect(added).toBe(20);
    expect(removed).toBe(20);
  });

  it("rejects with the reason when aborted", async () => {
    const stopper = new AbortController();
    const sleeping = systemClock.sleep(60_000, stopper.signal);
    stopper.abort(new Error("stopping"));
    await expect(sleeping).rejects.toThrow("stopping");
  });
});

describe("withDeadline", () => {
  /** Timers that fire only when told. */
  function manualTimers() {
    const armed = new Map<number, () => void>();
    let next = 0;
    const timers: Timers = { set: (callback) => (armed.set(next, callback), next++), clear: (handle) => void armed.delete(handle as number) };
    return { timers, armed, fire: () => [...armed.values()].forEach((callback) => callback()) };
  }

  it("fails at the deadline a call that never answers and ignores its signal, and aborts that signal", async () => {
    const { timers, fire } = manualTimers();
    let seen: AbortSignal | undefined;
    const call = withDeadline(timers, 1_000, () => new Error("no answer in 1000 ms"), (signal) => {
      seen = signal;
      return new Promise<never>(() => undefined);
    });
    fire();
    await expect(call).rejects.toThrow("no answer in 1000 ms");
    expect(seen?.aborted).toBe(true);
  });

  it("clears its timer when the call settles first", async () => {
    const { timers, armed } = manualTimers();
    await expect(withDeadline(timers, 1_000, () => new Error("late"), async () => 7)).resolves.toBe(7);
    await expect(withDeadline(timers, 1_000, () => new Error("late"), async () => { throw new Error("refused"); })).rejects.toThrow("refused");
    expect(armed.size).toBe(0);
  });
});
