import { describe, expect, it } from "vitest";
import type { CloudEvent } from "../cloud/index.js";
import { findDoubleAttachments } from "./doubleAttach.js";
import { describeCloudFaults, restorePatch } from "./cloudFaults.js";
import { defaultFaults } from "../cloud/faults.js";

type Ev = [CloudEvent["type"], string?, string?, string?];

/** Events from compact tuples: [type, volume, instance, detail]; seq = position + 1. */
function log(...tuples: Ev[]): CloudEvent[] {
  return tuples.map(([type, volumeId, instanceId, detail], i) => ({
    seq: i + 1, time: `2026-12-01T00:00:${String(i).padStart(2, "0")}.000Z`, type,
    ...(volumeId === undefined ? {} : { volumeId }), ...(instanceId === undefined ? {} : { instanceId }), ...(detail === undefined ? {} : { detail }),
  }));
}

const move: Ev[] = [
  ["volume-created", "v1"], ["attach-requested", "v1", "A"], ["attached", "v1", "A"],
  ["detach-requested", "v1", "A", "force"], ["force-detached", "v1", "A"], ["attach-requested", "v1", "B"], ["attached", "v1", "B"],
];

describe("findDoubleAttachments", () => {
  it.each<[string, Ev[], Array<{ seq: number; holder: string; intruder: string; holderState: string }>]>([
    ["a clean move", move, []],
    ["a stuck attach detached, then attached elsewhere", [
      ["attach-requested", "v1", "A", "stuck"], ["detach-requested", "v1", "A", "stuck"], ["detach-requested", "v1", "A", "force"],
      ["force-detached", "v1", "A"], ["attach-requested", "v1", "B"],
    ], []],
    ["a repeated attach to the same instance", [["attach-requested", "v1", "A"], ["attach-requested", "v1", "A"]], []],
    ["two volumes on two instances", [["attach-requested", "v1", "A"], ["attach-requested", "v2", "B"]], []],
    ["attaching elsewhere while attaching", [["attach-requested", "v1", "A"], ["attach-requested", "v1", "B"]],
      [{ seq: 2, holder: "A", intruder: "B", holderState: "attaching" }]],
    ["attaching elsewhere while attached", [["attach-requested", "v1", "A"], ["attached", "v1", "A"], ["attach-requested", "v1", "B"]],
      [{ seq: 3, holder: "A", intruder: "B", holderState: "attached" }]],
    ["attaching elsewhere while still detaching", [["attach-requested", "v1", "A"], ["detach-requested", "v1", "A"], ["attach-requested", "v1", "B"]],
      [{ seq: 3, holder: "A", intruder: "B", holderState: "detaching" }]],
    ["a detach of the wrong instance ends nothing", [["attach-requested", "v1", "A"], ["detached", "v1", "B"], ["attach-requested", "v1", "B"]],
      [{ seq: 3, holder: "A", intruder: "B", holderState: "attaching" }]],
    ["a deleted volume holds nothing", [["attach-requested", "v1", "A"], ["volume-deleted", "v1"], ["attach-requested", "v1", "B"]], []],
  ])("%s", (_name, tuples, expected) => {
    expect(findDoubleAttachments(log(...tuples))).toEqual(expected.map((e) => expect.objectContaining(e)));
  });

  it("names the nodes and the times in its message", () => {
    const [found] = findDoubleAttachments(log(["attach-requested", "v1", "i-1"], ["attach-requested", "v1", "i-2"]), new Map([["i-1", "node2"]]));
    expect(found?.message).toBe("volume v1 was attach-requested for i-2 at 2026-12-01T00:00:01.000Z (event 2) while node2 (i-1) still held it (attaching, since event 1)");
  });

  it("leaves out violations up to afterSeq but keeps the holds they started", () => {
    const events = log(["attach-requested", "v1", "A"], ["attach-requested", "v1", "B"], ["attach-requested", "v1", "C"]);
    expect(findDoubleAttachments(events).map((d) => d.seq)).toEqual([2, 3, 3]);
    expect(findDoubleAttachments(events, new Map(), 2).map((d) => `${d.holder}->${d.intruder}`)).toEqual(["A->C", "B->C"]);
  });
});

describe("cloud fault profile helpers", () => {
  it("restores exactly the knobs from before, after a reset", () => {
    const before = { ...defaultFaults(), latencyMs: { ...defaultFaults().latencyMs, attach: 20 } };
    expect(restorePatch(before)).toEqual({ reset: true, ...before });
  });

  it("says what the profile did", () => {
    const events = log(["attach-requested", "v1", "A", "stuck"], ["detach-requested", "v1", "A"], ["detach-requested", "v1", "A", "force"]);
    expect(describeCloudFaults({ stickNextAttach: 0, stickNextDetach: 1 }, events))
      .toBe("cloud faults off: 1 attach stuck, 0 detach stuck, 1 forced detaches requested; the stuck detach not used (no such call while the profile was on)");
  });
});
