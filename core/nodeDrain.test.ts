import { describe, expect, it } from "vitest";
import { drainRound, planDrain, planRestore, type AvailabilityPlan, type DrainCandidate, type DrainRound, type NodeSpecView } from "./nodeDrain.js";
import type { NodeView, PlacementPolicy } from "./placement.js";
import type { SwarmNode } from "./swarm.js";

const now = 1_000_000;
const policy: PlacementPolicy = { fenceGraceMs: 2_000, pollMs: 1_000 };
const ours = { "swarmvol.drained-by": "replica-a/term-3", "swarmvol.drained-from": "active" };

const spec = (extra: Partial<NodeSpecView> = {}): NodeSpecView => ({ role: "worker", availability: "active", labels: {}, ...extra });

describe("planDrain: the write on a fenced node as read right before it", () => {
  it.each<[string, NodeSpecView, number, AvailabilityPlan]>([
    ["an active worker: drained, marked with the term and the availability it had", spec(), 0,
      { kind: "write", change: { availability: "drain", labels: ours } }],
    ["an active manager while another manager stays active", spec({ role: "manager" }), 1,
      { kind: "write", change: { availability: "drain", labels: ours } }],
    ["the last active manager: left alone", spec({ role: "manager" }), 0, { kind: "skip", reason: "last-active-manager" }],
    ["drained by an operator: left alone", spec({ availability: "drain" }), 0, { kind: "skip", reason: "operator-availability" }],
    ["paused by an operator: left alone", spec({ availability: "pause" }), 0, { kind: "skip", reason: "operator-availability" }],
    ["paused with a stale swarmvol label: still the operator's", spec({ availability: "pause", labels: ours }), 0, { kind: "skip", reason: "operator-availability" }],
    ["drained by swarmvol already (maybe by an earlier leader)", spec({ availability: "drain", labels: ours }), 0, { kind: "skip", reason: "already-drained" }],
  ])("%s", (_name, node, otherManagers, plan) => {
    expect(planDrain(node, "replica-a/term-3", otherManagers)).toEqual(plan);
  });
});

describe("planRestore: only what swarmvol set, and only if nobody changed it", () => {
  const gone = { "swarmvol.drained-by": undefined, "swarmvol.drained-from": undefined };
  it.each<[string, NodeSpecView, AvailabilityPlan]>([
    ["still drained with swarmvol's label: back to active, labels removed", spec({ availability: "drain", labels: ours }),
      { kind: "write", change: { availability: "active", labels: gone } }],
    ["drained from pause (a label written by hand): back to pause", spec({ availability: "drain", labels: { ...ours, "swarmvol.drained-from": "pause" } }),
      { kind: "write", change: { availability: "pause", labels: gone } }],
    ["a nonsense previous availability: active", spec({ availability: "drain", labels: { ...ours, "swarmvol.drained-from": "drain" } }),
      { kind: "write", change: { availability: "active", labels: gone } }],
    ["no previous availability label: active", spec({ availability: "drain", labels: { "swarmvol.drained-by": "x" } }),
      { kind: "write", change: { availability: "active", labels: gone } }],
    ["an operator set it active meanwhile: only the labels go", spec({ labels: ours }), { kind: "write", change: { labels: gone } }],
    ["an operator paused it meanwhile: only the labels go", spec({ availability: "pause", labels: ours }), { kind: "write", change: { labels: gone } }],
    ["an operator removed the label: nothing at all", spec({ availability: "drain" }), { kind: "skip", reason: "not-drained-by-swarmvol" }],
    ["a node swarmvol never drained: nothing", spec(), { kind: "skip", reason: "not-drained-by-swarmvol" }],
  ])("%s", (_name, node, plan) => {
    expect(planRestore(node)).toEqual(plan);
  });
});

function swarmNode(id: string, extra: Partial<SwarmNode> = {}): SwarmNode {
  return { id, version: 1, hostname: id, role: "worker", availability: "active", state: "ready", address: "", labels: {}, volumePlugins: ["swarmvol"], ...extra };
}
function view(id: string, extra: Partial<NodeView> = {}): NodeView {
  return { nodeId: id, hostname: id, instanceId: `i-${id}`, zone: "z1", swarmState: "ready", leaseExpiresAt: now + 1_500, mounted: [], ...extra };
}
const candidate = (id: string, swarm: Partial<SwarmNode> = {}, lease: Partial<NodeView> | undefined = {}, holdsVolumes = true): DrainCandidate =>
  ({ swarm: swarmNode(id, swarm), view: lease === undefined ? undefined : view(id, lease), holdsVolumes });
const fencedLease = { leaseExpiresAt: now - policy.fenceGraceMs };
const lapsedLease = { leaseExpiresAt: now - 500 };
const manager = { role: "manager" as const };

