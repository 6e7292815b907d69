import { describe, expect, it } from "vitest";
import { constraintsFor, isNodePin, meets, updateFlags, type ConstraintTarget } from "./serviceConstraints.js";

const target: ConstraintTarget = { id: "n2", hostname: "node2", role: "worker", labels: { "swarmvol.zone": "z1", Tier: "db" } };

describe("service constraints for a move", () => {
  it.each<[string, boolean]>([
    ["node.hostname==node2", true], ["node.hostname == NODE2", true], ["node.hostname==node1", false], ["node.hostname!=node2", false],
    ["node.id==n2", true], ["node.id!=n2", false], ["node.role==worker", true], ["node.role==manager", false],
    ["node.labels.swarmvol.zone==z1", true], ["node.labels.swarmvol.zone!=z1", false], ["node.labels.Tier==db", true], ["node.labels.tier==db", false],
    ["node.labels.missing==x", false], ["node.labels.missing!=x", true], ["engine.labels.ssd==true", true], ["node.platform.os==linux", true], ["nonsense", true],
  ])("%s: met by node2 is %s", (constraint, met) => {
    expect(meets(constraint, target)).toBe(met);
  });

  it("recognises pins by hostname or id, not other constraints", () => {
    expect(["node.hostname==a", "node.id == b"].map(isNodePin)).toEqual([true, true]);
    expect(["node.hostname!=a", "node.role==manager", "node.labels.hostname==a"].map(isNodePin)).toEqual([false, false, false]);
  });

  it("replaces pins to other nodes by one to the target and keeps the rest", () => {
    const change = constraintsFor(["node.hostname==node1", "node.labels.swarmvol.zone==z1", "node.id==n7"], target);
    expect(change).toEqual({
      constraints: ["node.labels.swarmvol.zone==z1", "node.hostname==node2"], added: "node.hostname==node2", removed: ["node.hostname==node1", "node.id==n7"], unmet: [],
    });
    expect(updateFlags(change)).toBe("--constraint-rm node.hostname==node1 --constraint-rm node.id==n7 --constraint-add node.hostname==node2");
  });

  it("changes nothing for a service pinned to the target already; reports the constraints the target fails", () => {
    expect(constraintsFor(["node.id==n2"], target)).toEqual({ constraints: ["node.id==n2"], added: undefined, removed: [], unmet: [] });
    expect(constraintsFor(["node.role==manager", "node.hostname!=node2"], target).unmet).toEqual(["node.role==manager", "node.hostname!=node2"]);
    expect(constraintsFor([], target)).toMatchObject({ constraints: ["node.hostname==node2"], removed: [] });
  });
});
