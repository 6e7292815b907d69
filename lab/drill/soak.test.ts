import { describe, expect, it } from "vitest";
import { mergeResults } from "../../bench/resultsFile.js";
import { summarise } from "../../bench/stats.js";
import type { ScenarioResult } from "./report.js";
import { chartBeside, soakSeed } from "./soak.js";
import { describeRound, planRound, roundSeed, soakPool } from "./soakPlan.js";
import { renderSoak, soakBenchResults, soakPassed, summariseSoak } from "./soakReport.js";

describe("soakPlan", () => {
  it.each([
    [1, ["node-kill", "partition", "restart-dockerd", "cloud"], true],
    [3, ["node-kill", "partition", "restart-dockerd", "leader-kill", "cloud"], false],
  ])("with %d managers draws from %j", (managers, faults, leftOut) => {
    const pool = soakPool(managers);
    expect(pool.faults).toEqual(faults);
    expect(pool.leftOut !== null).toBe(leftOut);
    if (leftOut) expect(pool.leftOut).toMatch(/leader kill left out: the lab has one manager/);
  });

  it("plans the same round the same way, whatever came before; another seed another sequence", () => {
    const pool = soakPool(3);
    const a = Array.from({ length: 30 }, (_, i) => planRound(1234, i + 1, pool));
    expect(planRound(1234, 17, pool)).toEqual(a[16]);
    const b = Array.from({ length: 30 }, (_, i) => planRound(99, i + 1, pool));
    expect(b.map((p) => p.scenario)).not.toEqual(a.map((p) => p.scenario));
    expect(roundSeed(1234, 1)).not.toBe(roundSeed(1234, 2));
  });

  it("covers every kind over a long soak; cloud rounds run another fault under the profile", () => {
    const pool = soakPool(3);
    const plans = Array.from({ length: 200 }, (_, i) => planRound(7, i + 1, pool));
    expect(new Set(plans.map((p) => p.kind))).toEqual(new Set(pool.faults));
    expect(new Set(plans.map((p) => p.scenario))).toEqual(new Set(["kill-db", "kill-jenkins", "partition", "restart-dockerd", "kill-leader"]));
    for (const p of plans) expect(p.cloudFaults).toBe(p.kind === "cloud");
    expect(plans.every((p) => planRound(7, p.round, pool, true).cloudFaults)).toBe(true);
  });

  it("never plans a leader kill with one manager", () => {
    const plans = Array.from({ length: 200 }, (_, i) => planRound(5, i + 1, soakPool(1)));
    expect(plans.some((p) => p.scenario === "kill-leader")).toBe(false);
  });

  it("describes a round with its seed", () => {
    expect(describeRound({ round: 3, seed: 42, kind: "cloud", scenario: "partition", cloudFaults: true }, 20)).toBe("round 3/20 (seed 42): partition + cloud faults");
  });
});

const t0 = 1_000_000;
function round(n: number, over: Partial<ScenarioResult> = {}): ScenarioResult {
  return {
    scenario: "kill-db", iteration: n, service: "drill_db", fromNode: "node2", toNode: "node3",
    timeline: {
      t0, t1: t0 + 10_000 + n * 1000, t2: t0 + 10_100 + n * 1000, t3: t0 + 10_200 + n * 1000, t4: t0 + 12_500 + n * 1000,
      t5: t0 + 15_000 + n * 1000, t6: t0 + 16_000 + n * 1000, t7: t0 + 16_100 + n * 1000, t8: t0 + 20_000, t9: t0 + 21_000,
    },
    rows: { acked: 5, present: 5, missing: [], corrupt: [] }, files: { acked: 2, present: 2, missing: [], corrupt: [] },
    overlaps: [], doubleAttachments: [], violations: [], notes: [], writes: { db: { acked: 1, failed: 0 }, jenkins: { acked: 1, failed: 0 } },
    error: null, soakRound: { round: n, seed: 42 }, ...over,
  };
}