describe("drainRound: which nodes to drain, restore or ask the cloud about, and when to look again", () => {
  it.each<[string, DrainCandidate[], Partial<DrainRound>]>([
    ["a live holder: nothing; look again at its lapse", [candidate("n1")], { drain: [], restore: [], describe: [], nextCheckMs: 1_000 }],
    ["a live holder lapsing in 300 ms: look again then", [candidate("n1", {}, { leaseExpiresAt: now + 300 })], { drain: [], nextCheckMs: 300 }],
    ["a holder lapsed inside the grace: ask the cloud; look again at the grace's end", [candidate("n1", {}, { leaseExpiresAt: now - 1_200 })],
      { drain: [], describe: ["i-n1"], nextCheckMs: 800 }],
    ["a lapsed holder whose instance is stopped: drained at once, without the grace", [candidate("n1", {}, { ...lapsedLease, instanceState: "stopped" })],
      { drain: ["n1"], describe: [] }],
    ["a holder lapsed past the grace: drained", [candidate("n1", {}, fencedLease)], { drain: ["n1"], describe: [] }],
    ["an operator-fenced holder with a live lease: drained", [candidate("n1", {}, { operatorFenced: true })], { drain: ["n1"] }],
    ["a fenced node holding no volume: never touched", [candidate("n1", {}, fencedLease, false)], { drain: [], describe: [] }],
    ["a lapsed node holding no volume: not even asked about", [candidate("n1", {}, lapsedLease, false)], { describe: [] }],
    ["a fenced holder an operator drained: left alone", [candidate("n1", { availability: "drain" }, fencedLease)], { drain: [] }],
    ["a fenced holder an operator paused: left alone", [candidate("n1", { availability: "pause" }, fencedLease)], { drain: [] }],
    ["a fenced holder Swarm already has down: Swarm moves its tasks itself", [candidate("n1", { state: "down" }, fencedLease)], { drain: [] }],
    ["a fenced manager while another manager is active: drained", [candidate("m1", manager, fencedLease), candidate("m2", manager, {}, false)], { drain: ["m1"] }],
    ["a fenced manager, the other manager drained by an operator: left alone",
      [candidate("m1", manager, fencedLease), candidate("m2", { ...manager, availability: "drain" }, {}, false)], { drain: [] }],
    ["two fenced managers and a live one: both drained", [candidate("m1", manager, fencedLease), candidate("m2", manager, fencedLease), candidate("m3", manager, {}, false)],
      { drain: ["m1", "m2"] }],
    ["an unheard node (new leader) inside takeover + ttl + grace: not fenced, not drained", [candidate("n1", {}, { ...lapsedLease, unheard: true })], { drain: [], describe: ["i-n1"] }],
    ["an unheard holder past takeover + ttl + grace: drained", [candidate("n1", {}, { ...fencedLease, unheard: true })], { drain: ["n1"] }],
    ["a node the informer knows nothing more of: nothing", [candidate("n1", {}, undefined)], { drain: [], restore: [] }],
  ])("%s", (_name, candidates, expected) => {
    expect(drainRound(candidates, now, policy)).toMatchObject(expected);
  });

  it.each<[string, DrainCandidate, boolean]>([
    ["swarmvol-drained, back with a live lease: restored", candidate("n1", { availability: "drain", labels: ours }), true],
    ["swarmvol-drained, live lease, holding nothing yet: restored", candidate("n1", { availability: "drain", labels: ours }, {}, false), true],
    ["swarmvol-drained, an operator set it active since: restored (the labels go)", candidate("n1", { labels: ours }), true],
    ["swarmvol-drained, still lapsed: not yet", candidate("n1", { availability: "drain", labels: ours }, lapsedLease), false],
    ["swarmvol-drained, still fenced: not yet", candidate("n1", { availability: "drain", labels: ours }, fencedLease), false],
    ["swarmvol-drained, operator-fenced with a live lease: not yet", candidate("n1", { availability: "drain", labels: ours }, { operatorFenced: true }), false],
    ["swarmvol-drained, unheard by a new leader (assumed live): not until heard", candidate("n1", { availability: "drain", labels: ours }, { unheard: true }), false],
    ["swarmvol-drained, never heard: not", candidate("n1", { availability: "drain", labels: ours }, { leaseExpiresAt: undefined }), false],
    ["drained by an operator (no label), live lease: never", candidate("n1", { availability: "drain" }), false],
  ])("%s", (_name, node, restored) => {
    const round = drainRound([node], now, policy);
    expect(round.restore).toEqual(restored ? ["n1"] : []);
    expect(round.drain).toEqual([]);
  });

  it("never drains and restores in one round, and never drains a node it already drained", () => {
    const round = drainRound([candidate("n1", { availability: "drain", labels: ours }, fencedLease), candidate("n2", { labels: ours }, fencedLease)], now, policy);
    expect(round).toMatchObject({ drain: [], restore: [] });
  });

  it("in power mode a lapse alone fences nothing: the cloud is asked, the node drained only once it reads stopped", () => {
    const power: PlacementPolicy = { ...policy, fenceMode: "power" };
    expect(drainRound([candidate("n1", {}, fencedLease)], now, power)).toMatchObject({ drain: [], describe: ["i-n1"] });
    expect(drainRound([candidate("n1", {}, { ...fencedLease, instanceState: "stopped" })], now, power)).toMatchObject({ drain: ["n1"] });
  });
});
