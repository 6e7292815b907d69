import { describe, expect, it } from "vitest";
import type { VolumeRecord } from "../../core/volume.js";
import type { NodeState } from "../cluster/index.js";
import { drainLanding, relocationViolations, zoneLabelViolations } from "./crossZone.js";

const node = (name: string, role: "manager" | "worker", zone: string) => ({ name, role, zone }) as unknown as NodeState;
const t0 = 1_000;
const before = { backendId: "vol-a", zone: "us-east-1a" };
function record(status: Partial<VolumeRecord["status"]> = {}): VolumeRecord {
  return {
    uid: "u", createdAt: "c", spec: { name: "drill-pgdata", backend: "ebs", sizeBytes: 1, fsType: "ext4", options: { zonePolicy: "follow" } },
    status: {
      phase: "ready", fresh: false, epoch: 3, backendId: "vol-b", zone: "us-east-1b",
      lastMove: { fromNode: "n3", toNode: "n2", t2Seen: 2_000, t4Detached: 3_000, t4aSnapshotted: 4_000, t4bCreated: 5_000, t5Attached: 6_000, forced: false, fromZone: "us-east-1a", toZone: "us-east-1b" },
      ...status,
    },
  };
}

describe("cross-zone", () => {
  it("drains into the other zone: the other workers' zones (a manager's zone does not count)", () => {
    const nodes = [node("node1", "manager", "us-east-1a"), node("node2", "worker", "us-east-1b"), node("node3", "worker", "us-east-1a")];
    expect(drainLanding(nodes, nodes[2] as NodeState)).toEqual({ zones: ["us-east-1b"] });
    expect(drainLanding(nodes, nodes[1] as NodeState)).toEqual({ zones: ["us-east-1a"] });
    const three = [...nodes, node("node4", "worker", "us-east-1c")];
    expect(drainLanding(three, three[1] as NodeState)).toEqual({ zones: ["us-east-1a", "us-east-1c"] });
  });

  it("refuses a lab where the drained database could stay in its zone, or has nowhere else to go", () => {
    const nodes = [node("node1", "manager", "us-east-1a"), node("node2", "worker", "us-east-1b"), node("node3", "worker", "us-east-1a"), node("node4", "worker", "us-east-1b")];
    expect(drainLanding(nodes, nodes[1] as NodeState)).toEqual({ error: expect.stringMatching(/could put the database on node4 in us-east-1b too: the lab needs one worker per zone/) });
    expect(drainLanding(nodes, nodes[2] as NodeState)).toEqual({ zones: ["us-east-1b"] });
    const oneZone = [node("node1", "manager", "us-east-1a"), node("node2", "worker", "us-east-1a"), node("node3", "worker", "us-east-1a")];
    expect(drainLanding(oneZone, oneZone[1] as NodeState)).toEqual({ error: expect.stringMatching(/needs a worker outside us-east-1a: run the drill with --zones 2/) });
    expect(drainLanding([nodes[0] as NodeState, nodes[2] as NodeState], nodes[2] as NodeState)).toHaveProperty("error");
  });

  it("every node's swarmvol.zone label must be its lab zone", () => {
    const labelled = (name: string, zone: string) => ({ name, zone, nodeId: `id-${name}` }) as unknown as NodeState;
    const nodes = [labelled("node1", "us-east-1a"), labelled("node2", "us-east-1b")];
    expect(zoneLabelViolations(nodes, new Map([["id-node1", "us-east-1a"], ["id-node2", "us-east-1b"]]))).toEqual([]);
    expect(zoneLabelViolations(nodes, new Map([["id-node1", "us-east-1a"], ["id-node2", "us-east-1a"]]))).toEqual(["node2 is labelled swarmvol.zone=us-east-1a, not us-east-1b"]);
    expect(zoneLabelViolations(nodes, new Map([["id-node1", "us-east-1a"]]))).toEqual(["node2 is labelled swarmvol.zone=(none), not us-east-1b"]);
  });

  it("a finished relocation to the task's zone has nothing to say", () => {
    expect(relocationViolations(record(), before, "us-east-1b", t0)).toEqual([]);
  });

  it.each([
    ["still in the old zone", record({ zone: "us-east-1a" }), /is in us-east-1a, not in us-east-1b/],
    ["still the old cloud volume", record({ backendId: "vol-a" }), /still names its old cloud volume vol-a/],
    ["a move from before the fault", record({ lastMove: { toNode: "n2", t2Seen: 10, forced: false, fromZone: "us-east-1a", toZone: "us-east-1b" } }), /not the relocation/],
    ["no snapshot phase", record({ lastMove: { toNode: "n2", t2Seen: 2_000, t4bCreated: 5, forced: false, fromZone: "us-east-1a", toZone: "us-east-1b" } }), /no snapshot \(t4a\)/],
    ["old volume not retired", record({ relocation: { fromVolumeId: "vol-a", fromZone: "us-east-1a", toZone: "us-east-1b", epoch: 2, toVolumeId: "vol-b" } }), /vol-a was not retired/],
  ])("%s is a violation", (_what, found, message) => {
    expect(relocationViolations(found, before, "us-east-1b", t0).join("; ")).toMatch(message);
  });

  it("no record is a violation", () => {
    expect(relocationViolations(null, before, "us-east-1b", t0)).toEqual(["could not read the database volume's record from the controller"]);
  });
});
