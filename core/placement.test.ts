import { describe, expect, it } from "vitest";
import type { CloudVolume } from "./cloud.js";
import { decide, lookupOf, type NodeView, type PlacementInput, type Want } from "./placement.js";
import type { VolumeRecord } from "./volume.js";

const now = 1_000_000;
const policy = { fenceGraceMs: 5_000, pollMs: 1_000 };

function node(id: string, extra: Partial<NodeView> = {}): NodeView {
  return { nodeId: id, hostname: id, instanceId: `i-${id}`, zone: "z1", swarmState: "ready", leaseExpiresAt: now + 8_000, mounted: [], ...extra };
}
function volume(extra: Partial<VolumeRecord["status"]> = {}): VolumeRecord {
  return {
    uid: "u1", createdAt: "2026-01-01T00:00:00.000Z",
    spec: { name: "db", backend: "ebs", sizeBytes: 1, fsType: "ext4", options: {} },
    status: { phase: "ready", fresh: false, epoch: 3, backendId: "vol-1", ...extra },
  };
}
function cloud(attachments: CloudVolume["attachments"] = [], zone = "z1"): CloudVolume {
  return { id: "vol-1", zone, sizeBytes: 1, state: attachments.length ? "in-use" : "available", attachments, tags: {} };
}
const task = (nodeId: string, since = 1): Want => ({ nodeId, source: "task", since, ref: `t-${nodeId}` });
const claim = (nodeId: string, since = 1): Want => ({ nodeId, source: "claim", since, ref: `c-${nodeId}` });
const attached = (id: string, state: "attached" | "attaching" | "detaching" | "busy" = "attached") =>
  ({ instanceId: `i-${id}`, device: "/dev/xvdba", state });
const granted = (id: string, epoch = 3) => ({ grantedTo: { nodeId: id, instanceId: `i-${id}`, device: "/dev/xvdba", epoch, since: "t" } });

function run(partial: Partial<PlacementInput> & { nodeList?: NodeView[] }) {
  const nodes = lookupOf(partial.nodeList ?? [node("n1"), node("n2")]);
  return decide({ volume: volume(), cloud: cloud(), wants: [], nodes, now, policy, ...partial });
}

