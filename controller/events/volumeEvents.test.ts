import { describe, expect, it } from "vitest";
import type { VolumeRecord } from "../../core/volume.js";
import { volumeEvents } from "./volumeEvents.js";

const t2 = Date.parse("2026-11-22T10:00:00.000Z");
const base: VolumeRecord = {
  uid: "u1", createdAt: "2026-11-22T09:00:00.000Z",
  spec: { name: "db", backend: "ebs", sizeBytes: 2 * 1024 ** 3, fsType: "ext4", options: {} },
  status: { phase: "ready", fresh: false, epoch: 1, grantedTo: { nodeId: "n1", instanceId: "i-1", device: "/dev/xvdf", epoch: 1, since: "2026-11-22T09:30:00.000Z" } },
};
const withStatus = (status: Partial<VolumeRecord["status"]>): VolumeRecord => ({ ...base, status: { ...base.status, ...status } });
const described = (events: ReturnType<typeof volumeEvents>) => events.map((event) => `${event.type}${event.data.phase ? ` ${String(event.data.phase)}` : ""}`);

describe("volumeEvents", () => {
  it("tells a new volume once", () => {
    expect(described(volumeEvents(undefined, { ...base, status: { phase: "ready", fresh: true, epoch: 0 } }))).toEqual(["volume.created"]);
    expect(volumeEvents(base, base)).toEqual([]);
  });

  it("tells each phase of a move once, then its end with the grant", () => {
    const seen = withStatus({ lastMove: { fromNode: "n1", toNode: "n2", t2Seen: t2, forced: false } });
    expect(described(volumeEvents(base, seen))).toEqual(["move.phase t2_seen"]);
    const detached = withStatus({ grantedTo: undefined, lastMove: { fromNode: "n1", toNode: "n2", t2Seen: t2, t3Fenced: t2 + 1000, t4Detached: t2 + 2000, forced: true } });
    const phases = volumeEvents(seen, detached);
    expect(described(phases)).toEqual(["move.phase t3_fenced", "move.phase t4_detached"]);
    expect(phases[0]?.message).toBe("move n1 -> n2: the old holder is fenced (safe to detach) (forced) at +1.00s");
    const granted = withStatus({
      epoch: 2, grantedTo: { nodeId: "n2", instanceId: "i-2", device: "/dev/xvdg", epoch: 2, since: "2026-11-22T10:00:04.000Z" },
      lastMove: { ...detached.status.lastMove!, t5Attached: t2 + 3000 },
    });
    const done = volumeEvents(detached, granted);
    expect(described(done)).toEqual(["move.phase t5_attached", "volume.placed", "move.done"]);
    expect(done[2]).toMatchObject({ node: "n2", data: { fromNode: "n1", toNode: "n2", seconds: 4, forced: true } });
  });

  it("tells each new holder of a multi-writer share once, as placed", () => {
    const grant = (nodeId: string) => ({ nodeId, instanceId: `i-${nodeId}`, device: "efs://10.0.0.1/fs-1/fsap-1/db", epoch: 1, since: "t" });
    const one = withStatus({ grantedTo: undefined, holders: [grant("n1")] });
    const two = withStatus({ grantedTo: undefined, holders: [grant("n1"), grant("n2")] });
    expect(volumeEvents(withStatus({ grantedTo: undefined }), one)).toEqual([expect.objectContaining({ type: "volume.placed", node: "n1" })]);
    expect(volumeEvents(one, two)).toEqual([expect.objectContaining({ type: "volume.placed", node: "n2", data: { epoch: 1, device: grant("n2").device, instanceId: "i-n2" } })]);
    expect(volumeEvents(two, one)).toEqual([]);
  });

  it("tells a condition when it changes and when it clears", () => {
    const held = withStatus({ condition: { reason: "HolderAlive", message: "n1 still holds it", since: "x" } });
    expect(volumeEvents(base, held)).toEqual([expect.objectContaining({ type: "condition.changed", data: { reason: "HolderAlive" }, message: "HolderAlive: n1 still holds it" })]);
    expect(volumeEvents(held, { ...held })).toEqual([]);
    expect(volumeEvents(held, base)[0]).toMatchObject({ type: "condition.changed", data: { reason: null } });
  });
});
