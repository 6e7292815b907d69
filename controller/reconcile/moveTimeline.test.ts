import { describe, expect, it } from "vitest";
import type { MoveTimeline, VolumeRecord } from "../../core/volume.js";
import { RecordingMetrics } from "../../test/fakes/recordingMetrics.js";
import { advanceMove, earlierMovesAfter, fenceMove, markMounted, openMoves } from "./moveTimeline.js";

const t2 = 1_000_000;

function record(name: string, lastMove: MoveTimeline | undefined): VolumeRecord {
  return {
    uid: `u-${name}`, createdAt: "2026-11-22T09:00:00.000Z",
    spec: { name, backend: "ebs", sizeBytes: 1, fsType: "ext4", options: {} },
    status: { phase: "ready", fresh: false, epoch: 1, ...(lastMove ? { lastMove } : {}) },
  };
}

describe("move timeline metrics", () => {
  it("observes each phase since t2 under its kind, and the mode the detach learnt", () => {
    const metrics = new RecordingMetrics();
    let move: MoveTimeline | undefined = { fromNode: "n1", toNode: "n2", t2Seen: t2, forced: false };
    const detach = { kind: "detach", instanceId: "i-n1", nodeId: "n1", force: true, reason: "fenced" } as const;
    move = fenceMove(move, detach, t2 + 10_000, metrics);
    move = advanceMove(move, detach, t2 + 11_000, metrics);
    move = advanceMove(move, { kind: "attach", nodeId: "n2", instanceId: "i-n2", epoch: 2 }, t2 + 12_000, metrics);
    move = markMounted(move, "n2", t2 + 14_000, metrics);
    expect(metrics.phases).toEqual([
      { phase: "t3_fenced", kind: "failover", mode: "forced", seconds: 10 },
      { phase: "t4_detached", kind: "failover", mode: "forced", seconds: 11 },
      { phase: "t5_attached", kind: "failover", mode: "forced", seconds: 12 },
      { phase: "t7_mounted", kind: "failover", mode: "forced", seconds: 14 },
    ]);
    expect(metrics.moves).toEqual([{ kind: "failover", mode: "forced", seconds: 14 }]);
    expect(markMounted(move, "n2", t2 + 20_000, metrics)).toBe(move);
    expect(metrics.moves).toHaveLength(1);
  });

  it("an attach that adopts one already made keeps the first t5; after a detach (a stuck attach aborted) t5 is new", () => {
    const metrics = new RecordingMetrics();
    const attach = { kind: "attach", nodeId: "n2", instanceId: "i-n2", epoch: 3 } as const;
    const detach = { kind: "detach", instanceId: "i-n2", nodeId: "n2", force: true, reason: "stuck" } as const;
    const first = advanceMove({ toNode: "n2", t2Seen: t2, t4Detached: t2 + 1_000, forced: false }, attach, t2 + 2_000, metrics);
    expect(advanceMove(first, attach, t2 + 3_000, metrics)).toBe(first);
    const aborted = advanceMove(first, detach, t2 + 4_000, metrics);
    expect(advanceMove(aborted, attach, t2 + 5_000, metrics)?.t5Attached).toBe(t2 + 5_000);
    expect(metrics.phases.filter((p) => p.phase === "t5_attached").map((p) => p.seconds)).toEqual([2, 5]);
  });

  it("t6 and t7 are the agent's own stamps, not the report's arrival, and observed so", () => {
    const metrics = new RecordingMetrics();
    const attached: MoveTimeline = { fromNode: "n1", toNode: "n2", t2Seen: t2, t5Attached: t2 + 3_000, forced: true };
    // The heartbeat carrying the mount arrives 1.8 s after the mount finished.
    const done = markMounted(attached, "n2", t2 + 6_000, metrics, { verifiedAt: t2 + 3_400, mountedAt: t2 + 4_200 });
    expect(done).toMatchObject({ t6Verified: t2 + 3_400, t7Mounted: t2 + 4_200 });
    expect(metrics.phases).toEqual([
      { phase: "t6_verified", kind: "failover", mode: "forced", seconds: 3.4 },
      { phase: "t7_mounted", kind: "failover", mode: "forced", seconds: 4.2 },
    ]);
    expect(metrics.moves).toEqual([{ kind: "failover", mode: "forced", seconds: 4.2 }]);
  });

  it("keeps a skewed agent's stamps within [t5, receive time] and t6 <= t7; no stamps: t7 on arrival, no t6", () => {
    const attached: MoveTimeline = { toNode: "n2", t2Seen: t2, t5Attached: t2 + 3_000, forced: false };
    const receivedAt = t2 + 6_000;
    const mark = (reported: { verifiedAt?: number; mountedAt?: number }) => {
      const move = markMounted(attached, "n2", receivedAt, new RecordingMetrics(), reported);
      return [move?.t6Verified, move?.t7Mounted];
    };
    expect(mark({ verifiedAt: t2 + 60_000, mountedAt: t2 + 61_000 })).toEqual([receivedAt, receivedAt]);
    expect(mark({ verifiedAt: t2 - 60_000, mountedAt: t2 - 59_000 })).toEqual([t2 + 3_000, t2 + 3_000]);
    expect(mark({ verifiedAt: t2 + 5_000, mountedAt: t2 + 4_000 })).toEqual([t2 + 4_000, t2 + 4_000]);
    expect(mark({})).toEqual([undefined, receivedAt]);
    expect(mark({ verifiedAt: t2 + 3_500 })).toEqual([t2 + 3_500, receivedAt]);
  });

  it("lists open moves by last phase, leaving out finished ones and those their target abandoned", () => {
    const records = [
      record("first", { toNode: "n1", t2Seen: t2, forced: false }),
      record("attached", { fromNode: "n1", toNode: "n2", t2Seen: t2 - 30_000, t3Fenced: t2 - 20_000, t4Detached: t2 - 19_000, t5Attached: t2 - 18_000, forced: true }),
      record("done", { toNode: "n1", t2Seen: t2, t5Attached: t2, t7Mounted: t2, forced: false }),
      record("abandoned", { toNode: "n3", t2Seen: t2 - 900_000, forced: false }),
      record("still", undefined),
    ];
    const wanted = (volume: string, node: string) => !(volume === "abandoned" && node === "n3");
    expect(openMoves(records, t2 + 5_000, wanted)).toEqual([{ phase: "t2_seen", seconds: 5 }, { phase: "t5_attached", seconds: 35 }]);
  });
});

describe("earlier moves", () => {
  const move = (t2Seen: number, toNode = `n${t2Seen}`): MoveTimeline => ({ toNode, t2Seen, forced: false });
  it("keeps the moves before the last, newest first, at most four; the same move merged keeps them as they were", () => {
    expect(earlierMovesAfter({}, move(1))).toBeUndefined();
    expect(earlierMovesAfter({ lastMove: move(1) }, move(2))).toEqual([move(1)]);
    expect(earlierMovesAfter({ lastMove: move(2), earlierMoves: [move(1)] }, { ...move(2), t5Attached: 9 })).toEqual([move(1)]);
    const full = [move(5), move(4), move(3), move(2)];
    expect(earlierMovesAfter({ lastMove: move(6), earlierMoves: full }, move(7))).toEqual([move(6), move(5), move(4), move(3)]);
  });
});
