import { describe, expect, it } from "vitest";
import { cloudTags, type CloudVolume } from "./cloud.js";
import { ErrorCode, isSwarmvolError } from "./errors.js";
import { decide, lookupOf, type NodeView, type PlacementInput, type Want } from "./placement.js";
import type { VolumeRecord } from "./volume.js";
import { currentVolumes, parseZonePolicy, pendingRelocation, relocationCreateKey, relocationKey, zonePolicyOf } from "./zones.js";

const now = 1_000_000;
const policy = { fenceGraceMs: 5_000, pollMs: 1_000 };

const node = (id: string, zone: string, extra: Partial<NodeView> = {}): NodeView =>
  ({ nodeId: id, hostname: id, instanceId: `i-${id}`, zone, swarmState: "ready", leaseExpiresAt: now + 8_000, mounted: [], ...extra });
function volume(options: Record<string, string>, status: Partial<VolumeRecord["status"]> = {}): VolumeRecord {
  return {
    uid: "u1", createdAt: "2026-01-01T00:00:00.000Z",
    spec: { name: "db", backend: "ebs", sizeBytes: 1, fsType: "ext4", options },
    status: { phase: "ready", fresh: false, epoch: 3, backendId: "vol-a", zone: "us-east-1a", ...status },
  };
}
function cloud(id: string, zone: string, attachments: CloudVolume["attachments"] = [], tags: Record<string, string> = {}): CloudVolume {
  return { id, zone, sizeBytes: 1, state: attachments.length ? "in-use" : "available", attachments, tags: { [cloudTags.uid]: "u1", ...tags } };
}
const task = (nodeId: string): Want => ({ nodeId, source: "task", since: 1, ref: `t-${nodeId}` });
const on = (id: string) => ({ instanceId: `i-${id}`, device: "/dev/xvdba", state: "attached" as const });
const follow = { zonePolicy: "follow" };
const nodes = (extra: { n1?: Partial<NodeView>; n2?: Partial<NodeView> } = {}) =>
  [node("n1", "us-east-1a", extra.n1), node("n2", "us-east-1b", extra.n2)];

function run(input: Partial<PlacementInput> & { nodeList?: NodeView[] }) {
  return decide({ volume: volume(follow), cloud: cloud("vol-a", "us-east-1a"), wants: [task("n2")], nodes: lookupOf(input.nodeList ?? nodes()), now, policy, ...input });
}

describe("zonePolicy option", () => {
  it.each([[undefined, "pinned"], ["", "pinned"], ["pinned", "pinned"], ["follow", "follow"], ["Follow", "follow"]])("%s reads as %s", (value, policy) => {
    expect(parseZonePolicy(value)).toBe(policy);
  });

  it("any other value is refused at create, naming both values", () => {
    let caught: unknown;
    try {
      parseZonePolicy("anywhere");
    } catch (err) {
      caught = err;
    }
    expect(isSwarmvolError(caught, ErrorCode.InvalidArgument)).toBe(true);
    expect((caught as Error).message).toBe('invalid zonePolicy "anywhere": use pinned (the default) or follow');
  });

  it("a record whose option no longer parses is pinned (nothing moves)", () => {
    expect(zonePolicyOf(volume({ zonePolicy: "bogus" }))).toBe("pinned");
  });
});

describe("keys: one per move, the same on every retry", () => {
  it("differ by old volume and by the epoch it was detached at (a volume used again is a new move)", () => {
    const keys = new Set([relocationKey("u1", "vol-a", 3), relocationKey("u1", "vol-a", 4), relocationKey("u1", "vol-b", 3), relocationKey("u2", "vol-a", 3)]);
    expect(keys.size).toBe(4);
    expect(relocationKey("u1", "vol-a", 3)).toBe(relocationKey("u1", "vol-a", 3));
    expect(relocationCreateKey("u1", "vol-a", 3, "us-east-1b")).not.toBe(relocationCreateKey("u1", "vol-a", 3, "us-east-1c"));
  });
});

