/**
 * EbsResize against the EC2 emulator through the real SDK, on a ManualClock that the
 * resize's own waits move forward (EBS-like phases cost no wall time).
 */
import { CreateVolumeCommand, DescribeVolumesModificationsCommand, ModifyVolumeCommand } from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";
import { isSwarmvolError } from "../../core/errors.js";
import { silentLogger } from "../../core/ports.js";
import type { FaultsPatch } from "../../lab/cloud/index.js";
import { startTestCloud, SteppingClock, type TestCloud } from "../../lab/cloud/testing.js";
import { EbsCloud } from "./ebsCloud.js";
import { failure } from "../../test/support/failure.js";

const GiB = 1024 ** 3;
let t: TestCloud | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function setup(faults: FaultsPatch = {}) {
  t = await startTestCloud({ faults: { latencyMs: { modify: 3000, optimize: 60_000 }, ...faults } });
  const cloud = new EbsCloud(t.ec2, new SteppingClock(t.clock), silentLogger, { random: () => 0.5 });
  const volumeId = (await t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 4, VolumeType: "gp3" }))).VolumeId as string;
  return { t, cloud, volumeId };
}


const modifications = async (test: TestCloud, volumeId: string) =>
  (await test.ec2.send(new DescribeVolumesModificationsCommand({ VolumeIds: [volumeId] }))).VolumesModifications ?? [];

describe("EbsResize.grow", () => {
  it("rounds up to GiB, sends one ModifyVolume and returns once optimizing (the size is usable), not completed", async () => {
    const { t, cloud, volumeId } = await setup();
    expect(await cloud.resize.grow(volumeId, 5.5 * GiB, 60_000)).toEqual({ sizeBytes: 6 * GiB });
    expect((await modifications(t, volumeId))[0]).toMatchObject({ ModificationState: "optimizing", TargetSize: 6 });
    expect(cloud.calls.byAction().ModifyVolume).toBe(1);
  });

  it("is idempotent: the same size again while optimizing, and after completion, sends nothing more", async () => {
    const { t, cloud, volumeId } = await setup({ modifyCooldownMs: 0 });
    await cloud.resize.grow(volumeId, 6 * GiB, 60_000);
    await cloud.resize.grow(volumeId, 6 * GiB, 60_000);
    t.clock.advance(60_000);
    await cloud.resize.grow(volumeId, 6 * GiB, 60_000);
    expect(cloud.calls.byAction().ModifyVolume).toBe(1);
  });

  it("waits for a modification to that size that is already running (a retry after a lost answer)", async () => {
    const { t, cloud, volumeId } = await setup();
    await t.ec2.send(new ModifyVolumeCommand({ VolumeId: volumeId, Size: 8 }));
    expect(await cloud.resize.grow(volumeId, 8 * GiB, 60_000)).toEqual({ sizeBytes: 8 * GiB });
    expect(cloud.calls.byAction().ModifyVolume).toBeUndefined();
  });

  it("a volume that is gone is NOT_FOUND, never taken for one never modified, and nothing is sent", async () => {
    const { cloud } = await setup();
    const err = await failure(cloud.resize.grow("vol-0123456789abcdef0", 8 * GiB, 60_000));
    expect(isSwarmvolError(err, "NOT_FOUND")).toBe(true);
    expect(cloud.calls.byAction().ModifyVolume).toBeUndefined();
  });

  it("refuses to shrink (INVALID_ARGUMENT naming the least size) and sends nothing", async () => {
    const { cloud, volumeId } = await setup();
    const err = await failure(cloud.resize.grow(volumeId, 2 * GiB, 60_000));
    expect(isSwarmvolError(err, "INVALID_ARGUMENT") && err.message).toContain("at least 4GiB");
    expect(cloud.calls.byAction().ModifyVolume).toBeUndefined();
  });

  it("a second grow within EBS's six hours is CONFLICT naming the wait; a larger one while one runs is CONFLICT too", async () => {
    const { t, cloud, volumeId } = await setup();
    await cloud.resize.grow(volumeId, 6 * GiB, 60_000);
    const running = await failure(cloud.resize.grow(volumeId, 8 * GiB, 60_000));
    expect(isSwarmvolError(running, "CONFLICT") && running.message).toContain("being modified to 6 GiB");
    t.clock.advance(60_000);
    const rate = await failure(cloud.resize.grow(volumeId, 8 * GiB, 60_000));
    expect(isSwarmvolError(rate, "CONFLICT") && rate.message).toContain("six hours");
  });

  it("TIMEOUT when the modification does not reach optimizing within the deadline", async () => {
    const { cloud, volumeId } = await setup({ latencyMs: { modify: 600_000 } });
    const err = await failure(cloud.resize.grow(volumeId, 6 * GiB, 30_000));
    expect(isSwarmvolError(err, "TIMEOUT")).toBe(true);
  });
});
