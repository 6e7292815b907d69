/**
 * EbsCloud's half of a relocation (zonePolicy=follow, ADR 0024) against the EC2 emulator
 * through the real SDK: the new volume goes to the task's zone whatever `-o zone` says, is
 * made from the relocation snapshot (once it is completed), carries the epoch and the
 * `swarmvol/relocatedFrom` tag, and its ClientToken comes from the move, so a retry (or a
 * lost answer) gives the same volume and another move a new one.
 */
import { DescribeVolumesCommand } from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";
import { cloudTags, snapshotTags, type CreateCloudVolume } from "../../core/cloud.js";
import { silentLogger } from "../../core/ports.js";
import { relocationCreateKey } from "../../core/zones.js";
import { startTestCloud, SteppingClock, type TestCloud } from "../../lab/cloud/testing.js";
import { EbsCloud } from "./ebsCloud.js";

let t: TestCloud | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const options = { size: "1", zone: "us-east-1a", zonePolicy: "follow" };

async function setup() {
  t = await startTestCloud({});
  const cloud = new EbsCloud(t.ec2, new SteppingClock(t.clock), silentLogger, { random: () => 0.5 });
  const old = await cloud.create({ uid: "u1", name: "db", sizeBytes: 1024 ** 3, zone: "us-east-1a", options });
  const snapshot = await cloud.snapshots.createSnapshot({
    volumeId: old.id, key: "k-relocation", description: "swarmvol relocation snapshot of volume db",
    tags: { [cloudTags.name]: "db", [cloudTags.uid]: "u1", [cloudTags.epoch]: "3", [snapshotTags.reason]: "relocation" },
  });
  return { t, cloud, old, snapshot };
}

const relocated = (fromVolumeId: string, snapshotId: string | undefined, epoch = 3): CreateCloudVolume => ({
  uid: "u1", name: "db", sizeBytes: 1024 ** 3, zone: "us-east-1b", options, fsType: "ext4", createdAt: "2026-12-01T00:00:00.000Z",
  relocation: { fromVolumeId, epoch, key: relocationCreateKey("u1", fromVolumeId, epoch, "us-east-1b"), ...(snapshotId === undefined ? {} : { snapshotId }) },
});
const volumeCount = async (tc: TestCloud) => (await tc.ec2.send(new DescribeVolumesCommand({}))).Volumes?.length ?? 0;

describe("EbsCloud.create for a relocation", () => {
  it("makes the volume in the task's zone (not -o zone's) from the snapshot, tagged with the old volume and the epoch", async () => {
    const { t, cloud, old, snapshot } = await setup();
    const made = await cloud.create(relocated(old.id, snapshot.id));
    expect(made).toMatchObject({ zone: "us-east-1b", state: "available" });
    expect(made.tags).toMatchObject({ [cloudTags.uid]: "u1", [cloudTags.epoch]: "3", [cloudTags.relocatedFrom]: old.id });
    expect(JSON.parse(made.tags[cloudTags.spec] ?? "{}")).toMatchObject({ o: options });
    expect(t.cloud.engine.state.volumes[made.id]).toMatchObject({ snapshotId: snapshot.id });
    expect((await cloud.snapshots.getSnapshot(snapshot.id))?.state).toBe("completed");
  });

  it("is the same volume on a retry (ClientToken of the move), another volume for another move", async () => {
    const { t, cloud, old, snapshot } = await setup();
    const first = await cloud.create(relocated(old.id, snapshot.id));
    expect((await cloud.create(relocated(old.id, snapshot.id))).id).toBe(first.id);
    expect(await volumeCount(t)).toBe(2);
    expect((await cloud.create(relocated(old.id, snapshot.id, 4))).id).not.toBe(first.id);
  });

  it("a CreateVolume whose answer is lost makes one volume", async () => {
    const { t, cloud, old, snapshot } = await setup();
    await t.cloud.setFaults({ lostResponseNext: 1, lostResponseMode: "error", actions: ["CreateVolume"] });
    await cloud.create(relocated(old.id, snapshot.id));
    expect(await volumeCount(t)).toBe(2);
  });

  it("a fresh volume's relocation (no snapshot) is empty, even if the options name a snapshot", async () => {
    const { t, cloud, old } = await setup();
    const made = await cloud.create({ ...relocated(old.id, undefined), options: { ...options, snapshot: "snap-0123456789abcdef0" } });
    expect(made.zone).toBe("us-east-1b");
    expect(t.cloud.engine.state.volumes[made.id]?.snapshotId).toBeFalsy();
  });
});
