import { describe, expect, it } from "vitest";
import { buildTimeline, relativeSeconds, renderSummaryTable, renderTimelineTable, replacementTask, type DrillTask } from "./timeline.js";

const t0 = 1_000_000;
const task = (over: Partial<DrillTask>): DrillTask => ({ id: "x", nodeId: "n2", createdAt: t0 - 60_000, state: "running", desiredState: "running", stateAt: t0 - 59_000, ...over });

describe("buildTimeline", () => {
  const tasks = [
    task({ id: "old", state: "running", desiredState: "shutdown" }),
    task({ id: "new", nodeId: "n3", createdAt: t0 + 13_000, stateAt: t0 + 21_000 }),
  ];
  const move = {
    toNode: "n3", fromNode: "n2", t2Seen: t0 + 13_200, t3Fenced: t0 + 15_100, t4Detached: t0 + 17_200, t5Attached: t0 + 19_300, t6Verified: t0 + 19_600, t7Mounted: t0 + 20_500, forced: true,
  };

  it("takes t1/t8 from the replacement task, t2..t7 from the move and t9 from the client", () => {
    const timeline = buildTimeline({ t0, tasks, move, firstAckAfterT0: t0 + 21_400 });
    expect(relativeSeconds(timeline)).toEqual({ t0: 0, t1: 13, t2: 13.2, t3: 15.1, t4: 17.2, t5: 19.3, t6: 19.6, t7: 20.5, t8: 21, t9: 21.4 });
  });

  it("ignores a move from before t0 and a replacement that is not running yet", () => {
    const timeline = buildTimeline({ t0, tasks: [task({ createdAt: t0 + 5, state: "preparing" })], move: { ...move, t2Seen: t0 - 1 }, firstAckAfterT0: undefined });
    expect(timeline).toEqual({ t0, t1: t0 + 5 });
  });

  it("takes t1 from the first replacement and t8 from the one that runs when the first failed", () => {
    const failedFirst = [
      task({ id: "failed", nodeId: "n3", createdAt: t0 + 5_000, state: "failed", desiredState: "shutdown", stateAt: t0 + 95_000 }),
      task({ id: "second", nodeId: "n4", createdAt: t0 + 96_000, stateAt: t0 + 199_000 }),
    ];
    const timeline = buildTimeline({ t0, tasks: failedFirst, move: undefined, firstAckAfterT0: t0 + 200_000 });
    expect(relativeSeconds(timeline)).toEqual({ t0: 0, t1: 5, t8: 199, t9: 200 });
  });

  it("picks the first task created after t0 as the replacement", () => {
    expect(replacementTask([task({ id: "b", createdAt: t0 + 9 }), task({ id: "a", createdAt: t0 + 3 })], t0)?.id).toBe("a");
    expect(replacementTask([task({})], t0)).toBeUndefined();
  });
});

describe("rendering", () => {
  it("prints every phase with its offset and step, and dashes for unobserved ones", () => {
    const text = renderTimelineTable({ t0, t1: t0 + 12_000, t5: t0 + 20_000, t9: t0 + 21_500 });
    expect(text).toMatch(/t1\s+replacement task created \(Swarm\)\s+\+12\.0 s\s+12\.0 s/);
    expect(text).toMatch(/t5\s+attached to the new node\s+\+20\.0 s\s+8\.0 s/);
    expect(text).toMatch(/t6\s+device visible and verified\s+-\s+-/);
    expect(text).toMatch(/t9\s+first client write acknowledged\s+\+21\.5 s\s+1\.5 s/);
  });

  it("summarises runs in one row each", () => {
    const text = renderSummaryTable([{ label: "kill-db #1", timeline: { t0, t1: t0 + 12_000, t9: t0 + 30_000 }, verdict: "PASS" }]);
    expect(text.split("\n")[0]).toMatch(/^SCENARIO\s+t1\s+t2.*t9\s+RESULT$/);
    expect(text).toMatch(/kill-db #1\s+12\.0\s+-.*30\.0\s+PASS/);
  });
});
