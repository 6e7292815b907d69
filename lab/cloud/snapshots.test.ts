import {
  CreateSnapshotCommand, CreateVolumeCommand, DeleteSnapshotCommand, DescribeSnapshotsCommand, paginateDescribeSnapshots,
} from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestCloud, type TestCloud } from "./testing.js";

let t: TestCloud;
beforeEach(async () => {
  t = await startTestCloud({ faults: { latencyMs: { snapshot: 1000 } } });
});
afterEach(async () => {
  await t.close();
});

async function errorName(p: Promise<unknown>): Promise<string> {
  return p.then(() => "no error", (err: Error) => err.name);
}
const newVolume = async (size = 4) =>
  (await t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: size, VolumeType: "gp3" }))).VolumeId!;
const snapshot = (VolumeId: string) => t.ec2.send(new CreateSnapshotCommand({
  VolumeId, Description: "nightly",
  TagSpecifications: [{ ResourceType: "snapshot", Tags: [{ Key: "swarmvol/name", Value: "data" }] }],
}));

describe("snapshots", () => {
  it("CreateSnapshot copies at once, is pending, then completed", async () => {
    const vol = await newVolume();
    const s = await snapshot(vol);
    expect(s.SnapshotId).toMatch(/^snap-0[0-9a-f]{16}$/);
    expect(s).toMatchObject({ VolumeId: vol, State: "pending", VolumeSize: 4, Description: "nightly", OwnerId: "123456789012", Tags: [{ Key: "swarmvol/name", Value: "data" }] });
    expect(t.host.calls.at(-1)).toEqual({ op: "createSnapshot", volumeId: vol, snapshotId: s.SnapshotId });
    t.clock.advance(1000);
    const d = await t.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [s.SnapshotId!] }));
    expect(d.Snapshots?.[0]).toMatchObject({ State: "completed", Progress: "100%" });
  });

  it("CreateVolume from a snapshot restores it, defaulting the size", async () => {
    const s = await snapshot(await newVolume(4));
    expect(await errorName(t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", SnapshotId: s.SnapshotId })))).toBe("IncorrectState");
    t.clock.advance(1000);
    const v = await t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", SnapshotId: s.SnapshotId }));
    expect(v).toMatchObject({ Size: 4, SnapshotId: s.SnapshotId });
    expect(t.host.calls.at(-1)).toEqual({ op: "createVolume", volumeId: v.VolumeId, snapshotId: s.SnapshotId });
    expect(await errorName(t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", SnapshotId: s.SnapshotId, Size: 2 }))))
      .toBe("InvalidParameterValue");
    expect(await errorName(t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", SnapshotId: "snap-0123456789abcdef0" }))))
      .toBe("InvalidSnapshot.NotFound");
  });

  it("DescribeSnapshots filters by tag, volume-id and owner, and paginates", async () => {
    const vol = await newVolume();
    const other = await newVolume();
    for (let i = 0; i < 6; i++) await snapshot(vol);
    await t.ec2.send(new CreateSnapshotCommand({ VolumeId: other }));
    const byVolume = await t.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: [{ Name: "volume-id", Values: [vol] }] }));
    expect(byVolume.Snapshots).toHaveLength(6);
    const byTag = await t.ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: "tag:swarmvol/name", Values: ["data"] }] }));
    expect(byTag.Snapshots).toHaveLength(6);
    expect((await t.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["amazon"] }))).Snapshots).toEqual([]);
    let n = 0;
    for await (const page of paginateDescribeSnapshots({ client: t.ec2, pageSize: 5 }, {})) n += page.Snapshots?.length ?? 0;
    expect(n).toBe(7);
    expect(await errorName(t.ec2.send(new DescribeSnapshotsCommand({ MaxResults: 5, SnapshotIds: ["snap-0123456789abcdef0"] }))))
      .toBe("InvalidParameterCombination");
  });

  it("DeleteSnapshot removes it; unknown ids give InvalidSnapshot.NotFound", async () => {
    const s = await snapshot(await newVolume());
    await t.ec2.send(new DeleteSnapshotCommand({ SnapshotId: s.SnapshotId }));
    expect(t.host.calls.at(-1)).toEqual({ op: "deleteSnapshot", snapshotId: s.SnapshotId });
    expect(await errorName(t.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [s.SnapshotId!] })))).toBe("InvalidSnapshot.NotFound");
    expect(await errorName(t.ec2.send(new DeleteSnapshotCommand({ SnapshotId: s.SnapshotId })))).toBe("InvalidSnapshot.NotFound");
    expect(await errorName(t.ec2.send(new CreateSnapshotCommand({ VolumeId: "vol-0123456789abcdef0" })))).toBe("InvalidVolume.NotFound");
  });

  it("progress climbs while pending, for a base plus a time per GiB, then completionTime is set", async () => {
    await t.close();
    t = await startTestCloud({ faults: { latencyMs: { snapshot: 1000, snapshotPerGiB: 500 } } });
    const s = await snapshot(await newVolume(2));
    expect(s).toMatchObject({ State: "pending", Progress: "0%" });
    expect(s.CompletionTime).toBeUndefined();
    const describe = async () => (await t.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [s.SnapshotId!] }))).Snapshots![0]!;
    t.clock.advance(1000);
    expect(await describe()).toMatchObject({ State: "pending", Progress: "50%" });
    const byProgress = await t.ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: "progress", Values: ["50%"] }, { Name: "status", Values: ["pending"] }] }));
    expect(byProgress.Snapshots?.map((x) => x.SnapshotId)).toEqual([s.SnapshotId]);
    t.clock.advance(999);
    expect(await describe()).toMatchObject({ State: "pending", Progress: "99%" });
    t.clock.advance(1);
    const done = await describe();
    expect(done).toMatchObject({ State: "completed", Progress: "100%" });
    expect(done.CompletionTime?.getTime()).toBe(done.StartTime!.getTime() + 2000);
  });

  it("DescribeSnapshots filters by snapshot-id and status, AND across filters", async () => {
    const vol = await newVolume();
    const a = await snapshot(vol);
    const b = await snapshot(vol);
    const ids = async (Filters: Array<{ Name: string; Values: string[] }>) =>
      ((await t.ec2.send(new DescribeSnapshotsCommand({ Filters }))).Snapshots ?? []).map((x) => x.SnapshotId).sort();
    expect(await ids([{ Name: "snapshot-id", Values: [a.SnapshotId!] }])).toEqual([a.SnapshotId]);
    expect(await ids([{ Name: "status", Values: ["pending"] }])).toEqual([a.SnapshotId, b.SnapshotId].sort());
    expect(await ids([{ Name: "status", Values: ["completed"] }])).toEqual([]);
    expect(await ids([{ Name: "volume-id", Values: [vol] }, { Name: "tag:swarmvol/name", Values: ["other"] }])).toEqual([]);
    expect(await errorName(t.ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: "colour", Values: ["x"] }] })))).toBe("InvalidParameterValue");
  });

  it("DeleteSnapshot of a snapshot behind a registered image answers InvalidSnapshot.InUse with EC2's words", async () => {
    const s = await snapshot(await newVolume());
    const mark = (inUseBy: string | null) =>
      fetch(`${t.cloud.endpoint}/_swarmvol/snapshots/${s.SnapshotId}`, { method: "POST", body: JSON.stringify({ inUseBy }) });
    expect((await mark("ami-0123456789abcdef0")).status).toBe(200);
    const refused = await t.ec2.send(new DeleteSnapshotCommand({ SnapshotId: s.SnapshotId })).then(() => undefined, (err: Error & { $metadata: { httpStatusCode?: number } }) => err);
    expect(refused?.name).toBe("InvalidSnapshot.InUse");
    expect(refused?.message).toBe(`The snapshot ${s.SnapshotId} is currently in use by ami-0123456789abcdef0`);
    expect(refused?.$metadata.httpStatusCode).toBe(400);
    expect((await mark("not-an-ami")).status).toBe(400);
    expect((await mark(null)).status).toBe(200);
    await t.ec2.send(new DeleteSnapshotCommand({ SnapshotId: s.SnapshotId }));
  });

  it("a snapshot deleted while a volume is restored from it keeps its bytes until that restore has them", async () => {
    await t.close();
    t = await startTestCloud({ faults: { latencyMs: { create: 1000 } } });
    const source = await newVolume();
    t.clock.advance(1000);
    const s = await snapshot(source);
    const v = await t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1b", SnapshotId: s.SnapshotId }));
    await t.ec2.send(new DeleteSnapshotCommand({ SnapshotId: s.SnapshotId }));
    expect(t.host.ops()).not.toContain("deleteSnapshot");
    t.clock.advance(1000);
    await t.ec2.send(new DescribeSnapshotsCommand({}));
    expect(t.host.calls.slice(-2)).toEqual([
      { op: "createVolume", volumeId: v.VolumeId, snapshotId: s.SnapshotId },
      { op: "deleteSnapshot", snapshotId: s.SnapshotId },
    ]);
  });

  it("a failed copy leaves the snapshot in error", async () => {
    t.host.failNext = "createSnapshot";
    expect((await snapshot(await newVolume())).State).toBe("error");
  });
});
