import { describe, expect, it } from "vitest";
import type { Clock } from "../../core/ports.js";
import { defaultPollPolicy, pollDelays, pollUntil, LatencyEstimates } from "./waiters.js";

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
  it("starts at 200 ms and doubles to 1 s", () => {
    const delays = pollDelays(defaultPollPolicy);
    expect(Array.from({ length: 7 }, () => delays.next().value)).toEqual([200, 400, 800, 1000, 1000, 1000, 1000]);
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
    expect(clock.sleeps).toEqual([200, 400, 800, 1000, 1000, 1000, 600]);
    expect(elapsed.at(-1)).toBe(5000);
  });

  it("stops when the probe throws", async () => {
    const clock = new SteppingClock();
    await expect(pollUntil(clock, { ...defaultPollPolicy, timeoutMs: 5000 }, async () => {
      throw new Error("gone");
    })).rejects.toThrow("gone");
  });
});

describe("LatencyEstimates", () => {
  it("knows nothing at first, then probes first at the time the transition took", () => {
    const estimates = new LatencyEstimates();
    expect(estimates.firstProbe("attach")).toBeUndefined();
    estimates.observe("attach", 2400, 1400);
    expect(estimates.firstProbe("attach")).toBe(2400);
  });

  it("bisects down while first probes succeed, and settles just above the real time after a miss", () => {
    const estimates = new LatencyEstimates();
    const realMs = 2000;
    let firstMisses = 0;
    estimates.observe("detach", 2400, 1400);
    for (let wait = 0; wait < 12; wait += 1) {
      const first = estimates.firstProbe("detach") as number;
      if (first >= realMs) {
        estimates.observe("detach", first);
      } else {
        // Follow-ups at +50, +100, +200 ms…: the last miss and the first hit bracket the real time.
        firstMisses += 1;
        let miss = first;
        let step = 50;
        while (miss + step < realMs) {
          miss += step;
          step *= 2;
        }
        estimates.observe("detach", miss + step, miss);
      }
    }
    const settled = estimates.firstProbe("detach") as number;
    expect(settled).toBeGreaterThanOrEqual(realMs);
    expect(settled - realMs).toBeLessThanOrEqual(60);
    expect(firstMisses).toBeLessThanOrEqual(3);
  });

  it("never waits longer than its cap before the first probe", () => {
    const estimates = new LatencyEstimates(5000);
    estimates.observe("create", 60_000, 59_000);
    expect(estimates.firstProbe("create")).toBe(5000);
  });

  it("puts the first probe before a backoff that restarts short (the transition is due)", () => {
    const delays = pollDelays({ firstMs: 1800, initialMs: 200, maxMs: 2000 });
    expect([1, 2, 3, 4].map(() => delays.next().value)).toEqual([1800, 50, 100, 200]);
  });
});
