import { describe, expect, it } from "vitest";
import type { CloudVolume } from "./cloud.js";
import { decide, lookupOf, type NodeView, type PlacementInput, type Want } from "./placement.js";
import type { Grant, VolumeRecord } from "./volume.js";

/** decide() on a multi-writer share (core/sharedPlacement.ts): the single-writer tables are core/placement.test.ts. */
const now = 1_000_000;
const policy = { fenceGraceMs: 5_000, pollMs: 1_000 };
const device = (id: string) => `efs://10.0.0.1/fs-1/fsap-1/${id}`;

function node(id: string, extra: Partial<NodeView> = {}): NodeView {
  return { nodeId: id, hostname: id, instanceId: `i-${id}`, zone: `z-${id}`, swarmState: "ready", leaseExpiresAt: now + 8_000, mounted: [], ...extra };
}
const lapsed = (id: string, extra: Partial<NodeView> = {}) => node(id, { leaseExpiresAt: now - policy.fenceGraceMs - 1, mounted: ["share"], ...extra });
const grant = (id: string, epoch = 1): Grant => ({ nodeId: id, instanceId: `i-${id}`, device: device(id), epoch, since: "t" });
function volume(holders: string[] = [], extra: Partial<VolumeRecord["status"]> = {}, access = "multi-writer"): VolumeRecord {
  return {
    uid: "u1", createdAt: "2026-01-01T00:00:00.000Z",
    spec: { name: "share", backend: "efs", sizeBytes: 0, fsType: "ext4", options: { backend: "efs", access } },
    status: { phase: "ready", fresh: false, epoch: holders.length > 0 ? 1 : 0, backendId: "fsap-1", ...(holders.length > 0 ? { holders: holders.map((id) => grant(id)) } : {}), ...extra },
  };
}
/** An access point placed on `placed` nodes (all `attached`, as a share's placement always is). */
function share(placed: string[] = []): CloudVolume {
  return { id: "fsap-1", zone: "us-east-1", regional: true, sizeBytes: 0, state: placed.length ? "in-use" : "available", attachments: placed.map((id) => ({ instanceId: `i-${id}`, device: device(id), state: "attached" as const })), tags: {} };
}
const task = (nodeId: string, since = 1): Want => ({ nodeId, source: "task", since, ref: `t-${nodeId}` });
const claim = (nodeId: string, since = 1): Want => ({ nodeId, source: "claim", since, ref: `c-${nodeId}` });
const attach = (id: string, epoch = 1) => ({ kind: "attach", nodeId: id, instanceId: `i-${id}`, epoch });
const granting = (id: string, epoch = 1) => ({ kind: "grant", nodeId: id, instanceId: `i-${id}`, device: device(id), epoch, shared: true });
const revoke = (id: string) => ({ kind: "detach", instanceId: `i-${id}`, nodeId: id, force: true, reason: "fenced" });

function run(partial: Partial<PlacementInput> & { nodeList?: NodeView[] }) {
  const nodes = lookupOf(partial.nodeList ?? [node("n1"), node("n2"), node("n3")]);
  return decide({ volume: volume(), cloud: share(), wants: [], nodes, now, policy, ...partial });
}

