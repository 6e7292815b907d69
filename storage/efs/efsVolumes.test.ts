/**
 * EFS's controller verbs through EfsCloud and the real @aws-sdk/client-efs against the
 * emulator: a volume created, placed on an instance (its zone's mount target, the
 * `swarmvol/at/<instance>` tag), released, and deleted, on the wire (ADR 0027).
 */
import { afterEach, describe, expect, it } from "vitest";
import { labSubnetId } from "../../lab/cloud/efs/subnets.js";
import { startTestEfs, type TestEfs } from "../../lab/cloud/efs/testing.js";
import { SteppingClock } from "../../lab/cloud/testing.js";
import { ErrorCode } from "../../core/errors.js";
import { parseShareDevice } from "../../core/fileShares.js";
import { EfsCloud } from "./efsCloud.js";
import { EfsVolumes } from "./efsVolumes.js";

let t: TestEfs | undefined;
afterEach(async () => t?.close());

const zoneOf: Record<string, string> = { "i-a": "us-east-1a", "i-b": "us-east-1b" };

/** One controller's EfsVolumes over `shares` (a second one is a new leader's). */
function volumesOn(shares: EfsCloud): EfsVolumes {
  return new EfsVolumes(shares, {
    pool: { owner: { kind: "pool", pool: "default" }, performanceMode: "generalPurpose", throughputMode: "elastic", encrypted: true },
    region: "us-east-1",
    subnetOf: async (instanceId) => ({ subnetId: labSubnetId(zoneOf[instanceId] as string), zone: zoneOf[instanceId] as string }),
  });
}

async function setup() {
  t = await startTestEfs({ faults: { latencyMs: { fileSystemCreate: 3000, accessPointCreate: 1000, mountTargetCreate: 30_000 } } });
  const shares = new EfsCloud(t.efs, new SteppingClock(t.clock), { random: () => 0.5 });
  return { shares, volumes: volumesOn(shares), efs: () => t!.cloud.engine.state.efs };
}

describe("EfsVolumes on the EFS API", () => {
  it("creates an access point, places it in two zones in turn, releases and deletes it", async () => {
    const { volumes, efs } = await setup();
    const request = { uid: "u1", name: "jenkins", sizeBytes: 0, zone: "us-east-1a", options: { uid: "1000", gid: "1000" } };
    const created = await volumes.create(request);
    expect(created).toMatchObject({ zone: "us-east-1", regional: true, state: "available", attachments: [] });
    expect((await volumes.create(request)).id).toBe(created.id);
    await volumes.setTags(created.id, { "swarmvol/epoch": "1" });
    const placed = await volumes.attach(created.id, "i-a");
    expect(parseShareDevice(placed.device)).toMatchObject({ accessPointId: created.id, rootPath: "/swarmvol/jenkins" });
    expect(await volumes.describe([created.id])).toMatchObject([{ state: "in-use", attachments: [{ instanceId: "i-a", device: placed.device }], tags: { "swarmvol/epoch": "1" } }]);
    await expect(volumes.attach(created.id, "i-b")).rejects.toMatchObject({ code: ErrorCode.Conflict });
    await expect(volumes.delete(created.id)).rejects.toMatchObject({ code: ErrorCode.InUse });

    await volumes.detach(created.id, "i-a");
    await volumes.attach(created.id, "i-b");
    expect(Object.values(efs().mountTargets).map((m) => m.zone).sort()).toEqual(["us-east-1a", "us-east-1b"]);
    expect((await volumes.describe()).map((v) => v.attachments.map((a) => a.instanceId))).toEqual([["i-b"]]);
    await volumes.detach(created.id, "i-b");
    await volumes.delete(created.id);
    await volumes.delete(created.id);
    expect(await volumes.describe([created.id])).toEqual([]);
    await volumes.detach(created.id, "i-b");
    expect(Object.keys(efs().fileSystems)).toHaveLength(1);
  });

  it("keeps the volume's options in the access point's swarmvol/spec tag, which a new leader's describe decodes", async () => {
    const { volumes: first, shares, efs } = await setup();
    const options = { backend: "efs", access: "multi-writer", uid: "1000", gid: "1000", mode: "0750", onRemove: "retain" };
    const created = await first.create({ uid: "u2", name: "shared", sizeBytes: 0, zone: "us-east-1a", options, createdAt: "2026-12-03T10:00:00.000Z" });
    expect(efs().accessPoints[created.id]?.tags).toMatchObject({
      "swarmvol/spec": "2026-12-03T10:00:00.000Z access=multi-writer backend=efs gid=1000 mode=0750 onRemove=retain uid=1000", "swarmvol/access": "multi-writer",
    });
    const newLeader = volumesOn(shares);
    expect((await newLeader.describe()).map((volume) => volume.spec)).toEqual([{ fsType: "ext4", createdAt: "2026-12-03T10:00:00.000Z", options }]);
  });

  it("gives an access point an earlier attempt made without its spec tag the tag, once", async () => {
    const { volumes, shares, efs } = await setup();
    const fs = await shares.ensureFileSystem({ owner: { kind: "pool", pool: "default" }, performanceMode: "generalPurpose", throughputMode: "elastic", encrypted: true });
    const bare = await shares.ensureAccessPoint({ fileSystemId: fs.id, uid: "u3", name: "old", owner: { uid: 0, gid: 0, mode: "0755" } });
    expect(bare.tags["swarmvol/spec"]).toBeUndefined();
    const request = { uid: "u3", name: "old", sizeBytes: 0, zone: "us-east-1a", options: { backend: "efs" } };
    expect((await volumes.create(request)).spec?.options).toEqual({ backend: "efs" });
    expect(efs().accessPoints[bare.id]?.tags["swarmvol/spec"]).toBe("backend=efs");
    const tagCalls = () => shares.calls.byAction().TagResource ?? 0;
    const before = tagCalls();
    expect(before).toBe(1);
    await volumes.create(request);
    expect(tagCalls()).toBe(before);
  });
});