describe("decide across zones", () => {
  const snapshotKnown = { relocation: { fromVolumeId: "vol-a", fromZone: "us-east-1a", toZone: "us-east-1b", epoch: 3, snapshotId: "snap-1" } };
  it.each([
    {
      name: "pinned (the default): ZoneMismatch, nothing done, the message names the stack file's constraint",
      input: { volume: volume({}), cloud: cloud("vol-a", "us-east-1a", [on("n1")]) },
      actions: [], condition: "ZoneMismatch",
    },
    {
      name: "follow, the old holder still mounts it: wait for it like any move (HolderAlive)",
      input: { cloud: cloud("vol-a", "us-east-1a", [on("n1")]), nodeList: nodes({ n1: { mounted: ["db"] } }) },
      actions: [], condition: "HolderAlive",
    },
    {
      name: "follow, released by the old holder: detach first",
      input: { cloud: cloud("vol-a", "us-east-1a", [on("n1")]) },
      actions: [{ kind: "detach", instanceId: "i-n1", nodeId: "n1", force: false, reason: "released" }], condition: null,
    },
    {
      name: "follow, old holder fenced: forced detach, as in any move",
      input: { cloud: cloud("vol-a", "us-east-1a", [on("n1")]), nodeList: nodes({ n1: { mounted: ["db"], leaseExpiresAt: now - 6_000 } }) },
      actions: [{ kind: "detach", instanceId: "i-n1", nodeId: "n1", force: true, reason: "fenced" }], condition: null,
    },
    {
      name: "follow, detached: snapshot it, keyed by uid, volume and epoch",
      input: {},
      actions: [{ kind: "snapshotForRelocation", volumeId: "vol-a", fromZone: "us-east-1a", toZone: "us-east-1b", epoch: 3, key: relocationKey("u1", "vol-a", 3) }],
      condition: "Relocating",
    },
    {
      name: "follow, snapshot of this move known: create the new volume in the task's zone from it",
      input: { volume: volume(follow, snapshotKnown) },
      actions: [{ kind: "createRelocated", fromVolumeId: "vol-a", fromZone: "us-east-1a", zone: "us-east-1b", epoch: 3, snapshotId: "snap-1" }],
      condition: "Relocating",
    },
    {
      name: "follow, a snapshot of an older epoch (the volume was used again since): a new snapshot",
      input: { volume: volume(follow, { ...snapshotKnown, epoch: 5 }) },
      actions: [{ kind: "snapshotForRelocation", volumeId: "vol-a", fromZone: "us-east-1a", toZone: "us-east-1b", epoch: 5, key: relocationKey("u1", "vol-a", 5) }],
      condition: "Relocating",
    },
    {
      name: "follow, a fresh volume (never formatted, no data): a new empty one, no snapshot",
      input: { volume: volume(follow, { fresh: true }) },
      actions: [{ kind: "createRelocated", fromVolumeId: "vol-a", fromZone: "us-east-1a", zone: "us-east-1b", epoch: 3 }],
      condition: "Relocating",
    },
    {
      name: "follow, new volume made: attach it with a raised epoch",
      input: { volume: volume(follow, { backendId: "vol-b", zone: "us-east-1b", relocation: { ...snapshotKnown.relocation, toVolumeId: "vol-b" } }), cloud: cloud("vol-b", "us-east-1b") },
      actions: [{ kind: "attach", nodeId: "n2", instanceId: "i-n2", epoch: 4 }], condition: null,
    },
    {
      name: "follow, new volume granted but not mounted yet: the old one stays",
      input: {
        volume: volume(follow, { epoch: 4, backendId: "vol-b", relocation: { ...snapshotKnown.relocation, toVolumeId: "vol-b" }, grantedTo: { nodeId: "n2", instanceId: "i-n2", device: "/dev/xvdba", epoch: 4, since: "t" } }),
        cloud: cloud("vol-b", "us-east-1b", [on("n2")]),
      },
      actions: [], condition: null,
    },
    {
      name: "follow, new volume mounted on the new node: retire the old one",
      input: {
        volume: volume(follow, { epoch: 4, backendId: "vol-b", relocation: { ...snapshotKnown.relocation, toVolumeId: "vol-b" }, grantedTo: { nodeId: "n2", instanceId: "i-n2", device: "/dev/xvdba", epoch: 4, since: "t" } }),
        cloud: cloud("vol-b", "us-east-1b", [on("n2")]), nodeList: nodes({ n2: { mounted: ["db"] } }),
      },
      actions: [{ kind: "retireCloudVolume", volumeId: "vol-a" }], condition: null,
    },
    {
      name: "follow, mounted by a node this leader has not heard yet (its mounts unknown): the old one stays",
      input: {
        volume: volume(follow, { epoch: 4, backendId: "vol-b", relocation: { ...snapshotKnown.relocation, toVolumeId: "vol-b" }, grantedTo: { nodeId: "n2", instanceId: "i-n2", device: "/dev/xvdba", epoch: 4, since: "t" } }),
        cloud: cloud("vol-b", "us-east-1b", [on("n2")]), nodeList: nodes({ n2: { mounted: ["db"], unheard: true } }),
      },
      actions: [], condition: null,
    },
    {
      name: "follow, a relocation begun but the task came back to the old zone: placed there as usual",
      input: { volume: volume(follow, snapshotKnown), wants: [task("n1")] },
      actions: [{ kind: "attach", nodeId: "n1", instanceId: "i-n1", epoch: 4 }], condition: null,
    },
  ])("$name", ({ input, actions, condition }) => {
    const decision = run(input);
    expect(decision.actions).toEqual(actions);
    expect(decision.condition?.reason ?? null).toBe(condition);
  });

  it("the ZoneMismatch message names the constraint and the other policy", () => {
    const decision = run({ volume: volume({}) });
    expect(decision.condition?.message).toBe(
      "volume db is in us-east-1a but Swarm placed its task on node n2 in us-east-1b, and EBS attaches only within a zone (zonePolicy=pinned): "
      + "add the constraint node.labels.swarmvol.zone==us-east-1a to the service (placement.constraints in the stack file), or use a volume made with -o zonePolicy=follow",
    );
    expect(decision.zones).toBeUndefined();
  });

  it("a decision toward another zone says which zones, so the move is timed as a relocation", () => {
    expect(run({ cloud: cloud("vol-a", "us-east-1a", [on("n1")]) }).zones).toEqual({ fromZone: "us-east-1a", toZone: "us-east-1b" });
  });
});

