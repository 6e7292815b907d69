import { describe, expect, it } from "vitest";
import { killSeries, summariseAfterAttach, summariseKills, type DrillRun, type KillSeries } from "./killSeries.js";

const noSteps: Pick<KillSeries, "afterAttachMs"> = { afterAttachMs: { "wait-mount": [], "fsck-mount": [], "container-start": [], "db-answers": [] } };

const run = (answersAfter: number | undefined, downAfter: number | undefined, passed = true): DrillRun => ({
  passed, timeline: { t0: 1_000, ...(answersAfter === undefined ? {} : { t9: 1_000 + answersAfter }) }, ...(downAfter === undefined ? {} : { swarmNodeDownAt: 1_000 + downAfter }),
});

describe("a series of node kills", () => {
  it("times the runs that passed from the kill, Swarm's detection where seen, and counts the others as failed", () => {
    const series = killSeries([run(11_000, 7_000), run(9_500, 6_500), run(12_000, undefined), run(undefined, 8_000), run(10_000, 7_500, false)]);
    expect(series).toMatchObject({ answersMs: [11_000, 9_500, 12_000], swarmDownMs: [7_000, 6_500, 8_000, 7_500], failed: 2 });
  });

  it("meets the targets only with p50 <= 12 s, p95 <= 15 s and no failed run", () => {
    const fast = summariseKills("hb2s", "dispatcher heartbeat 2 s", { ...noSteps, answersMs: [9_000, 10_000, 11_000, 14_000], swarmDownMs: [6_000], failed: 0 });
    expect(fast.slice(0, 4).map((result) => [result.id, result.pass])).toEqual([
      ["lab.p7.kill-answers.hb2s", true], ["lab.p7.kill-answers-p95.hb2s", true], ["lab.p7.swarm-node-down.hb2s", true], ["lab.p7.kill-failed.hb2s", true],
    ]);
    const slow = summariseKills("hb5s", "Swarm's default heartbeat", { ...noSteps, answersMs: [12_500, 13_000, 16_000], swarmDownMs: [], failed: 1 });
    expect(slow.slice(0, 4).map((result) => result.pass)).toEqual([false, false, true, false]);
    expect(slow[0]?.notes).toBe("3 kills answered, 1 failed; Swarm's detection not seen");
  });
});

describe("the cost after the attach", () => {
  // kill-db of the 2026-12-03 drill: t5 9.8 s, t6 14.1, t7 14.2, t8 14.3, t9 14.9 after the kill.
  const phased = (t5: number, t6: number | undefined, t7: number, t8: number, t9: number, passed = true): DrillRun => ({
    passed, timeline: { t0: 1_000, t5: 1_000 + t5, ...(t6 === undefined ? {} : { t6: 1_000 + t6 }), t7: 1_000 + t7, t8: 1_000 + t8, t9: 1_000 + t9 },
  });

  it("times each step from one phase to the next, in passed runs that stamped both ends only", () => {
    const series = killSeries([phased(9_800, 14_100, 14_200, 14_300, 14_900), phased(10_000, 14_800, 14_800, 15_000, 15_400), phased(9_000, undefined, 12_000, 12_100, 12_500), phased(9_000, 9_100, 9_200, 9_300, 9_400, false)]);
    expect(series.afterAttachMs).toEqual({
      "wait-mount": [4_300, 4_800], "fsck-mount": [100, 0], "container-start": [100, 200, 100], "db-answers": [600, 400, 400],
    });
  });

  it("reports each step with its p50 and p95, no target, beside the p7 ids, and says how many passed kills lack a phase", () => {
    const series = killSeries([phased(9_800, 14_100, 14_200, 14_300, 14_900), phased(10_000, 14_800, 14_800, 15_000, 15_400), phased(9_000, undefined, 12_000, 12_100, 12_500)]);
    const results = summariseAfterAttach("hb5s", "Swarm's default dispatcher heartbeat, 5 s", series);
    expect(results.map((r) => [r.id, r.samples, r.p50, r.p95, r.target, r.pass])).toEqual([
      ["lab.p7.after-attach.wait-mount.hb5s", 2, 4_300, 4_800, null, true],
      ["lab.p7.after-attach.fsck-mount.hb5s", 2, 0, 100, null, true],
      ["lab.p7.after-attach.container-start.hb5s", 3, 100, 200, null, true],
      ["lab.p7.after-attach.db-answers.hb5s", 3, 400, 600, null, true],
    ]);
    expect(results[0]?.notes).toBe("t5→t6 over 2 passed kills; 1 passed kills lack t5 or t6");
    expect(results[2]?.notes).toBe("t7→t8 over 3 passed kills");
    expect(summariseKills("hb5s", "x", series).map((r) => r.id).slice(4)).toEqual(results.map((r) => r.id));
  });
});
