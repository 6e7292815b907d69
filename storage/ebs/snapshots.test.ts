/**
 * EBS snapshots against the EC2 emulator through the real SDK: idempotency by key (there
 * is no ClientToken), lost answers, duplicates, listing only swarmvol's, deletes and waits.
 */
import { CreateSnapshotCommand, CreateVolumeCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";
import { cloudTags, snapshotTags, type CreateCloudSnapshot } from "../../core/cloud.js";
import { isSwarmvolError } from "../../core/errors.js";
import { silentLogger } from "../../core/ports.js";
import type { FaultsPatch } from "../../lab/cloud/index.js";
import { startTestCloud, SteppingClock, type TestCloud } from "../../lab/cloud/testing.js";
import { EbsCloud } from "./ebsCloud.js";
import { failure } from "../../test/support/failure.js";

let t: TestCloud | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function setup(faults: FaultsPatch = {}) {
  t = await startTestCloud({ faults });
  const cloud = new EbsCloud(t.ec2, new SteppingClock(t.clock), silentLogger, { random: () => 0.5 });
  const volume = await cloud.create({ uid: "u1", name: "data", sizeBytes: 1024 ** 3, zone: "us-east-1a", options: {} });
  return { t, cloud, volumeId: volume.id };
}

const request = (volumeId: string, key = "k1", reason = "manual"): CreateCloudSnapshot => ({
  volumeId, key, description: "swarmvol snapshot of data",
  tags: { [cloudTags.name]: "data", [cloudTags.uid]: "u1", [cloudTags.epoch]: "3", [snapshotTags.reason]: reason },
});
const allSnapshots = async (tc: TestCloud) => (await tc.ec2.send(new DescribeSnapshotsCommand({}))).Snapshots ?? [];


describe("EbsSnapshots", () => {
  it("creates a tagged snapshot, and the same key again returns it without a second CreateSnapshot", async () => {
    const { t, cloud, volumeId } = await setup();
    const first = await cloud.snapshots.createSnapshot(request(volumeId));
    expect(first).toMatchObject({ volumeId, state: "pending", sizeBytes: 1024 ** 3, description: "swarmvol snapshot of data" });
    expect(first.tags).toEqual({ "swarmvol/name": "data", "swarmvol/uid": "u1", "swarmvol/epoch": "3", "swarmvol/reason": "manual", "swarmvol/key": "k1" });
    const again = await cloud.snapshots.createSnapshot(request(volumeId));
    expect(again.id).toBe(first.id);
    expect(cloud.calls.byAction().CreateSnapshot).toBe(1);
    expect(await allSnapshots(t)).toHaveLength(1);
  });

  it.each(["error", "drop"] as const)("a CreateSnapshot whose answer is lost (%s) makes exactly one snapshot", async (mode) => {
    const { t, cloud, volumeId } = await setup();
    await t.cloud.setFaults({ lostResponseNext: 1, lostResponseMode: mode, actions: ["CreateSnapshot"] });
    const made = await cloud.snapshots.createSnapshot(request(volumeId));
    expect((await allSnapshots(t)).map((s) => s.SnapshotId)).toEqual([made.id]);
    expect(cloud.calls.byAction().CreateSnapshot).toBe(1);
  });

  it("a throttled CreateSnapshot (not applied) is tried again", async () => {
    const { t, cloud, volumeId } = await setup();
    await t.cloud.setFaults({ throttleNext: 2, actions: ["CreateSnapshot"] });
    await cloud.snapshots.createSnapshot(request(volumeId));
    expect(cloud.calls.byAction().CreateSnapshot).toBe(3);
    expect(await allSnapshots(t)).toHaveLength(1);
  });

  it("sends no attempt after `until` (a freeze window that ended): TIMEOUT, nothing created", async () => {
    const { t, cloud, volumeId } = await setup();
    await t.cloud.setFaults({ throttleNext: 10, actions: ["CreateSnapshot"] });
    const err = await failure(cloud.snapshots.createSnapshot({ ...request(volumeId), until: t.clock.now() + 1000 }));
    expect(isSwarmvolError(err, "TIMEOUT")).toBe(true);
    expect(cloud.calls.byAction().CreateSnapshot).toBeLessThan(10);
    expect(await allSnapshots(t)).toEqual([]);
  });

  it("two snapshots of one key (a lagging describe): the oldest is kept, the other deleted", async () => {
    const { t, cloud, volumeId } = await setup();
    const tags = [{ Key: "swarmvol/uid", Value: "u1" }, { Key: "swarmvol/key", Value: "k1" }];
    const older = await t.ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId, TagSpecifications: [{ ResourceType: "snapshot", Tags: tags }] }));
    t.clock.advance(1000);
    await t.ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId, TagSpecifications: [{ ResourceType: "snapshot", Tags: tags }] }));
    expect((await cloud.snapshots.createSnapshot(request(volumeId))).id).toBe(older.SnapshotId);
    expect((await allSnapshots(t)).map((s) => s.SnapshotId)).toEqual([older.SnapshotId]);
  });

  it("lists only swarmvol's snapshots, by name or uid, oldest first; get ignores others", async () => {
    const { t, cloud, volumeId } = await setup();
    const a = await cloud.snapshots.createSnapshot(request(volumeId, "k1"));
    t.clock.advance(1000);
    const b = await cloud.snapshots.createSnapshot(request(volumeId, "k2", "schedule"));
    const foreign = await t.ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId }));
    expect((await cloud.snapshots.listSnapshots({})).map((s) => s.id)).toEqual([a.id, b.id]);
    expect((await cloud.snapshots.listSnapshots({ name: "data" })).map((s) => s.id)).toEqual([a.id, b.id]);
    expect(await cloud.snapshots.listSnapshots({ name: "other" })).toEqual([]);
    expect((await cloud.snapshots.listSnapshots({ uid: "u1" })).map((s) => s.id)).toEqual([a.id, b.id]);
    expect(await cloud.snapshots.getSnapshot(foreign.SnapshotId!)).toBeUndefined();
    expect(await cloud.snapshots.getSnapshot("snap-0123456789abcdef0")).toBeUndefined();
    expect((await cloud.snapshots.getSnapshot(a.id))?.id).toBe(a.id);
  });

  it("delete: a gone snapshot counts as deleted; one behind an image is IN_USE naming it", async () => {
    const { t, cloud, volumeId } = await setup();
    const s = await cloud.snapshots.createSnapshot(request(volumeId));
    await fetch(`${t.cloud.endpoint}/_swarmvol/snapshots/${s.id}`, { method: "POST", body: JSON.stringify({ inUseBy: "ami-0123456789abcdef0" }) });
    const refused = await failure(cloud.snapshots.deleteSnapshot(s.id));
    expect(isSwarmvolError(refused, "IN_USE")).toBe(true);
    expect((refused as Error).message).toMatch(/in use by ami-0123456789abcdef0; deregister that image first/);
    await fetch(`${t.cloud.endpoint}/_swarmvol/snapshots/${s.id}`, { method: "POST", body: JSON.stringify({ inUseBy: null }) });
    await cloud.snapshots.deleteSnapshot(s.id);
    await cloud.snapshots.deleteSnapshot(s.id);
    expect(await allSnapshots(t)).toEqual([]);
  });

  it("waits for completion; times out, or fails on a snapshot in error", async () => {
    const { t, cloud, volumeId } = await setup({ latencyMs: { snapshot: 20_000 } });
    const s = await cloud.snapshots.createSnapshot(request(volumeId));
    expect(s.state).toBe("pending");
    expect(isSwarmvolError(await failure(cloud.snapshots.waitCompleted(s.id, 5_000)), "TIMEOUT")).toBe(true);
    expect((await cloud.snapshots.waitCompleted(s.id, 60_000)).state).toBe("completed");
    t.host.failNext = "createSnapshot";
    const broken = await cloud.snapshots.createSnapshot(request(volumeId, "k2"));
    expect(isSwarmvolError(await failure(cloud.snapshots.waitCompleted(broken.id, 60_000)), "INTERNAL")).toBe(true);
    expect(isSwarmvolError(await failure(cloud.snapshots.waitCompleted("snap-0123456789abcdef0", 1_000)), "NOT_FOUND")).toBe(true);
  });

  it("a restore from a pending snapshot waits until it is completed, then creates the volume", async () => {
    const { t, cloud, volumeId } = await setup({ latencyMs: { snapshot: 20_000 } });
    const s = await cloud.snapshots.createSnapshot(request(volumeId));
    const started = t.clock.now();
    const copy = await cloud.create({ uid: "u2", name: "copy", sizeBytes: 0, zone: "us-east-1b", options: { snapshot: s.id } });
    expect(copy).toMatchObject({ zone: "us-east-1b", sizeBytes: 1024 ** 3, state: "available" });
    expect(t.clock.now() - started).toBeGreaterThanOrEqual(20_000);
    expect(t.cloud.engine.state.volumes[copy.id]?.snapshotId).toBe(s.id);
    // a bare CreateVolume from a pending snapshot is what it avoided
    const other = await cloud.snapshots.createSnapshot(request(volumeId, "k3"));
    await expect(t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", SnapshotId: other.id }))).rejects.toMatchObject({ name: "IncorrectState" });
  });
});