describe("what the cloud's tags say of a relocation", () => {
  const old = cloud("vol-a", "us-east-1a", [], { [cloudTags.epoch]: "3" });
  const made = cloud("vol-b", "us-east-1b", [], { [cloudTags.relocatedFrom]: "vol-a", [cloudTags.epoch]: "3" });

  it("the volume a relocation left behind is not current; its successor is", () => {
    expect(currentVolumes([old, made, cloud("vol-c", "z", [], { [cloudTags.uid]: "u2" })]).map((v) => v.id)).toEqual(["vol-b", "vol-c"]);
  });

  it("of two volumes made from the same one (the task moved on before a lost create was retried), the attached one at the higher epoch", () => {
    const orphan = cloud("vol-b", "us-east-1b", [], { [cloudTags.relocatedFrom]: "vol-a", [cloudTags.epoch]: "3" });
    const used = cloud("vol-c", "us-east-1c", [on("n3")], { [cloudTags.relocatedFrom]: "vol-a", [cloudTags.epoch]: "4" });
    expect(currentVolumes([old, used, orphan]).map((v) => v.id)).toEqual(["vol-c"]);
    expect(currentVolumes([orphan, old, used]).map((v) => v.id)).toEqual(["vol-c"]);
    const attached = { ...used, tags: { ...used.tags, [cloudTags.epoch]: "3" } };
    expect(currentVolumes([attached, orphan]).map((v) => v.id)).toEqual(["vol-c"]);
  });

  it("an old volume still there is a retirement to finish; one deleted (or deleting) is none", () => {
    expect(pendingRelocation(made, [old, made])).toEqual({ fromVolumeId: "vol-a", fromZone: "us-east-1a", toZone: "us-east-1b", epoch: 3, toVolumeId: "vol-b" });
    expect(pendingRelocation(made, [made])).toBeUndefined();
    expect(pendingRelocation(made, [{ ...old, state: "deleting" }, made])).toBeUndefined();
    expect(pendingRelocation(old, [old, made])).toBeUndefined();
  });
});
