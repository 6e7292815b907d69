import { describe, expect, it } from "vitest";
import { killSeries, summariseKills, type DrillRun } from "./killSeries.js";

const run = (answersAfter: number | undefined, downAfter: number | undefined, passed = true): DrillRun => ({
  passed, timeline: { t0: 1_000, ...(answersAfter === undefined ? {} : { t9: 1_000 + answersAfter }) }, ...(downAfter === undefined ? {} : { swarmNodeDownAt: 1_000 + downAfter }),
});

describe("a series of node kills", () => {
  it("times the runs that passed from the kill, Swarm's detection where seen, and counts the others as failed", () => {
    const series = killSeries([run(11_000, 7_000), run(9_500, 6_500), run(12_000, undefined), run(undefined, 8_000), run(10_000, 7_500, false)]);
    expect(series).toEqual({ answersMs: [11_000, 9_500, 12_000], swarmDownMs: [7_000, 6_500, 8_000, 7_500], failed: 2 });
  });

  it("meets the targets only with p50 <= 12 s, p95 <= 15 s and no failed run", () => {
    const fast = summariseKills("hb2s", "dispatcher heartbeat 2 s", { answersMs: [9_000, 10_000, 11_000, 14_000], swarmDownMs: [6_000], failed: 0 });
    expect(fast.map((result) => [result.id, result.pass])).toEqual([
      ["lab.p7.kill-answers.hb2s", true], ["lab.p7.kill-answers-p95.hb2s", true], ["lab.p7.swarm-node-down.hb2s", true], ["lab.p7.kill-failed.hb2s", true],
    ]);
    const slow = summariseKills("hb5s", "Swarm's default heartbeat", { answersMs: [12_500, 13_000, 16_000], swarmDownMs: [], failed: 1 });
    expect(slow.map((result) => result.pass)).toEqual([false, false, true, false]);
    expect(slow[0]?.notes).toBe("3 kills answered, 1 failed; Swarm's detection not seen");
  });
});