describe("decide: where a single-writer volume goes next", () => {
  it.each([
    {
      name: "nobody wants it: leave it where it is",
      input: { cloud: cloud([attached("n1")]) },
      actions: [], condition: null,
    },
    {
      name: "first need and no cloud volume yet: create it in the zone of the node that needs it",
      input: { volume: volume({ backendId: undefined }), cloud: undefined, wants: [task("n2")], nodeList: [node("n1"), node("n2", { zone: "z2" })] },
      actions: [{ kind: "createCloudVolume", zone: "z2" }], condition: null,
    },
    {
      name: "available: attach to the target with a raised epoch",
      input: { wants: [task("n2")] },
      actions: [{ kind: "attach", nodeId: "n2", instanceId: "i-n2", epoch: 4 }], condition: null,
    },
    {
      name: "attached to the target but not yet granted: grant it",
      input: { volume: volume({ epoch: 4, ...granted("n1", 3) }), cloud: cloud([attached("n2")]), wants: [task("n2")] },
      actions: [{ kind: "grant", nodeId: "n2", instanceId: "i-n2", device: "/dev/xvdba", epoch: 4 }], condition: null,
    },
    {
      name: "attached and granted to the target: nothing to do",
      input: { volume: volume(granted("n2")), cloud: cloud([attached("n2")]), wants: [task("n2")] },
      actions: [], condition: null,
    },
    {
      name: "held by a live node that still mounts it: wait, never detach",
      input: { cloud: cloud([attached("n1")]), wants: [task("n2")], nodeList: [node("n1", { mounted: ["db"] }), node("n2")] },
      actions: [], condition: "HolderAlive",
    },
    {
      name: "held by a live node that reported the unmount: normal detach",
      input: { cloud: cloud([attached("n1")]), wants: [task("n2")] },
      actions: [{ kind: "detach", instanceId: "i-n1", nodeId: "n1", force: false, reason: "released" }], condition: null,
    },
    {
      name: "held by a node whose lease lapsed but grace has not passed: wait",
      input: { cloud: cloud([attached("n1")]), wants: [task("n2")], nodeList: [node("n1", { mounted: ["db"], leaseExpiresAt: now - 1_000, swarmState: "down" }), node("n2")] },
      actions: [], condition: "HolderAlive",
    },
    {
      name: "held by a node whose lease lapsed past the grace: forced detach",
      input: { cloud: cloud([attached("n1")]), wants: [task("n2")], nodeList: [node("n1", { mounted: ["db"], leaseExpiresAt: now - 5_000 }), node("n2")] },
      actions: [{ kind: "detach", instanceId: "i-n1", nodeId: "n1", force: true, reason: "fenced" }], condition: null,
    },
    {
      name: "a lapsed lease's old 'unmounted' report is not trusted before the grace",
      input: { cloud: cloud([attached("n1")]), wants: [task("n2")], nodeList: [node("n1", { mounted: [], leaseExpiresAt: now - 10 }), node("n2")] },
      actions: [], condition: "HolderAlive",
    },
    {
      name: "held by a stopped instance: forced detach at once",
      input: { cloud: cloud([attached("n1")]), wants: [task("n2")], nodeList: [node("n1", { mounted: ["db"], instanceState: "stopped" }), node("n2")] },
      actions: [{ kind: "detach", instanceId: "i-n1", nodeId: "n1", force: true, reason: "fenced" }], condition: null,
    },
    {
      name: "held by an operator-fenced node: forced detach",
      input: { cloud: cloud([attached("n1", "busy")]), wants: [task("n2")], nodeList: [node("n1", { mounted: ["db"], operatorFenced: true }), node("n2")] },
      actions: [{ kind: "detach", instanceId: "i-n1", nodeId: "n1", force: true, reason: "fenced" }], condition: null,
    },
    {
      name: "a busy detach (still mounted) is never retried unforced on a live node",
      input: { cloud: cloud([attached("n1", "busy")]), wants: [task("n2")] },
      actions: [], condition: "HolderAlive",
    },
    {
      name: "held by an instance no node claims and that is running: wait for an operator",
      input: { cloud: cloud([{ instanceId: "i-stranger", device: "/dev/xvdba", state: "attached" }]), wants: [task("n2")] },
      actions: [], condition: "HolderAlive",
    },
    {
      name: "detaching elsewhere: wait for it",
      input: { cloud: cloud([attached("n1", "detaching")]), wants: [task("n2")] },
      actions: [], condition: null,
    },
    {
      name: "attaching to the target: wait for it",
      input: { cloud: cloud([attached("n2", "attaching")]), wants: [task("n2")] },
      actions: [], condition: null,
    },
    {
      name: "two running tasks on different nodes: the holder keeps it",
      input: { volume: volume(granted("n1")), cloud: cloud([attached("n1")]), wants: [task("n2", 1), task("n1", 5)], nodeList: [node("n1", { mounted: ["db"] }), node("n2")] },
      actions: [], condition: null,
    },
    {
      name: "a task outranks an older plain docker run claim",
      input: { wants: [claim("n1", 1), task("n2", 9)] },
      actions: [{ kind: "attach", nodeId: "n2", instanceId: "i-n2", epoch: 4 }], condition: null,
    },
    {
      name: "target node's agent never reported: wait for it",
      input: { wants: [task("n2")], nodeList: [node("n1"), node("n2", { instanceId: undefined })] },
      actions: [], condition: "NodeUnknown",
    },
    {
      name: "volume in another zone: explain, do nothing",
      input: { cloud: cloud([], "z9"), wants: [task("n2")] },
      actions: [], condition: "ZoneMismatch",
    },
    {
      name: "a regional volume (a file share) is placed on a node of any zone",
      input: { cloud: { ...cloud([], "us-east-1"), regional: true }, wants: [task("n2")] },
      actions: [{ kind: "attach", nodeId: "n2", instanceId: "i-n2", epoch: 4 }], condition: null,
    },
    {
      name: "cloud volume vanished: report, do not recreate (data would be lost silently)",
      input: { cloud: undefined, wants: [task("n2")] },
      actions: [], condition: "CloudError",
    },
  ])("$name", ({ input, actions, condition }) => {
    const decision = run(input as Partial<PlacementInput> & { nodeList?: NodeView[] });
    expect(decision.actions).toEqual(actions);
    expect(decision.condition?.reason ?? null).toBe(condition);
  });

  it("raises the epoch above an old holder's grant when the target got it some other way", () => {
    const decision = run({ volume: volume({ epoch: 3, ...granted("n1", 3) }), cloud: cloud([attached("n2")]), wants: [task("n2")] });
    expect(decision.actions).toEqual([{ kind: "grant", nodeId: "n2", instanceId: "i-n2", device: "/dev/xvdba", epoch: 4 }]);
  });

  it("looks at a live old holder again at its lapse (one poll at least), when the cloud is asked for its instance, not after the grace", () => {
    const decision = run({ cloud: cloud([attached("n1")]), wants: [task("n2")], nodeList: [node("n1", { mounted: ["db"], leaseExpiresAt: now + 2_500 }), node("n2")] });
    expect(decision.requeueAfterMs).toBe(2_500);
    const soon = run({ cloud: cloud([attached("n1")]), wants: [task("n2")], nodeList: [node("n1", { mounted: ["db"], leaseExpiresAt: now + 500 }), node("n2")] });
    expect(soon.requeueAfterMs).toBe(1_000);
  });

  it("waits for a lapsed old holder no longer than until its lease plus grace (four polls at most)", () => {
    const decision = run({ cloud: cloud([attached("n1")]), wants: [task("n2")], nodeList: [node("n1", { mounted: ["db"], leaseExpiresAt: now - 1 }), node("n2")] });
    expect(decision.requeueAfterMs).toBe(4_000);
  });

  it("never produces an attach while another instance still holds the volume", () => {
    const holders = [attached("n1"), attached("n1", "busy"), attached("n1", "detaching"), attached("n1", "attaching")];
    for (const holder of holders) {
      for (const mounted of [[], ["db"]]) {
        for (const leaseExpiresAt of [now + 1, now - 1, now - 10_000, undefined]) {
          const decision = run({ cloud: cloud([holder]), wants: [task("n2")], nodeList: [node("n1", { mounted, leaseExpiresAt }), node("n2")] });
          expect(decision.actions.some((action) => action.kind === "attach" || action.kind === "grant")).toBe(false);
        }
      }
    }
  });
});

