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
    estimates.observe("attach", 2200, 4);
    expect(estimates.firstProbe("attach")).toBe(2200);
  });

  it("creeps down while the first probe keeps succeeding, and moves halfway toward slower times", () => {
    const estimates = new LatencyEstimates();
    estimates.observe("detach", 2000, 3);
    estimates.observe("detach", 2000, 1);
    expect(estimates.firstProbe("detach")).toBe(1960);
    estimates.observe("detach", 3960, 3);
    expect(estimates.firstProbe("detach")).toBe(2960);
  });

  it("never waits longer than its cap before the first probe", () => {
    const estimates = new LatencyEstimates(5000);
    estimates.observe("create", 60_000, 10);
    expect(estimates.firstProbe("create")).toBe(5000);
  });

  it("puts the first probe before a backoff that restarts short (the transition is due)", () => {
    const delays = pollDelays({ firstMs: 1800, initialMs: 200, maxMs: 2000 });
    expect([1, 2, 3, 4].map(() => delays.next().value)).toEqual([1800, 100, 200, 400]);
  });
});
