import {
  CreateVolumeCommand, DescribeVolumesCommand, DescribeVolumesModificationsCommand, ModifyVolumeCommand,
} from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestCloud, type TestCloud } from "./testing.js";

let t: TestCloud;
beforeEach(async () => {
  t = await startTestCloud({ faults: { latencyMs: { modify: 1000, optimize: 4000 } } });
});
afterEach(async () => {
  await t.close();
});

async function volume(size = 10): Promise<string> {
  const v = await t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: size, VolumeType: "gp3" }));
  return v.VolumeId as string;
}

async function rejection(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error("expected the call to fail");
}

const modify = (VolumeId: string, extra: Record<string, unknown> = {}) => t.ec2.send(new ModifyVolumeCommand({ VolumeId, ...extra }));
const latest = async (id: string) => (await t.ec2.send(new DescribeVolumesModificationsCommand({ VolumeIds: [id] }))).VolumesModifications?.[0];
const sizeOf = async (id: string) => (await t.ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes?.[0]?.Size;

describe("ModifyVolume through the SDK", () => {
  it("grows a volume: modifying, then optimizing with the new size and the device grown, then completed", async () => {
    const id = await volume();
    const started = await modify(id, { Size: 20 });
    expect(started.VolumeModification).toMatchObject({ VolumeId: id, ModificationState: "modifying", OriginalSize: 10, TargetSize: 20, TargetVolumeType: "gp3", Progress: 0 });
    expect(started.VolumeModification?.StartTime).toBeInstanceOf(Date);
    expect(await sizeOf(id)).toBe(10);
    t.clock.advance(1000);
    expect(await latest(id)).toMatchObject({ ModificationState: "optimizing" });
    expect(await sizeOf(id)).toBe(20);
    expect(t.host.calls.filter((c) => c.op === "resizeVolume")).toEqual([{ op: "resizeVolume", volumeId: id, sizeGiB: 20 }]);
    t.clock.advance(2000);
    expect((await latest(id))?.Progress).toBe(50);
    t.clock.advance(2000);
    const done = await latest(id);
    expect(done).toMatchObject({ ModificationState: "completed", Progress: 100 });
    expect(done?.EndTime).toBeInstanceOf(Date);
  });

  it("refuses a smaller size, a change that changes nothing, and an unknown volume, as EC2 does", async () => {
    const id = await volume();
    expect(await rejection(modify(id, { Size: 5 }))).toMatchObject({ name: "InvalidParameterValue", status: 400, message: "New size cannot be smaller than existing size" });
    expect(await rejection(modify(id, { Size: 10 }))).toMatchObject({ name: "InvalidParameterCombination", status: 400 });
    expect(await rejection(modify("vol-0123456789abcdef0", { Size: 20 }))).toMatchObject({ name: "InvalidVolume.NotFound" });
  });

  it("one modification at a time, and at most one per cooldown (EBS: six hours)", async () => {
    const id = await volume();
    await modify(id, { Size: 20 });
    expect(await rejection(modify(id, { Size: 30 }))).toMatchObject({ name: "IncorrectModificationState", message: `Volume ${id} cannot be modified in modification state MODIFYING` });
    t.clock.advance(1000);
    expect(await rejection(modify(id, { Size: 30 }))).toMatchObject({ name: "IncorrectModificationState", message: `Volume ${id} cannot be modified in modification state OPTIMIZING` });
    t.clock.advance(4000);
    expect(await rejection(modify(id, { Size: 30 }))).toMatchObject({ name: "VolumeModificationRateExceeded", status: 400 });
    t.clock.advance(6 * 60 * 60 * 1000);
    expect((await modify(id, { Size: 30 })).VolumeModification).toMatchObject({ OriginalSize: 20, TargetSize: 30 });
  });

  it("changes type and performance: gp3 to io1 with its iops", async () => {
    const id = await volume();
    expect((await modify(id, { VolumeType: "io1", Iops: 500 })).VolumeModification).toMatchObject({ OriginalVolumeType: "gp3", TargetVolumeType: "io1", TargetIops: 500, TargetSize: 10 });
    t.clock.advance(1000);
    expect((await t.ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes?.[0]).toMatchObject({ VolumeType: "io1", Iops: 500 });
  });

  it("DescribeVolumesModifications: a volume never modified is InvalidVolumeModification.NotFound; without ids, every latest one", async () => {
    const never = await volume();
    const changed = await volume();
    await modify(changed, { Size: 11 });
    expect(await rejection(latest(never))).toMatchObject({ name: "InvalidVolumeModification.NotFound", message: `Modification for volume '${never}' does not exist.` });
    const all = await t.ec2.send(new DescribeVolumesModificationsCommand({}));
    expect(all.VolumesModifications?.map((m) => m.VolumeId)).toEqual([changed]);
  });

  it("a resize the device host failed is retried, and the volume keeps its old size meanwhile", async () => {
    const id = await volume();
    await modify(id, { Size: 20 });
    t.host.failNext = "resizeVolume";
    t.clock.advance(1000);
    expect(await latest(id)).toMatchObject({ ModificationState: "modifying" });
    expect(await sizeOf(id)).toBe(10);
    t.clock.advance(1000);
    expect(await latest(id)).toMatchObject({ ModificationState: "optimizing" });
    expect(await sizeOf(id)).toBe(20);
  });
});
