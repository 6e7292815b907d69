import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseExposition, type Exposition } from "../../api/exposition.js";
import { checkMoveMetrics, type ReplicaScrape } from "./metricsCheck.js";
import type { ScenarioResult } from "./report.js";

/** A leader's GET /metrics as prom-client writes it: 3 moves counted at t5 and t7 (1 first, 2 failovers), started at 1795000000 s. */
const leader = parseExposition(readFileSync(new URL("./testdata/leader-metrics.txt", import.meta.url), "utf8"));
const started = 1_795_000_000_000;
/** A standby that never led: process metrics, no moves; started later than the leader. */
const standby = (startSeconds: number): Exposition => parseExposition(`process_start_time_seconds ${startSeconds}\nswarmvol_queue_depth 0\n`);

function run(iteration: number, t2: number, phases: { t5?: boolean; t7?: boolean } = { t5: true, t7: true }): ScenarioResult {
  return {
    scenario: "kill-db", iteration, service: "db", fromNode: "node2", toNode: "node3",
    timeline: { t0: t2 - 15_000, t2, ...(phases.t5 ? { t5: t2 + 2_000 } : {}), ...(phases.t7 ? { t7: t2 + 3_000 } : {}) },
    rows: null, files: null, overlaps: [], violations: [], notes: [], writes: { db: { acked: 0, failed: 0 }, jenkins: { acked: 0, failed: 0 } }, error: null,
  };
}

const scrapes = (...extra: ReplicaScrape[]): ReplicaScrape[] => [{ node: "node1", metrics: leader }, { node: "node2", metrics: standby(1_795_000_050) }, ...extra];

describe("checkMoveMetrics", () => {
  it("passes when the summed phase counts cover every move the controllers stamped", () => {
    const check = checkMoveMetrics(scrapes(), [run(1, started + 100_000), run(2, started + 200_000)]);
    expect(check.problems).toEqual([]);
    expect(check.notes).toContain("metrics check: t7_mounted counted 3 (node1 3, node2 0) >= 2 drill moves");
  });

  it("fails naming the metric, the counts per replica and the runs when moves are missing", () => {
    const runs = [1, 2, 3, 4].map((i) => run(i, started + i * 100_000));
    const check = checkMoveMetrics(scrapes(), runs);
    expect(check.problems).toEqual([
      expect.stringMatching(/swarmvol_move_phase_seconds_count\{phase="t5_attached"\} sums to 3 \(node1 3, node2 0\), but the controllers' own lastMove stamped t5 in 4 runs \(kill-db #1, kill-db #2, kill-db #3, kill-db #4\)/),
      expect.stringMatching(/phase="t7_mounted"\} sums to 3/),
    ]);
  });

  it("checks t6 like the other phases: stamped by the agent, it must be counted as t6_verified", () => {
    const withT6 = run(1, started + 100_000);
    withT6.timeline.t6 = (withT6.timeline.t5 as number) + 300;
    expect(checkMoveMetrics(scrapes(), [withT6]).problems).toEqual([
      expect.stringMatching(/phase="t6_verified"\} sums to 0 \(node1 0, node2 0\), but the controllers' own lastMove stamped t6 in 1 runs/),
    ]);
  });

  it("expects only moves seen after the newest replica start (a restarted replica counts from zero)", () => {
    const runs = [run(1, started + 10_000), run(2, started + 20_000), run(3, started + 30_000), run(4, started + 100_000)];
    const check = checkMoveMetrics(scrapes(), runs);
    expect(check.problems).toEqual([]);
    expect(check.notes[0]).toBe("metrics check: 3 of 4 moves predate the newest controller restart and are not expected in its counts");
  });

  it("a phase the controller did not stamp is not expected; move-less scenarios are not moves", () => {
    const steady = { ...run(5, started + 300_000), scenario: "kill-leader" as const };
    const runs = [run(1, started + 100_000, { t5: true }), run(2, started + 200_000, { t5: true }), run(3, started + 250_000, { t5: true }), steady];
    expect(checkMoveMetrics(scrapes(), runs).problems).toEqual([]);
  });

  it("a replica that does not serve its metrics fails the check (its counts cannot be known)", () => {
    const check = checkMoveMetrics(scrapes({ node: "node3", metrics: { error: "GET http://10.99.0.13:7750/metrics: connect ECONNREFUSED" } }), [run(1, started + 100_000)]);
    expect(check.problems).toEqual(["controller replica on node3 did not serve its metrics (GET http://10.99.0.13:7750/metrics: connect ECONNREFUSED)"]);
    expect(checkMoveMetrics([], []).problems).toEqual(["no controller replica in the lab state"]);
  });
});