describe("decide: a volume nobody wants", () => {
  const idlePolicy = { ...policy, idleDetachMs: 30_000 };
  const idleRun = (partial: Partial<PlacementInput> & { nodeList?: NodeView[] }) => run({ policy: idlePolicy, ...partial });

  it("stays attached while idle for less than idleDetachMs, and says since when and when to look again", () => {
    const first = idleRun({ volume: volume(granted("n1")), cloud: cloud([attached("n1")]) });
    expect(first).toMatchObject({ actions: [], idleSince: now, requeueAfterMs: 30_000, condition: null });
    const later = idleRun({ volume: volume({ ...granted("n1"), idleSince: now - 20_000 }), cloud: cloud([attached("n1")]) });
    expect(later).toMatchObject({ actions: [], idleSince: now - 20_000, requeueAfterMs: 10_000 });
  });

  it("is detached once idle that long, when its node has released it", () => {
    const decision = idleRun({ volume: volume({ ...granted("n1"), idleSince: now - 30_000 }), cloud: cloud([attached("n1")]) });
    expect(decision.actions).toEqual([{ kind: "detach", instanceId: "i-n1", nodeId: "n1", force: false, reason: "idle" }]);
  });

  it("is never detached from a live node that still reports it mounted, and no condition is raised", () => {
    const decision = idleRun({
      volume: volume({ ...granted("n1"), idleSince: now - 60_000 }), cloud: cloud([attached("n1")]), nodeList: [node("n1", { mounted: ["db"] }), node("n2")],
    });
    expect(decision.actions).toEqual([]);
    expect(decision.condition).toBeNull();
  });

  it("is left alone when detached already, or when the policy keeps idle volumes attached", () => {
    const detached = idleRun({ volume: volume({ idleSince: now - 60_000 }), cloud: cloud([]) });
    expect(detached.actions).toEqual([]);
    expect(detached.idleSince).toBeUndefined();
    expect(run({ volume: volume({ idleSince: now - 60_000 }), cloud: cloud([attached("n1")]) }).actions).toEqual([]);
  });

  it("is no longer idle once a task wants it again", () => {
    const decision = idleRun({ volume: volume({ ...granted("n1"), idleSince: now - 60_000 }), cloud: cloud([attached("n1")]), wants: [task("n1")] });
    expect(decision.idleSince).toBeUndefined();
  });
});