describe("decide: a multi-writer share goes to every node that wants it", () => {
  it.each([
    {
      name: "two tasks on two nodes, placed nowhere: placed on both at once, the epoch raised to 1",
      input: { wants: [task("n1"), task("n2")] },
      actions: [attach("n1"), attach("n2")], condition: null,
    },
    {
      name: "placed on both: each granted its own placement, at the volume's epoch",
      input: { volume: volume([], { epoch: 1 }), cloud: share(["n1", "n2"]), wants: [task("n1"), task("n2")] },
      actions: [granting("n1"), granting("n2")], condition: null,
    },
    {
      name: "held on n1, a task lands on n2 too: n2 placed, n1 neither detached nor fenced",
      input: { volume: volume(["n1"]), cloud: share(["n1"]), wants: [task("n1"), task("n2")] },
      actions: [attach("n2")], condition: null,
    },
    {
      name: "held on n1 while n1 is alive and mounts it, a task on n2 alone: n2 placed, n1 kept",
      input: { volume: volume(["n1"]), cloud: share(["n1"]), wants: [task("n2")], nodeList: [node("n1", { mounted: ["share"] }), node("n2")] },
      actions: [attach("n2")], condition: null,
    },
    {
      name: "a claim (a plain docker run) beside a task elsewhere: both placed",
      input: { volume: volume(["n1"]), cloud: share(["n1", "n2"]), wants: [task("n1"), claim("n2")] },
      actions: [granting("n2")], condition: null,
    },
    {
      name: "every holder granted: nothing to do",
      input: { volume: volume(["n1", "n2"]), cloud: share(["n1", "n2"]), wants: [task("n1"), task("n2")] },
      actions: [], condition: null,
    },
    {
      name: "a holder's lease lapsed past the grace: only its grant revoked, the other kept",
      input: { volume: volume(["n1", "n2"]), cloud: share(["n1", "n2"]), wants: [task("n1"), task("n2")], nodeList: [lapsed("n1"), node("n2")] },
      actions: [revoke("n1")], condition: "NodeUnknown",
    },
    {
      name: "a lapsed holder no task wants any more: revoked alone",
      input: { volume: volume(["n1", "n2"]), cloud: share(["n1", "n2"]), wants: [task("n2")], nodeList: [lapsed("n1"), node("n2")] },
      actions: [revoke("n1")], condition: null,
    },
    {
      name: "a holder's lease lapsed but within the grace: kept, and nothing else waits on it",
      input: { volume: volume(["n1", "n2"]), cloud: share(["n1", "n2"]), wants: [task("n1"), task("n2")], nodeList: [node("n1", { leaseExpiresAt: now - 1, mounted: ["share"] }), node("n2")] },
      actions: [], condition: null,
    },
    {
      name: "a holder's instance stopped: revoked at once, while a new node is placed",
      input: { volume: volume(["n1"]), cloud: share(["n1"]), wants: [task("n1"), task("n2")], nodeList: [node("n1", { instanceState: "stopped" }), node("n2")] },
      actions: [revoke("n1"), attach("n2")], condition: "NodeUnknown",
    },
    {
      name: "a fenced node a task still wants, placed nowhere: not placed again until its lease is live",
      input: { volume: volume(["n2"]), cloud: share(["n2"]), wants: [task("n1"), task("n2")], nodeList: [lapsed("n1", { mounted: [] }), node("n2")] },
      actions: [], condition: "NodeUnknown",
    },
    {
      name: "an unknown node (its agent never reported) waits alone: the known one is placed",
      input: { wants: [task("n1"), task("n2")], nodeList: [node("n1", { instanceId: undefined }), node("n2")] },
      actions: [attach("n2")], condition: "NodeUnknown",
    },
    {
      name: "an unknown holder (an instance no node reports) is never fenced nor released",
      input: { volume: volume(["n2"]), cloud: share(["n9", "n2"]), wants: [task("n2")], policy: { ...policy, idleDetachMs: 0 } },
      actions: [], condition: null,
    },
    {
      name: "a single-writer share (the default) still moves one holder at a time: n1 alive blocks n2",
      input: { volume: volume([], { epoch: 1, grantedTo: grant("n1") }, "single-writer"), cloud: share(["n1"]), wants: [task("n2")], nodeList: [node("n1", { mounted: ["share"] }), node("n2")] },
      actions: [], condition: "HolderAlive",
    },
  ])("$name", ({ input, actions, condition }) => {
    const decision = run(input);
    expect(decision.actions).toEqual(actions);
    expect(decision.condition?.reason ?? null).toBe(condition);
  });

  it("names no target, so no move timeline starts for a share held in several places (nor while it is made)", () => {
    expect(run({ wants: [task("n1"), task("n2")] }).target).toBeUndefined();
    const creating = run({ volume: volume([], { backendId: undefined }), cloud: undefined, wants: [task("n2")] });
    expect(creating).toMatchObject({ actions: [{ kind: "createCloudVolume", zone: "z-n2" }], target: undefined });
    const single = run({ volume: volume([], { backendId: undefined }, "single-writer"), cloud: undefined, wants: [task("n2")] });
    expect(single).toMatchObject({ actions: [{ kind: "createCloudVolume", zone: "z-n2" }], target: "n2" });
  });

  it("grants a node whose placement the catalog lost (a rebuilt entry) at the volume's epoch, never below 1", () => {
    expect(run({ volume: volume([], { epoch: 4 }), cloud: share(["n1"]), wants: [task("n1")] }).actions).toEqual([granting("n1", 4)]);
    expect(run({ volume: volume([], { epoch: 0 }), cloud: share(["n1"]), wants: [task("n1")] }).actions).toEqual([granting("n1", 1)]);
  });

  it("looks again at a lapsed holder within four polls, and a fenced wanting node at the next poll", () => {
    const inGrace = run({ volume: volume(["n1"]), cloud: share(["n1"]), wants: [task("n2")], nodeList: [node("n1", { leaseExpiresAt: now - 1, mounted: ["share"] }), node("n2")], policy: { ...policy, idleDetachMs: 0 } });
    expect(inGrace).toMatchObject({ actions: [attach("n2")], requeueAfterMs: 0 });
    const waiting = run({ volume: volume(["n1", "n2"]), cloud: share(["n1", "n2"]), wants: [task("n2")], nodeList: [node("n1", { leaseExpiresAt: now - 1, mounted: ["share"] }), node("n2")], policy: { ...policy, idleDetachMs: 0 } });
    expect(waiting).toMatchObject({ actions: [], requeueAfterMs: 4_000 });
    expect(run({ volume: volume(["n2"]), cloud: share(["n2"]), wants: [task("n1"), task("n2")], nodeList: [lapsed("n1", { mounted: [] }), node("n2")] }).requeueAfterMs).toBe(1_000);
  });
});

