import { describe, expect, it } from "vitest";
import type { SwarmNode, SwarmTask } from "../../core/swarm.js";
import { newNode, newTask } from "../../test/fixtures/swarm.js";
import { emptyDelta, replaceAll } from "./cache.js";
import { dirtyVolumes, isLiveTask } from "./changes.js";

/** Runs one relist from `before` to `after` through the real cache and returns the dirty map. */
function relist(before: { nodes: SwarmNode[]; tasks: SwarmTask[] }, after: { nodes: SwarmNode[]; tasks: SwarmTask[] }) {
  const nodes = new Map<string, SwarmNode>();
  const tasks = new Map<string, SwarmTask>();
  replaceAll(nodes, before.nodes);
  replaceAll(tasks, before.tasks);
  const tasksBefore = [...tasks.values()];
  const nodeDelta = replaceAll(nodes, after.nodes);
  const taskDelta = replaceAll(tasks, after.tasks);
  return Object.fromEntries(dirtyVolumes(taskDelta, nodeDelta, tasksBefore, [...tasks.values()]));
}

const n1 = newNode({ id: "n1" });
const n2 = newNode({ id: "n2" });
const jenkins = newTask({ id: "t1", nodeId: "n1", volume: "jenkins_home" });
const mongo = newTask({ id: "t2", nodeId: "n2", volume: "mongo" });
const plain = newTask({ id: "t3", nodeId: "n1" });
const world = { nodes: [n1, n2], tasks: [jenkins, mongo, plain] };

describe("dirtyVolumes", () => {
  it.each([
    ["a task appears", { tasks: [...world.tasks, newTask({ id: "t4", nodeId: "n2", volume: "pg" })] }, { pg: { reason: "task-added", taskId: "t4" } }],
    ["a task moves to another node", { tasks: [{ ...jenkins, version: 2, nodeId: "n2" }, mongo, plain] }, { jenkins_home: { reason: "task-changed", taskId: "t1" } }],
    ["a task's desired state becomes shutdown", { tasks: [{ ...jenkins, version: 2, desiredState: "shutdown" }, mongo, plain] }, { jenkins_home: { reason: "task-changed", taskId: "t1" } }],
    ["a task stops occupying its node (failed)", { tasks: [{ ...jenkins, version: 2, state: "failed" }, mongo, plain] }, { jenkins_home: { reason: "task-changed", taskId: "t1" } }],
    ["a task disappears", { tasks: [mongo, plain] }, { jenkins_home: { reason: "task-removed", taskId: "t1" } }],
    ["a node goes down", { nodes: [{ ...n1, version: 2, state: "down" as const }, n2] }, { jenkins_home: { reason: "node-changed", nodeId: "n1" } }],
    ["a node is drained", { nodes: [n1, { ...n2, version: 2, availability: "drain" as const }] }, { mongo: { reason: "node-changed", nodeId: "n2" } }],
    ["a node gains the plugin", { nodes: [n1, { ...n2, version: 2, volumePlugins: ["local"] }] }, { mongo: { reason: "node-changed", nodeId: "n2" } }],
    ["a node leaves the swarm", { nodes: [n2] }, { jenkins_home: { reason: "node-removed", nodeId: "n1" } }],
  ])("reports the volume when %s", (_name, change, expected) => {
    expect(relist(world, { ...world, ...change })).toEqual(expected);
  });

  it.each([
    ["nothing changed", {}],
    ["only the version moved", { tasks: [{ ...jenkins, version: 2, updatedAt: "later" }, mongo, plain] }],
    ["a node's labels changed", { nodes: [{ ...n1, version: 2, labels: { zone: "b" } }, n2] }],
    ["a task steps between live states (preparing → starting)", {
      tasks: [{ ...jenkins, version: 2, state: "starting" }, mongo, plain],
    }, { tasks: [{ ...jenkins, state: "preparing" }, mongo, plain] }],
    ["a task without swarmvol volumes moved", { tasks: [jenkins, mongo, { ...plain, version: 2, nodeId: "n2" }] }],
  ])("reports nothing when %s", (_name, change, from: Partial<typeof world> = {}) => {
    expect(relist({ ...world, ...from }, { ...world, ...change })).toEqual({});
  });

  it("reports each volume once, with its first cause, when a task moved off a node that went down", () => {
    const after = { nodes: [{ ...n1, version: 2, state: "down" as const }, n2], tasks: [{ ...jenkins, version: 2, nodeId: "n2" }, mongo, plain] };
    expect(relist(world, after)).toEqual({ jenkins_home: { reason: "task-changed", taskId: "t1" } });
  });

  it("reports every volume with a task on a node that goes down", () => {
    const pg = newTask({ id: "t5", nodeId: "n1", volumes: [{ source: "pg", driver: "swarmvol", target: "/a", readOnly: false, options: {} }, { source: "pg_wal", driver: "swarmvol", target: "/b", readOnly: false, options: {} }] });
    const before = { nodes: world.nodes, tasks: [...world.tasks, pg] };
    const after = { ...before, nodes: [{ ...n1, version: 2, state: "down" as const }, n2] };
    expect(Object.keys(relist(before, after)).sort()).toEqual(["jenkins_home", "pg", "pg_wal"]);
  });

  it("returns nothing for empty deltas", () => {
    expect(dirtyVolumes(emptyDelta(), emptyDelta(), [], []).size).toBe(0);
  });
});

describe("isLiveTask", () => {
  it.each([
    ["running", "running", true],
    ["running", "pending", true],
    ["shutdown", "running", true],
    ["shutdown", "shutdown", false],
    ["shutdown", "failed", false],
    ["remove", "complete", false],
  ])("desired %s, actual %s → %s", (desiredState, state, live) => {
    expect(isLiveTask(newTask({ desiredState, state }))).toBe(live);
  });
});
