import { describe, expect, it } from "vitest";
import type { Clock } from "../../core/ports.js";
import { defaultPollPolicy, pollDelays, pollUntil } from "./waiters.js";

/** Time moves only when slept. */
class SteppingClock implements Clock {
  t = 0;
  readonly sleeps: number[] = [];
  now() {
    return this.t;
  }
  async sleep(ms: number) {
    this.sleeps.push(ms);
    this.t += ms;
  }
}

describe("pollDelays", () => {
  it("starts at 200 ms and doubles to 2 s", () => {
    const delays = pollDelays(defaultPollPolicy);
    expect(Array.from({ length: 7 }, () => delays.next().value)).toEqual([200, 400, 800, 1600, 2000, 2000, 2000]);
  });
});

describe("pollUntil", () => {
  it("waits before each probe and returns the first value", async () => {
    const clock = new SteppingClock();
    let probes = 0;
    const value = await pollUntil(clock, { ...defaultPollPolicy, timeoutMs: 10_000 }, async () => (++probes === 3 ? "done" : undefined));
    expect(value).toBe("done");
    expect(clock.sleeps).toEqual([200, 400, 800]);
  });

  it("resolves undefined at the timeout, never sleeping past it", async () => {
    const clock = new SteppingClock();
    const elapsed: number[] = [];
    const value = await pollUntil(clock, { ...defaultPollPolicy, timeoutMs: 5000 }, async (ms) => {
      elapsed.push(ms);
      return undefined;
    });
    expect(value).toBeUndefined();
    expect(clock.sleeps).toEqual([200, 400, 800, 1600, 2000]);
    expect(elapsed.at(-1)).toBe(5000);
  });

  it("stops when the probe throws", async () => {
    const clock = new SteppingClock();
    await expect(pollUntil(clock, { ...defaultPollPolicy, timeoutMs: 5000 }, async () => {
      throw new Error("gone");
    })).rejects.toThrow("gone");
  });
});
