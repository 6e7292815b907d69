import { describe, expect, it } from "vitest";
import type { CloudVolume } from "./cloud.js";
import { fenceVerdict, isFenced, type FenceVerdict, type PowerFenceView } from "./fencing.js";
import { decide, lookupOf, type NodeView, type PlacementPolicy } from "./placement.js";
import type { VolumeRecord } from "./volume.js";

const now = 1_000_000;
const self: PlacementPolicy = { fenceGraceMs: 5_000, pollMs: 1_000 };
const power: PlacementPolicy = { ...self, fenceMode: "power" };
const lapsedAt = now - 2_000;

function node(extra: Partial<NodeView> = {}): NodeView {
  return { nodeId: "n1", hostname: "node1", instanceId: "i-n1", zone: "z1", swarmState: "down", leaseExpiresAt: lapsedAt, mounted: ["db"], ...extra };
}
const attempt = (state: PowerFenceView["state"], lapse = lapsedAt, error?: string): PowerFenceView =>
  ({ state, lapse, since: lapse + 10, ...(error === undefined ? {} : { error }) });

describe("fenceVerdict: may a holder that did not release its volume be force-detached?", () => {
  it.each<{ name: string; node: NodeView | undefined; policy: PlacementPolicy; verdict: FenceVerdict }>([
    { name: "unknown holder: never", node: undefined, policy: power, verdict: { kind: "alive", waitMs: 1_000 } },
    { name: "self: live lease waits for the lapse (the cloud is asked then), not the grace", node: node({ leaseExpiresAt: now + 3_000 }), policy: self, verdict: { kind: "alive", waitMs: 3_000 } },
    { name: "self: lapsed with its instance stopped is fenced at once, inside the grace", node: node({ instanceState: "stopped" }), policy: self, verdict: { kind: "fenced" } },
    { name: "self: live lease with its instance terminated is fenced at once", node: node({ leaseExpiresAt: now + 3_000, instanceState: "terminated" }), policy: self, verdict: { kind: "fenced" } },
    { name: "self: lapsed with its instance running waits out the grace", node: node({ instanceState: "running" }), policy: self, verdict: { kind: "alive", waitMs: 3_000 } },
    { name: "self: lapsed inside the grace still waits", node: node(), policy: self, verdict: { kind: "alive", waitMs: 3_000 } },
    { name: "self: lapsed past the grace is fenced", node: node({ leaseExpiresAt: now - 5_000 }), policy: self, verdict: { kind: "fenced" } },
    { name: "self: never heard is not fenced", node: node({ leaseExpiresAt: undefined }), policy: self, verdict: { kind: "alive", waitMs: 1_000 } },
    { name: "both: operator fence is fenced at once", node: node({ leaseExpiresAt: now + 3_000, operatorFenced: true }), policy: power, verdict: { kind: "fenced" } },
    { name: "power: instance already stopped needs no stop", node: node({ instanceState: "stopped" }), policy: power, verdict: { kind: "fenced" } },
    { name: "power: instance terminated needs no stop", node: node({ instanceState: "terminated" }), policy: power, verdict: { kind: "fenced" } },
    { name: "power: live lease waits for the lapse, not the grace", node: node({ leaseExpiresAt: now + 3_000 }), policy: power, verdict: { kind: "alive", waitMs: 3_000 } },
    { name: "power: lapsed, no stop yet: stop it", node: node(), policy: power, verdict: { kind: "stop", lapse: lapsedAt } },
    {
      name: "power: lapsed long past the grace is still not fenced without a stop", node: node({ leaseExpiresAt: now - 60_000 }), policy: power,
      verdict: { kind: "stop", lapse: now - 60_000 },
    },
    { name: "power: stop under way: wait", node: node({ powerFence: attempt("stopping") }), policy: power, verdict: { kind: "stopping", since: lapsedAt + 10 } },
    {
      name: "power: instance still stopping (EC2's own word) is not fenced", node: node({ instanceState: "stopping", powerFence: attempt("stopping") }), policy: power,
      verdict: { kind: "stopping", since: lapsedAt + 10 },
    },
    {
      name: "power: stop failed: never fenced, the error kept", node: node({ powerFence: attempt("failed", lapsedAt, "TIMEOUT") }), policy: power,
      verdict: { kind: "stopFailed", error: "TIMEOUT" },
    },
    {
      name: "power: an attempt for an earlier lapse is stale: stop again", node: node({ powerFence: attempt("failed", lapsedAt - 60_000, "x") }), policy: power,
      verdict: { kind: "stop", lapse: lapsedAt },
    },
    { name: "power: never heard is not fenced", node: node({ leaseExpiresAt: undefined }), policy: power, verdict: { kind: "alive", waitMs: 1_000 } },
  ])("$name", ({ node: view, policy, verdict }) => {
    expect(fenceVerdict(view, now, policy)).toEqual(verdict);
    expect(isFenced(view, now, policy)).toBe(verdict.kind === "fenced");
  });
});

