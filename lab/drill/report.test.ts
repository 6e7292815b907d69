import { describe, expect, it } from "vitest";
import { buildReport, failures, phaseProblems, renderRun, renderSummary, requiredPhases, type ScenarioResult } from "./report.js";
import { SCENARIOS, type ScenarioName } from "./options.js";
import type { Phase, Timeline } from "./timeline.js";
import { renderStack } from "./stack.js";
import { FileLedger, jenkinsPath } from "./jenkinsClient.js";
import { firstAckAfter, type Ack } from "./writer.js";
import { formatProgress, Progress } from "./progress.js";

const t0 = 5_000_000;
const ok: ScenarioResult = {
  scenario: "kill-db", iteration: 1, service: "drill_db", fromNode: "node2", toNode: "node3",
  timeline: { t0, t1: t0 + 13_000, t2: t0 + 13_100, t3: t0 + 13_200, t4: t0 + 15_800, t5: t0 + 18_000, t6: t0 + 18_400, t7: t0 + 19_900, t8: t0 + 20_000, t9: t0 + 20_400 },
  rows: { acked: 10, present: 10, missing: [], corrupt: [] },
  files: { acked: 4, present: 4, missing: [], corrupt: [] },
  overlaps: [], violations: [], notes: [], writes: { db: { acked: 5, failed: 40 }, jenkins: { acked: 9, failed: 0 } }, error: null,
};