describe("decide: an attach or detach stuck in the cloud, whoever started it (ADR 0013)", () => {
  const stuckPolicy = { ...policy, stuckTransitionMs: 90_000 };
  const aged = (id: string, state: "attaching" | "detaching", age: number | undefined) =>
    ({ ...attached(id, state), ...(age === undefined ? {} : { since: now - age }) });
  const stuckRun = (partial: Partial<PlacementInput> & { nodeList?: NodeView[] }) => run({ policy: stuckPolicy, ...partial });

  it("waits for a transition younger than the deadline, of unknown age, or when the policy sets none", () => {
    for (const input of [
      { cloud: cloud([aged("n1", "detaching", 89_999)]), wants: [task("n2")] },
      { cloud: cloud([aged("n1", "detaching", undefined)]), wants: [task("n2")] },
      { cloud: cloud([aged("n2", "attaching", 89_999)]), wants: [task("n2")] },
    ]) expect(stuckRun(input).actions).toEqual([]);
    expect(run({ cloud: cloud([aged("n1", "detaching", 500_000)]), wants: [task("n2")] }).actions).toEqual([]);
  });

  it("forces a stuck detach from a holder that has released the volume", () => {
    const decision = stuckRun({ cloud: cloud([aged("n1", "detaching", 90_000)]), wants: [task("n2")] });
    expect(decision.actions).toEqual([{ kind: "detach", instanceId: "i-n1", nodeId: "n1", force: true, reason: "stuck" }]);
  });

  it("does not force a stuck detach from a holder it has not heard, or that reports it mounted, until that holder is fenced", () => {
    for (const holder of [node("n1", { unheard: true }), node("n1", { mounted: ["db"] })]) {
      const waiting = stuckRun({ cloud: cloud([aged("n1", "detaching", 500_000)]), wants: [task("n2")], nodeList: [holder, node("n2")] });
      expect(waiting.actions).toEqual([]);
      expect(waiting.condition?.reason).toBe("HolderAlive");
      const lapsed = { ...holder, leaseExpiresAt: now - policy.fenceGraceMs };
      const fenced = stuckRun({ cloud: cloud([aged("n1", "detaching", 500_000)]), wants: [task("n2")], nodeList: [lapsed, node("n2")] });
      expect(fenced.actions).toEqual([{ kind: "detach", instanceId: "i-n1", nodeId: "n1", force: true, reason: "fenced" }]);
    }
  });

  it("undoes a stuck attach to the target with a plain detach, and forces a stuck detach there", () => {
    expect(stuckRun({ cloud: cloud([aged("n2", "attaching", 90_000)]), wants: [task("n2")] }).actions)
      .toEqual([{ kind: "detach", instanceId: "i-n2", nodeId: "n2", force: false, reason: "stuck" }]);
    expect(stuckRun({ cloud: cloud([aged("n2", "detaching", 90_000)]), wants: [task("n2")] }).actions)
      .toEqual([{ kind: "detach", instanceId: "i-n2", nodeId: "n2", force: true, reason: "stuck" }]);
  });

  it("finishes a stuck detach of a volume nobody wants, even when idle volumes stay attached", () => {
    expect(stuckRun({ cloud: cloud([aged("n1", "detaching", 90_000)]) }).actions)
      .toEqual([{ kind: "detach", instanceId: "i-n1", nodeId: "n1", force: true, reason: "stuck" }]);
    expect(stuckRun({ cloud: cloud([aged("n1", "detaching", 1_000)]) }).actions).toEqual([]);
  });
});
