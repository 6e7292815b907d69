import { describe, expect, it } from "vitest";
import { buildReport, failures, phaseProblems, renderRun, renderSummary, type ScenarioResult } from "./report.js";
import { renderStack } from "./stack.js";
import { FileLedger, jenkinsPath } from "./jenkinsClient.js";
import { firstAckAfter, type Ack } from "./writer.js";
import { formatProgress, Progress } from "./progress.js";

const t0 = 5_000_000;
const ok: ScenarioResult = {
  scenario: "kill-db", iteration: 1, service: "drill_db", fromNode: "node2", toNode: "node3",
  timeline: { t0, t1: t0 + 13_000, t2: t0 + 13_100, t5: t0 + 18_000, t8: t0 + 20_000, t9: t0 + 20_400 },
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
      ...ok, timeline: { t0 }, rows: { acked: 3, present: 1, missing: [7], corrupt: [8] }, files: { acked: 1, present: 0, missing: [], corrupt: ["x"] },
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

  it("fails a run whose phases are out of order (kill-db once read t7 +16.2 s, t8 +15.9 s) or whose t7 has no t6", () => {
    const late: ScenarioResult = { ...ok, timeline: { ...ok.timeline, t6: t0 + 18_400, t7: t0 + 20_300 } };
    expect(phaseProblems(late.timeline)).toEqual(["phase t7 (mounted on the new node) at +20.3 s is after t8 (new task running (Swarm)) at +20.0 s"]);
    expect(failures(late)).toEqual(phaseProblems(late.timeline));
    // Unobserved phases are skipped: t5 is compared with the next one seen.
    expect(phaseProblems({ t0, t2: t0 + 13_100, t5: t0 + 19_000, t6: t0 + 18_900, t7: t0 + 19_500 })).toEqual([
      "phase t5 (attached to the new node) at +19.0 s is after t6 (device visible and verified) at +18.9 s",
    ]);
    expect(phaseProblems({ t0, t5: t0 + 18_000, t7: t0 + 19_000 })).toEqual(["phase t6 (device visible and verified) is missing although t7 was stamped"]);
    expect(phaseProblems({ ...ok.timeline, t6: t0 + 18_400, t7: t0 + 19_900 })).toEqual([]);
    expect(phaseProblems({ t0, t9: t0 + 2_500 })).toEqual([]);
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