describe("report", () => {
  it("passes a run that came back with everything acknowledged", () => {
    expect(failures(ok)).toEqual([]);
    const report = buildReport({ startedAt: t0, finishedAt: t0 + 1, options: {}, results: [ok], setupError: null });
    expect(report).toMatchObject({ passed: true, runs: 1, failedRuns: 0, acknowledgedWritesLost: 0 });
    expect(report.results[0]?.relative).toMatchObject({ t1: 13, t9: 20.4 });
  });

  it("fails on lost rows, changed files, overlaps, violations and a service that never came back", () => {
    const bad: ScenarioResult = {
      ...ok, toNode: null, timeline: { t0 }, rows: { acked: 3, present: 1, missing: [7], corrupt: [8] }, files: { acked: 1, present: 0, missing: [], corrupt: ["x"] },
      overlaps: [{ volumeId: "vol-1", holder: "i-1", intruder: "i-2", seq: 9 }], violations: ["old node still answers"],
    };
    expect(failures(bad)).toEqual([
      "the service did not run again", "no client write was acknowledged after the fault",
      "3 acknowledged writes lost or changed", "1 double attachments in the EC2 log", "old node still answers",
    ]);
    const report = buildReport({ startedAt: t0, finishedAt: t0, options: {}, results: [ok, bad], setupError: null });
    expect(report).toMatchObject({ passed: false, failedRuns: 1, acknowledgedWritesLost: 3 });
  });

  it("fails on the drill's own double-attachment finding, in its words; labels cloud-fault runs", () => {
    const d = { volumeId: "vol-1", holder: "i-1", holderState: "attached" as const, heldSince: 3, intruder: "i-2", seq: 9, time: "t", message: "volume vol-1 was attach-requested for i-2 …" };
    const bad: ScenarioResult = { ...ok, doubleAttachments: [d], cloudFaults: true };
    expect(failures(bad)).toEqual(["double attachment: volume vol-1 was attach-requested for i-2 …"]);
    expect(renderRun(bad)).toContain("== kill-db+cloud #1");
    expect(renderRun(bad)).toContain("double attachments 1");
  });

  it("fails a run whose phases are out of order (kill-db once read t7 +16.2 s, t8 +15.9 s)", () => {
    const late: ScenarioResult = { ...ok, timeline: { ...ok.timeline, t7: t0 + 20_300 } };
    expect(phaseProblems(late)).toEqual(["phase t7 (mounted on the new node) at +20.3 s is after t8 (new task running (Swarm)) at +20.0 s"]);
    expect(failures(late)).toEqual(phaseProblems(late));
    // Unobserved phases are skipped: t4 is compared with the next one seen.
    const { t4a: _a, t4b: _b, ...early } = { ...ok.timeline, t5: t0 + 19_000, t6: t0 + 18_900, t7: t0 + 19_500 };
    expect(phaseProblems({ ...ok, timeline: early })).toEqual(["phase t5 (attached to the new node) at +19.0 s is after t6 (device visible and verified) at +18.9 s"]);
  });

  it("never passes without runs or after a setup error", () => {
    expect(buildReport({ startedAt: 0, finishedAt: 0, options: {}, results: [], setupError: null }).passed).toBe(false);
    expect(buildReport({ startedAt: 0, finishedAt: 0, options: {}, results: [ok], setupError: "lab up failed" }).passed).toBe(false);
  });

  it("renders a run and the summary", () => {
    expect(renderRun(ok)).toMatch(/== kill-db #1: drill_db node2 -> node3[\s\S]*PASS/);
    expect(renderSummary([ok])).toMatch(/1\/1 runs passed; acknowledged writes lost: 0/);
  });
});

describe("clients", () => {
  const ack = (startedAt: number, address: string): Ack => ({ key: "k", startedAt, at: startedAt + 10, address });

  it("t9 is the first ack sent after t0 by the new node (an old node draining does not count)", () => {
    const acks = [ack(t0 - 5, "a"), ack(t0 + 1, "a"), ack(t0 + 100, "b"), ack(t0 + 200, "b")];
    expect(firstAckAfter(acks, t0, "b", false)).toBe(t0 + 110);
    expect(firstAckAfter(acks, t0, "c", false)).toBeUndefined();
  });

  it("on the same node, t9 counts only acks sent after the new task ran", () => {
    const acks = [ack(t0 + 1, "a"), ack(t0 + 500, "a")];
    expect(firstAckAfter(acks, t0, "a", true, t0 + 300)).toBe(t0 + 510);
  });

  it("a file ledger accepts a rewrite in flight, then only the acknowledged content", () => {
    const ledger = new FileLedger();
    ledger.sending("f", "s0");
    expect(ledger.snapshot().get("f")).toBeUndefined();
    ledger.acked("f", "s1");
    ledger.sending("f", "s2");
    expect(ledger.snapshot().get("f")).toEqual(["s1", "s2"]);
    ledger.acked("f", "s2");
    expect(ledger.snapshot().get("f")).toEqual(["s2"]);
  });

  it("rewrites configs and adds build logs", () => {
    expect(jenkinsPath(3)).toBe("jobs/job-3/config.xml");
    expect(jenkinsPath(4)).toBe("jobs/job-4/builds/4/log");
  });
});

describe("stack and progress", () => {
  const stack = renderStack({
    postgresImage: "reg/pg:lab", busyboxImage: "reg/bb:lab",
    scripts: { postgresEntrypoint: "/w/p.sh", jenkinsEntrypoint: "/w/j.sh", jenkinsJob: "/w/job.cgi", jenkinsSums: "/w/sums.cgi" },
  });

  it("puts both services on workers, host networking, the database's volume external and Jenkins' with the driver in the mount", () => {
    expect(stack.match(/node\.role == worker/g)).toHaveLength(2);
    expect(stack.match(/networks: \[hostnet\]/g)).toHaveLength(2);
    expect(stack).toMatch(/hostnet:\n\s+external: true\n\s+name: host/);
    expect(stack).toMatch(/pgdata:\n\s+name: drill-pgdata\n\s+external: true\n/);
    expect(stack).toMatch(/jenkins_home:\n\s+name: drill-jenkins-home\n\s+driver: swarmvol/);
    expect(stack).not.toMatch(/external: true\n\s+driver/);
    expect(stack).toMatch(/postgres_entrypoint: \{ file: \/w\/p\.sh \}/);
  });

  it("formats and throttles the status line when stderr is not a terminal", () => {
    const lines: string[] = [];
    let now = 0;
    const progress = new Progress({ write: (t: string) => lines.push(t) }, () => now, 5_000);
    const stats = { acked: 3, failed: 1, lastError: null, lastAckAt: null };
    const line = formatProgress({ label: "kill-db #1", elapsedMs: 12_345, waitingFor: "waiting", db: { node: "node3", stats }, jenkins: { node: null, stats } });
    expect(line).toBe("[kill-db #1] +12.3 s waiting | db@node3 3 acked/1 failed | jenkins@? 3 acked/1 failed");
    now = 5_000;
    progress.update("a");
    now = 6_000;
    progress.update("b");
    progress.note("note");
    expect(lines).toEqual(["a\n", "note\n"]);
  });
});

describe("report of a scenario that moves no volume", () => {
  const steady: ScenarioResult = { ...ok, scenario: "kill-leader", toNode: "node4", fromNode: "node4", timeline: { t0, t9: t0 + 2_500 } };

  it("passes with t9 alone (the same task answered after the fault)", () => {
    expect(failures(steady)).toEqual([]);
    expect(renderRun({ ...steady, notes: ["manager node1 (the leader) killed: leader gone → new leader node2 in 2.40 s (at +2.4 s)"] }))
      .toMatch(/kill-leader #1: drill_db node4 -> node4[\s\S]*note: manager node1 \(the leader\) killed[\s\S]*PASS/);
  });

  it("fails without a write after the fault, or with self-fencing recorded", () => {
    expect(failures({ ...steady, timeline: { t0 } })).toEqual(["no client write was acknowledged after the fault"]);
    expect(failures({ ...steady, violations: ["agents self-fenced during the scenario: 1 lease lapses, 0 containers killed (node4 1 lapses/0 kills)"] }))
      .toHaveLength(1);
  });
});

/** The 2026-12-03 runs, all PASS: `npm run drill` (10 runs) and `--managers 1 --zones 2 --scenario cross-zone,drain --repeat 2` (ms after t0). */
const PASSED_20261203: Array<[ScenarioName, number, string, string, Partial<Record<Phase, number>>]> = [
  ["kill-db", 1, "node5", "node4", { t1: 4635, t2: 4773, t3: 4825, t4: 7398, t5: 9788, t6: 14147, t7: 14192, t8: 14320, t9: 14912 }],
  ["kill-jenkins", 1, "node4", "node5", { t1: 5085, t2: 5234, t3: 5247, t4: 7816, t5: 10024, t6: 14794, t7: 14840, t8: 15020, t9: 15447 }],
  ["restart-dockerd", 1, "node5", "node5", { t1: 2731, t8: 4263, t9: 6216 }],
  ["partition", 1, "node5", "node4", { t1: 4803, t2: 4944, t3: 4960, t4: 7048, t5: 9119, t6: 11356, t7: 11388, t8: 11541, t9: 11910 }],
  ["kill-controller", 1, "node4", "node5", { t1: 4905, t2: 6779, t5: 10195, t6: 13509, t7: 13604, t8: 13739, t9: 13992 }],
  ["drain", 1, "node5", "node4", { t1: 34, t2: 3347, t3: 3360, t4: 5801, t5: 8381, t6: 8397, t7: 8438, t8: 8585, t9: 9226 }],
  ["update", 1, "node4", "node5", { t1: 137, t2: 3575, t3: 3603, t4: 5674, t5: 7910, t6: 7952, t7: 8005, t8: 8228, t9: 9247 }],
  ["frozen-agent", 1, "node5", "node4", { t1: 12313, t2: 12543, t3: 16756, t4: 19235, t5: 21729, t6: 21748, t7: 21791, t8: 21947, t9: 22866 }],
  ["kill-leader", 1, "node4", "node4", { t9: 1077 }],
  ["upgrade-controllers", 1, "node4", "node4", { t9: 7585 }],
  ["cross-zone", 1, "node2", "node3", { t1: 63, t2: 3397, t3: 3401, t4: 5852, t4a: 5936, t4b: 19793, t5: 22154, t6: 22165, t7: 22200, t8: 22317, t9: 22739 }],
  ["drain", 1, "node3", "node2", { t1: 27, t2: 3256, t3: 3263, t4: 5703, t4a: 5738, t4b: 19311, t5: 21409, t6: 21423, t7: 21465, t8: 21592, t9: 22263 }],
  ["cross-zone", 2, "node2", "node3", { t1: 31, t2: 3252, t3: 3257, t4: 5354, t4a: 5400, t4b: 18975, t5: 21086, t6: 21103, t7: 21152, t8: 21300, t9: 22014 }],
  ["drain", 2, "node3", "node2", { t1: 35, t2: 3322, t3: 3331, t4: 5380, t4a: 5449, t4b: 19057, t5: 21177, t6: 21200, t7: 21274, t8: 21484, t9: 22293 }],
];

const runOf = ([scenario, iteration, fromNode, toNode, phases]: (typeof PASSED_20261203)[number]): ScenarioResult => {
  const timeline: Timeline = { t0 };
  for (const [phase, ms] of Object.entries(phases)) timeline[phase as Phase] = t0 + ms;
  return { ...ok, scenario, iteration, fromNode, toNode, timeline };
};
const without = (run: ScenarioResult, phase: Phase): ScenarioResult => {
  const { [phase]: _gone, ...timeline } = run.timeline;
  return { ...run, timeline: timeline as Timeline };
};

describe("every phase of a move (issue 14: no empty phase for a block volume)", () => {
  it("covers every scenario the drill knows", () => {
    expect(new Set(PASSED_20261203.map(([scenario]) => scenario))).toEqual(new Set(SCENARIOS));
  });

  it.each(PASSED_20261203.map((row) => [`${row[0]} #${row[1]}`, row] as const))("passes %s of 2026-12-03 as it ran", (_label, row) => {
    expect(failures(runOf(row))).toEqual([]);
  });

  it.each([
    ["kill-db", ["t2", "t3", "t4", "t5", "t6", "t7"]], ["kill-jenkins", ["t2", "t3", "t4", "t5", "t6", "t7"]], ["partition", ["t2", "t3", "t4", "t5", "t6", "t7"]],
    ["kill-controller", ["t2", "t5", "t6", "t7"]], ["drain", ["t2", "t3", "t4", "t5", "t6", "t7"]], ["update", ["t2", "t3", "t4", "t5", "t6", "t7"]],
    ["frozen-agent", ["t2", "t3", "t4", "t5", "t6", "t7"]], ["cross-zone", ["t2", "t3", "t4", "t4a", "t4b", "t5", "t6", "t7"]],
    ["restart-dockerd", []], ["kill-leader", []], ["upgrade-controllers", []],
  ] as Array<[ScenarioName, Phase[]]>)("%s requires %j", (scenario, phases) => {
    const row = PASSED_20261203.find(([name]) => name === scenario) as (typeof PASSED_20261203)[number];
    expect(requiredPhases(runOf(row))).toEqual(phases);
  });

  it.each(PASSED_20261203.flatMap((row) => requiredPhases(runOf(row)).map((phase) => [`${row[0]} #${row[1]}`, phase, row] as const)))(
    "fails %s without %s", (_label, phase, row) => {
      const run = without(runOf(row), phase);
      expect(phaseProblems(run)).toEqual([expect.stringMatching(new RegExp(`^phase ${phase} \\(.+\\) is missing although the volume moved ${row[2]} -> ${row[3]}$`))]);
      expect(failures(run)).toHaveLength(1);
    },
  );

  it("fails a move whose record was never read (nothing of t2..t7), and a block phase without the rest even on the same node", () => {
    const killDb = runOf(PASSED_20261203[0] as (typeof PASSED_20261203)[number]);
    const { t2: _2, t3: _3, t4: _4, t5: _5, t6: _6, t7: _7, ...swarmOnly } = killDb.timeline;
    expect(phaseProblems({ ...killDb, timeline: swarmOnly })).toHaveLength(6);
    expect(phaseProblems({ ...killDb, toNode: killDb.fromNode, timeline: { t0, t5: t0 + 9_000, t8: t0 + 9_500, t9: t0 + 9_900 } })).toEqual([
      "phase t2 (controller saw the assignment) is missing although t5 was stamped", "phase t3 (old holder fenced) is missing although t5 was stamped",
      "phase t4 (detached from the old node) is missing although t5 was stamped", "phase t6 (device visible and verified) is missing although t5 was stamped",
      "phase t7 (mounted on the new node) is missing although t5 was stamped",
    ]);
  });

  it("lets only kill-controller lose t3/t4, and no zone scenario t4a/t4b", () => {
    const [, , from, to, phases] = PASSED_20261203[4] as (typeof PASSED_20261203)[number];
    expect(failures(runOf(["kill-db", 1, from, to, phases]))).toEqual([
      "phase t3 (old holder fenced) is missing although the volume moved node4 -> node5", "phase t4 (detached from the old node) is missing although the volume moved node4 -> node5",
    ]);
    const crossZone = runOf(PASSED_20261203[10] as (typeof PASSED_20261203)[number]);
    expect(phaseProblems(without(without(crossZone, "t4a"), "t4b"))).toHaveLength(2);
  });
});