describe("soakReport", () => {
  it("counts rounds, moves and phase times; passes a clean soak", () => {
    const results = [round(1), round(2), round(3, { scenario: "kill-leader", toNode: "node2", timeline: { t0, t9: t0 + 2_000 } })];
    const s = summariseSoak({ seed: 42, requested: 3, results, stoppedEarly: null, doubleAttachmentsInLog: 0 });
    expect(s).toMatchObject({ rounds: 3, moves: 2, lostWrites: 0, doubleAttachments: 0, failed: [] });
    expect(s.phases.t1).toEqual([11_000, 12_000]);
    expect(s.phases.t9).toEqual([21_000, 21_000, 2_000]);
    expect(soakPassed(s)).toBe(true);
    const text = renderSoak(s);
    expect(text).toContain("== soak: 3/3 rounds, seed 42 (replay: --soak 3 --seed 42), 2 moves");
    expect(text).toMatch(/t1 +replacement task created \(Swarm\) +2 +11\.0 +12\.0/);
    expect(text).toMatch(/t6 +device visible and verified +2 +17\.0 +18\.0/);
    expect(text).toMatch(/t4a +snapshot of the old volume \(other zone\) +0 +- +-/);
    expect(text).toContain("soak PASS");
  });

  it("fails and names the round, seed and replay of a failed round; an early stop fails the soak", () => {
    const lost = round(2, { rows: { acked: 5, present: 4, missing: [9], corrupt: [] } });
    const broken = round(3, { error: "workloads not healthy after 180 s", rows: null, files: null });
    const s = summariseSoak({ seed: 42, requested: 5, results: [round(1), lost, broken], stoppedEarly: "round 3 ended in an error" });
    expect(s).toMatchObject({ rounds: 3, lostWrites: 1 });
    expect(s.failed.map((f) => f.round)).toEqual([2, 3]);
    expect(soakPassed(s)).toBe(false);
    const text = renderSoak(s);
    expect(text).toContain("round 2 (seed 42) kill-db #2: 1 acknowledged writes lost or changed — replay: --soak 2 --seed 42");
    expect(text).toContain("soak stopped early: round 3 ended in an error");
    expect(text).toContain("soak FAIL");
  });

  it("takes the whole log's double attachments when it saw more than the rounds", () => {
    const s = summariseSoak({ seed: 1, requested: 1, results: [round(1)], stoppedEarly: null, doubleAttachmentsInLog: 2 });
    expect(s.doubleAttachments).toBe(2);
    expect(soakPassed(s)).toBe(false);
  });

  it("becomes benchmark results: phases reported without target, totals that must be zero", () => {
    const s = summariseSoak({ seed: 42, requested: 4, results: [round(1), round(2)], stoppedEarly: "x" });
    const results = soakBenchResults(s);
    expect(results.map((r) => r.id)).toEqual([
      "drill.soak.t1", "drill.soak.t2", "drill.soak.t3", "drill.soak.t4", "drill.soak.t5", "drill.soak.t6", "drill.soak.t7", "drill.soak.t8", "drill.soak.t9",
      "drill.soak.lost-writes", "drill.soak.double-attachments", "drill.soak.failed-rounds",
    ]);
    expect(results[0]).toMatchObject({ unit: "ms", samples: 2, p50: 11_000, p95: 12_000, target: null, pass: true, notes: "seed 42, 2/4 rounds, 2 moves" });
    expect(results.find((r) => r.id === "drill.soak.failed-rounds")).toMatchObject({ samples: 1, p99: 2, pass: false });
    expect(results.find((r) => r.id === "drill.soak.lost-writes")).toMatchObject({ p99: 0, pass: true });
  });
});

describe("soak helpers", () => {
  it("uses the seed asked for, else draws one", () => {
    expect(soakSeed({ seed: 0 })).toBe(0);
    expect(soakSeed({ seed: null }, () => 0.5)).toBe(2 ** 31);
  });

  it("draws the chart beside a results.json only", () => {
    expect(chartBeside("bench/results.json")).toBe("bench/results.svg");
    expect(chartBeside("/tmp/soak.json")).toBeUndefined();
  });

  it("merges results by id, keeping everybody else's", () => {
    const a = summarise("a", "A", "ms", [1], null);
    const b = summarise("b", "B", "ms", [2], null);
    const b2 = summarise("b", "B", "ms", [3], null);
    expect(mergeResults([a, b], [b2]).map((r) => [r.id, r.p50])).toEqual([["a", 1], ["b", 3]]);
  });
});
