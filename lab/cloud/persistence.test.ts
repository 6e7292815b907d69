import { AttachVolumeCommand, CreateSnapshotCommand, CreateVolumeCommand, DescribeSnapshotsCommand, DescribeVolumesCommand } from "@aws-sdk/client-ec2";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { ManualClock } from "./clock.js";
import { labInstances, startTestCloud } from "./testing.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "swarmvol-cloud-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it("state, idempotency tokens, pending transitions and the event log survive a restart", async () => {
  const clock = new ManualClock();
  const first = await startTestCloud({ dataDir: dir, clock, faults: { latencyMs: { attach: 5000 } } });
  const v = await first.ec2.send(new CreateVolumeCommand({
    AvailabilityZone: "us-east-1a", Size: 3, ClientToken: "tok", TagSpecifications: [{ ResourceType: "volume", Tags: [{ Key: "k", Value: "v" }] }],
  }));
  await first.ec2.send(new AttachVolumeCommand({ VolumeId: v.VolumeId, InstanceId: labInstances[0]!.instanceId, Device: "/dev/xvdf" }));
  const s = await first.ec2.send(new CreateSnapshotCommand({ VolumeId: v.VolumeId }));
  await first.close();
  expect((await readdir(dir)).sort()).toEqual(["events.jsonl", "state.json"]);

  const second = await startTestCloud({ dataDir: dir, clock, faults: { latencyMs: { attach: 5000 } } });
  try {
    const again = await second.ec2.send(new CreateVolumeCommand({
      AvailabilityZone: "us-east-1a", Size: 3, ClientToken: "tok", TagSpecifications: [{ ResourceType: "volume", Tags: [{ Key: "k", Value: "v" }] }],
    }));
    expect(again.VolumeId).toBe(v.VolumeId);
    const d = await second.ec2.send(new DescribeVolumesCommand({}));
    expect(d.Volumes).toHaveLength(1);
    expect(d.Volumes?.[0]).toMatchObject({ VolumeId: v.VolumeId, Size: 3, State: "in-use", Tags: [{ Key: "k", Value: "v" }] });
    expect(d.Volumes?.[0]?.Attachments?.[0]?.State).toBe("attaching");
    clock.advance(5000);
    // the re-armed timer alone makes the device appear, without any request
    await vi.waitFor(() => expect(second.host.ops()).toEqual(["attach"]));
    const after = await second.ec2.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] }));
    expect(after.Volumes?.[0]?.Attachments?.[0]?.State).toBe("attached");
    expect((await second.ec2.send(new DescribeSnapshotsCommand({}))).Snapshots?.[0]?.SnapshotId).toBe(s.SnapshotId);
    expect(second.cloud.events().map((e) => [e.seq, e.type])).toEqual([
      [1, "volume-created"], [2, "attach-requested"], [3, "snapshot-created"], [4, "attached"],
    ]);
  } finally {
    await second.close();
  }
});
