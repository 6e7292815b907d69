import { describe, expect, it } from "vitest";
import { matchesFilters, parseVolumeFilters } from "./volumeFilters.js";
import type { VolumeRecord } from "./volume.js";

const record = (status: Partial<VolumeRecord["status"]> = {}, backend = "ebs"): VolumeRecord => ({
  uid: "u", createdAt: "2026-12-03T00:00:00.000Z", spec: { name: "db", backend, sizeBytes: 1, fsType: "ext4", options: {} },
  status: { phase: "ready", fresh: false, epoch: 1, ...status },
});
const granted = record({ zone: "z1", grantedTo: { nodeId: "n1", instanceId: "i-1", device: "/dev/xvdba", epoch: 1, since: "t" } });
const shared = record({ holders: ["n1", "n2"].map((nodeId) => ({ nodeId, instanceId: `i-${nodeId}`, device: "efs://10.0.0.1/fs-1/fsap-1/s", epoch: 1, since: "t" })) });
const mismatched = record({ zone: "z2", condition: { reason: "ZoneMismatch", message: "m", since: "t" } });

describe("volume list filters", () => {
  it.each<[string, VolumeRecord, Record<string, string>, boolean]>([
    ["no filter", mismatched, {}, true],
    ["granted to the node", granted, { node: "n1" }, true],
    ["granted elsewhere", granted, { node: "n2" }, false],
    ["not granted at all", mismatched, { node: "n1" }, false],
    ["a multi-writer share: one of its holders", shared, { node: "n2" }, true],
    ["a multi-writer share: not one of its holders", shared, { node: "n3" }, false],
    ["condition ok: none", granted, { condition: "ok" }, true],
    ["condition ok, but one holds", mismatched, { condition: "ok" }, false],
    ["the condition's reason", mismatched, { condition: "ZoneMismatch" }, true],
    ["backend and zone together", granted, { backend: "ebs", zone: "z1" }, true],
    ["one of two not matching", granted, { backend: "ebs", zone: "z2" }, false],
  ])("%s", (_what, volume, filters, expected) => {
    expect(matchesFilters(volume, filters)).toBe(expected);
  });

  it("parses key=value words, the last of a key winning, and names the keys for anything else", () => {
    expect(parseVolumeFilters(["node=n1", "condition=ok", "node=n2"])).toEqual({ node: "n2", condition: "ok" });
    expect(() => parseVolumeFilters(["dangling=true"])).toThrow(/invalid filter "dangling=true": use key=value with key one of node, condition, backend, zone/);
    expect(() => parseVolumeFilters(["node="])).toThrow(/invalid filter "node="/);
  });
});
