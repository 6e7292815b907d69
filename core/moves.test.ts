import { describe, expect, it } from "vitest";
import { decideMove, holdEnding, moveArrived, moveState, type MoveHold, type MoveInput, type ServicePlacement, type VolumeUser } from "./moves.js";
import type { CloudAttachment, CloudVolume } from "./cloud.js";
import { chooseTarget, type NodeView, type Want } from "./placement.js";
import type { SwarmNode } from "./swarm.js";
import type { VolumeRecord } from "./volume.js";

const now = 1_000_000;

function node(id: string, extra: Partial<NodeView> = {}): NodeView {
  return { nodeId: id, hostname: `host-${id}`, instanceId: `i-${id}`, zone: "z1", swarmState: "ready", leaseExpiresAt: now + 6_000, mounted: [], ...extra };
}
function swarmNode(id: string, extra: Partial<SwarmNode> = {}): SwarmNode {
  return { id, version: 1, hostname: `host-${id}`, role: "worker", availability: "active", state: "ready", address: "10.0.0.1", labels: {}, volumePlugins: ["swarmvol"], ...extra };
}
function volume(status: Partial<VolumeRecord["status"]> = {}): VolumeRecord {
  return {
    uid: "u1", createdAt: "2026-01-01T00:00:00.000Z", spec: { name: "db", backend: "ebs", sizeBytes: 1, fsType: "ext4", options: {} },
    status: { phase: "ready", fresh: false, epoch: 3, backendId: "vol-1", zone: "z1", grantedTo: { nodeId: "n1", instanceId: "i-n1", device: "/dev/xvdba", epoch: 3, since: "t" }, ...status },
  };
}
const user = (nodeId: string, service = "web"): VolumeUser => ({ taskId: `t-${nodeId}`, nodeId, serviceId: `s-${service}`, serviceName: service });
const placement = (name: string, constraints: string[] = []): ServicePlacement => ({ id: `s-${name}`, name, version: 7, constraints });

function run(partial: Partial<MoveInput> & { swarmNodes?: SwarmNode[] } = {}) {
  const swarmNodes = partial.swarmNodes ?? [swarmNode("n1"), swarmNode("n2")];
  return decideMove({
    volume: volume(), to: "n2", withService: false, nodes: [node("n1"), node("n2")], users: [], services: [], mountedOn: [], now,
    swarmNode: (id) => swarmNodes.find((found) => found.id === id), ...partial,
  });
}

function refusal(partial: Parameters<typeof run>[0]): { code: string; message: string } {
  const decision = run(partial);
  if (decision.kind !== "refused") throw new Error(`expected a refusal, got ${JSON.stringify(decision)}`);
  return { code: decision.error.code, message: decision.error.message };
}

