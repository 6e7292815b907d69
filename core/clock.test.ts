import { describe, expect, it } from "vitest";
import { systemClock } from "./clock.js";

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