describe("decide in power mode", () => {
  const volume: VolumeRecord = {
    uid: "u1", createdAt: "2026-01-01T00:00:00.000Z",
    spec: { name: "db", backend: "ebs", sizeBytes: 1, fsType: "ext4", options: {} },
    status: { phase: "ready", fresh: false, epoch: 3, backendId: "vol-1" },
  };
  const cloud: CloudVolume = { id: "vol-1", zone: "z1", sizeBytes: 1, state: "in-use", attachments: [{ instanceId: "i-n1", device: "/dev/xvdba", state: "attached" }], tags: {} };
  const target: NodeView = { nodeId: "n2", hostname: "node2", instanceId: "i-n2", zone: "z1", swarmState: "ready", leaseExpiresAt: now + 5_000, mounted: [] };
  const run = (holder: NodeView, wanted = true, policy: PlacementPolicy = power) => decide({
    volume, cloud, nodes: lookupOf([holder, target]), now, policy: { ...policy, idleDetachMs: 0 },
    wants: wanted ? [{ nodeId: "n2", source: "task", since: 1, ref: "t2" }] : [],
  });

  it("asks for the stop of a lapsed holder's instance, and nothing else", () => {
    expect(run(node()).actions).toEqual([{ kind: "powerOff", nodeId: "n1", instanceId: "i-n1", lapse: lapsedAt }]);
  });

  it("force-detaches once the instance is stopped", () => {
    expect(run(node({ instanceState: "stopped" })).actions).toEqual([{ kind: "detach", instanceId: "i-n1", nodeId: "n1", force: true, reason: "fenced" }]);
  });

  it("waits with a Fencing condition while the stop is under way", () => {
    const decision = run(node({ powerFence: attempt("stopping") }));
    expect(decision.actions).toEqual([]);
    expect(decision.condition).toMatchObject({ reason: "Fencing" });
    expect(decision.condition?.message).toContain("i-n1");
  });

  it("never force-detaches after a failed stop, and names the operator's fix", () => {
    const decision = run(node({ powerFence: attempt("failed", lapsedAt, "EC2 StopInstances: UnauthorizedOperation") }));
    expect(decision.actions).toEqual([]);
    expect(decision.condition?.reason).toBe("FenceFailed");
    expect(decision.condition?.message).toContain("UnauthorizedOperation");
    expect(decision.condition?.message).toContain("`swarmvol fence node1`");
  });

  it("still detaches normally from a live holder that released the volume", () => {
    expect(run(node({ leaseExpiresAt: now + 3_000, mounted: [] })).actions).toEqual([{ kind: "detach", instanceId: "i-n1", nodeId: "n1", force: false, reason: "released" }]);
  });

  it("never stops a node for a volume nobody wants (idle detach waits instead)", () => {
    expect(run(node(), false).actions).toEqual([]);
  });

  it("self mode keeps the grace rule: the same lapsed node is force-detached past the grace", () => {
    expect(run(node({ leaseExpiresAt: now - 5_000 }), true, self).actions).toEqual([{ kind: "detach", instanceId: "i-n1", nodeId: "n1", force: true, reason: "fenced" }]);
  });
});
