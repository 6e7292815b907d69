import { describe, expect, it } from "vitest";
import { parseSnapshotPolicy } from "./snapshotPolicy.js";

describe("parseSnapshotPolicy", () => {
  it("defaults: no schedule, keep 7, a final snapshot on remove", () => {
    expect(parseSnapshotPolicy({})).toEqual({ retain: 7, onRemove: "snapshot" });
  });

  it("reads a schedule, its retention, onRemove and from", () => {
    const policy = parseSnapshotPolicy({ snapshotSchedule: "0 3 * * *", snapshotRetain: "3", onRemove: "retain", from: "db" });
    expect(policy).toMatchObject({ retain: 3, onRemove: "retain", from: "db", schedule: { expression: "0 3 * * *" } });
  });

  it.each([
    [{ snapshotSchedule: "0 3 * *" }, /invalid snapshotSchedule "0 3 \* \*": it has 4 fields/],
    [{ snapshotRetain: "7" }, /snapshotRetain needs a schedule: add -o snapshotSchedule=/],
    [{ snapshotSchedule: "0 3 * * *", snapshotRetain: "0" }, /invalid snapshotRetain "0": write a whole number of snapshots from 1 to 1000/],
    [{ snapshotSchedule: "0 3 * * *", snapshotRetain: "seven" }, /invalid snapshotRetain "seven"/],
    [{ snapshotSchedule: "0 3 * * *", snapshotRetain: "1001" }, /from 1 to 1000/],
    [{ onRemove: "keep" }, /invalid onRemove "keep": use snapshot \(the default\), delete or retain/],
    [{ from: "db", snapshot: "snap-0123456789abcdef0" }, /either -o from=VOLUME \(clone\) or -o snapshot=ID \(restore\), not both/],
    [{ from: "../etc" }, /invalid volume name/],
  ])("refuses %j with a clear error", (options, message) => {
    expect(() => parseSnapshotPolicy(options)).toThrow(message);
  });
});