describe("decide: a multi-writer holder whose task left", () => {
  const idlePolicy = { ...policy, idleDetachMs: 30_000 };
  const held = { volume: volume(["n1", "n2"]), cloud: share(["n1", "n2"]), wants: [task("n2")], policy: idlePolicy };

  it("stays placed while idleDetachMs runs (from when it was first not wanted), the other holder untouched", () => {
    expect(run(held)).toMatchObject({ actions: [], idleSince: now, requeueAfterMs: 30_000, condition: null });
    const later = run({ ...held, volume: volume(["n1", "n2"], { idleSince: now - 20_000 }) });
    expect(later).toMatchObject({ actions: [], idleSince: now - 20_000, requeueAfterMs: 10_000 });
  });

  it("is released on its own once idle long enough and unmounted there", () => {
    const decision = run({ ...held, volume: volume(["n1", "n2"], { idleSince: now - 30_000 }) });
    expect(decision.actions).toEqual([{ kind: "detach", instanceId: "i-n1", nodeId: "n1", force: false, reason: "idle" }]);
  });

  it("is kept while its agent still mounts it, and always without idleDetachMs", () => {
    const mounted = run({ ...held, volume: volume(["n1", "n2"], { idleSince: now - 30_000 }), nodeList: [node("n1", { mounted: ["share"] }), node("n2")] });
    expect(mounted).toMatchObject({ actions: [], requeueAfterMs: 4_000 });
    const forever = run({ ...held, volume: volume(["n1", "n2"], { idleSince: now - 30_000 }), policy });
    expect(forever).toMatchObject({ actions: [], condition: null });
    expect(forever.idleSince).toBeUndefined();
  });

  it("nobody wants it at all: each holder released as above, a fenced one revoked even without idleDetachMs", () => {
    const idle = run({ volume: volume(["n1", "n2"], { idleSince: now - 30_000 }), cloud: share(["n1", "n2"]), policy: idlePolicy });
    expect(idle.actions).toEqual([{ kind: "detach", instanceId: "i-n1", nodeId: "n1", force: false, reason: "idle" }, { kind: "detach", instanceId: "i-n2", nodeId: "n2", force: false, reason: "idle" }]);
    const fenced = run({ volume: volume(["n1", "n2"]), cloud: share(["n1", "n2"]), nodeList: [lapsed("n1"), node("n2")] });
    expect(fenced.actions).toEqual([revoke("n1")]);
  });
});