describe("decideMove: whether an operator's move may start", () => {
  it("accepts an idle volume to a live node, by id or by hostname, with no service to change", () => {
    for (const to of ["n2", "host-n2"]) expect(run({ to })).toEqual({ kind: "accepted", target: node("n2"), updates: [] });
  });

  it.each<[string, Parameters<typeof run>[0], string, RegExp]>([
    ["an unknown node", { to: "n9" }, "NOT_FOUND", /no node "n9" known to the controller.*`swarmvol nodes` lists them/],
    ["a hostname two nodes share", { nodes: [node("n1"), node("n2", { hostname: "twin" }), node("n3", { hostname: "twin" })], to: "twin" }, "INVALID_ARGUMENT", /names 2 nodes \(n2, n3\); give the node id/],
    ["an operator-fenced node", { nodes: [node("n1"), node("n2", { operatorFenced: true })] }, "CONFLICT", /fenced by an operator.*`swarmvol unfence n2`/],
    ["a node whose lease lapsed", { nodes: [node("n1"), node("n2", { leaseExpiresAt: now - 1 })] }, "CONFLICT", /lease of node host-n2 lapsed.*choose another node/],
    ["a node without an agent", { nodes: [node("n1"), node("n2", { leaseExpiresAt: undefined })] }, "CONFLICT", /no swarmvol agent has reported from node host-n2: start `swarmvol agent` there/],
    ["a node Swarm has down", { nodes: [node("n1"), node("n2", { swarmState: "down" })] }, "CONFLICT", /node host-n2 is down in Swarm/],
    ["an EBS volume's other zone", { nodes: [node("n1"), node("n2", { zone: "z2" })] }, "CONFLICT", /EBS volume in z1 and node host-n2 is in z2.*choose a node in z1/],
    ["a volume still being created", { volume: volume({ phase: "creating" }) }, "CONFLICT", /still being created/],
    ["a plain container mounting it elsewhere", { mountedOn: ["n1"] }, "IN_USE", /mounted on node host-n1 by a container that is not a Swarm task.*docker ps --filter volume=db/],
  ])("refuses %s, naming the fix", (_what, input, code, message) => {
    const answer = refusal(input);
    expect(answer.code).toBe(code);
    expect(answer.message).toMatch(message);
  });

  it("a volume in another zone moves when it is not EBS, and a volume never created moves anywhere", () => {
    expect(run({ nodes: [node("n1"), node("n2", { zone: "z2" })], volume: { ...volume(), spec: { ...volume().spec, backend: "local" } } }).kind).toBe("accepted");
    expect(run({ nodes: [node("n1"), node("n2", { zone: "z2" })], volume: volume({ zone: undefined }) }).kind).toBe("accepted");
  });

  it("refuses a volume a task uses on another node, naming docker service update (with the pin to drop) and --with-service", () => {
    const answer = refusal({ users: [user("n1")], mountedOn: ["n1"], services: [placement("web", ["node.hostname==host-n1", "node.role==worker"])] });
    expect(answer.code).toBe("CONFLICT");
    expect(answer.message).toContain("used by Swarm service web on node host-n1");
    expect(answer.message).toContain("`docker service update --constraint-rm node.hostname==host-n1 --constraint-add node.hostname==host-n2 web`");
    expect(answer.message).toContain("`swarmvol move db --to host-n2 --with-service`");
  });

  it("with withService plans the re-pin of each service whose task uses it elsewhere, once per service", () => {
    const decision = run({ withService: true, users: [user("n1"), { ...user("n1"), taskId: "t-b" }], mountedOn: ["n1"], services: [placement("web", ["node.hostname==host-n1"])] });
    expect(decision).toEqual({
      kind: "accepted", target: node("n2"),
      updates: [{ service: placement("web", ["node.hostname==host-n1"]), change: { constraints: ["node.hostname==host-n2"], added: "node.hostname==host-n2", removed: ["node.hostname==host-n1"], unmet: [] } }],
    });
  });

  it("a task already on the target needs no service change", () => {
    expect(run({ users: [user("n2")], mountedOn: ["n2"] })).toEqual({ kind: "accepted", target: node("n2"), updates: [] });
  });

  it.each<[string, Parameters<typeof run>[0], RegExp]>([
    ["a constraint the target fails", { services: [placement("web", ["node.role==manager"])] }, /constraint node.role==manager, which node host-n2 does not meet.*--constraint-rm node.role==manager web/],
    ["a drained target", { swarmNodes: [swarmNode("n1"), swarmNode("n2", { availability: "drain" })] }, /host-n2 is drained in Swarm.*docker node update --availability active host-n2/],
    ["a target Swarm does not list", { swarmNodes: [swarmNode("n1")] }, /not in Swarm's node list/],
  ])("withService refuses %s (409 naming the fix)", (_what, input, message) => {
    const answer = refusal({ withService: true, users: [user("n1")], services: [placement("web")], ...input });
    expect(answer.code).toBe("CONFLICT");
    expect(answer.message).toMatch(message);
  });
});

const hold: MoveHold = {
  id: "m1", volume: "db", nodeId: "n2", hostname: "host-n2", fromNode: "n1", requestedAt: now, until: now + 600_000, withService: true,
  before: ["t-n1", "claim:n3"], services: [],
};
const task = (nodeId: string, ref = `t-${nodeId}`): Want => ({ nodeId, source: "task", since: 1, ref });
const claim = (nodeId: string): Want => ({ nodeId, source: "claim", since: 1, ref: `claim:${nodeId}` });

describe("a move's hold: ranked between tasks and claims, ended by the workload or its bound", () => {
  it.each<[string, Want[], number, string | undefined]>([
    ["stands while only the wants it started with are there", [task("n1"), claim("n3")], now + 1, undefined],
    ["ends when a task on the target takes over", [task("n2", "t-new")], now + 1, "taken-over"],
    ["ends when a new task wants it elsewhere", [task("n4", "t-other")], now + 1, "superseded"],
    ["ends when a new container claims it elsewhere", [claim("n4")], now + 1, "superseded"],
    ["stands for a claim on the target itself", [claim("n2")], now + 1, undefined],
    ["ends at its bound", [], now + 600_000, "lapsed"],
  ])("%s", (_what, wants, at, reason) => {
    expect(holdEnding(hold, wants, at)?.reason).toBe(reason);
  });

  it("chooseTarget puts a move after tasks and before claims, and keeps a holder that wants the volume", () => {
    const move: Want = { nodeId: "n2", source: "move", since: 5, ref: "move:m1" };
    const record = volume({ grantedTo: undefined });
    expect(chooseTarget(record, [claim("n3"), move])).toBe("n2");
    expect(chooseTarget(record, [move, task("n4")])).toBe("n4");
    expect(chooseTarget(volume(), [move, claim("n1")])).toBe("n1");
    expect(chooseTarget(volume(), [move])).toBe("n2");
  });

  it("moveState: arrived once granted on the target at the volume's epoch, mounted once its agent mounts it", () => {
    const there = volume({ epoch: 4, grantedTo: { nodeId: "n2", instanceId: "i-n2", device: "/dev/xvdba", epoch: 4, since: "t" } });
    const facts = { mountedOnTarget: false, wantedOnTarget: false };
    expect(moveState(hold, volume(), facts)).toBe("moving");
    expect(moveState(hold, there, facts)).toBe("arrived");
    expect(moveState(hold, there, { ...facts, mountedOnTarget: true })).toBe("mounted");
    expect(moveState(hold, volume({ epoch: 5, grantedTo: there.status.grantedTo }), facts)).toBe("moving");
  });

  it("moveState: an ended hold is abandoned unless a task on the target took it over", () => {
    const ended = (reason: NonNullable<MoveHold["ended"]>["reason"]): MoveHold => ({ ...hold, ended: { reason, at: now, message: "" } });
    expect(moveState(ended("lapsed"), volume(), { mountedOnTarget: false, wantedOnTarget: false })).toBe("abandoned");
    expect(moveState(ended("taken-over"), volume(), { mountedOnTarget: false, wantedOnTarget: true })).toBe("moving");
    expect(moveState(ended("taken-over"), volume(), { mountedOnTarget: false, wantedOnTarget: false })).toBe("abandoned");
  });

  it("moveState: a recorded arrival stands whatever came after (the end, a grant lost with its leader)", () => {
    const arrived: MoveHold = { ...hold, arrivedAt: now + 5_000, ended: { reason: "lapsed", at: now + 600_000, message: "" } };
    expect(moveState(arrived, volume({ grantedTo: undefined, epoch: 4 }), { mountedOnTarget: false, wantedOnTarget: false })).toBe("arrived");
    expect(moveState(arrived, undefined, { mountedOnTarget: true, wantedOnTarget: false })).toBe("mounted");
  });
});

describe("moveArrived: what a new leader can prove of a move from the cloud", () => {
  const proven: MoveHold = { ...hold, toInstance: "i-n2", fromEpoch: 3 };
  const { toInstance: _instance, ...noInstance } = proven;
  const { fromEpoch: _epoch, ...noEpoch } = proven;
  const attachment = (instanceId: string, state: CloudAttachment["state"] = "attached"): CloudAttachment => ({ instanceId, device: "/dev/xvdba", state });
  const cloud = (...attachments: CloudAttachment[]): CloudVolume => ({ id: "vol-1", zone: "z1", sizeBytes: 1, state: attachments.length > 0 ? "in-use" : "available", attachments, tags: {} });
  it.each<[string, MoveHold, number, CloudVolume | undefined, boolean]>([
    ["attached to the target's instance at a raised epoch", proven, 4, cloud(attachment("i-n2")), true],
    ["attached there at the request's own epoch (not this move's attach)", proven, 3, cloud(attachment("i-n2")), false],
    ["still attaching there", proven, 4, cloud(attachment("i-n2", "attaching")), false],
    ["detached from the old holder, not attached yet", proven, 4, cloud(), false],
    ["attached elsewhere", proven, 4, cloud(attachment("i-n3")), false],
    ["no cloud volume described", proven, 4, undefined, false],
    ["a hold stored without the target's instance", noInstance, 4, cloud(attachment("i-n2")), false],
    ["a hold stored without the request's epoch", noEpoch, 4, cloud(attachment("i-n2")), false],
  ])("%s", (_what, move, epoch, volume, expected) => {
    expect(moveArrived(move, epoch, volume)).toBe(expected);
  });
});
