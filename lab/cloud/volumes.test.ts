import {
  CreateVolumeCommand, DeleteVolumeCommand, DescribeVolumesCommand, paginateDescribeVolumes, waitUntilVolumeAvailable,
  waitUntilVolumeDeleted,
} from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestCloud, type TestCloud } from "./testing.js";

let t: TestCloud;
beforeEach(async () => {
  t = await startTestCloud();
});
afterEach(async () => {
  await t.close();
});

const create = (extra: Record<string, unknown> = {}) =>
  t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 10, VolumeType: "gp3", ...extra }));

async function rejection(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number; fault?: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number }; $fault?: string };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode, fault: e.$fault };
  }
  throw new Error("expected the call to fail");
}

describe("CreateVolume", () => {
  it("returns a creating gp3 volume with tags, an AWS-shaped id and defaults", async () => {
    const v = await create({
      TagSpecifications: [{ ResourceType: "volume", Tags: [{ Key: "swarmvol/name", Value: "data <&> 'x'" }, { Key: "empty", Value: "" }] }],
    });
    expect(v.VolumeId).toMatch(/^vol-0[0-9a-f]{16}$/);
    expect(v).toMatchObject({ Size: 10, State: "creating", VolumeType: "gp3", Iops: 3000, Throughput: 125, Encrypted: false, AvailabilityZone: "us-east-1a", SnapshotId: "" });
    expect(v.CreateTime).toBeInstanceOf(Date);
    expect(v.Tags).toEqual([{ Key: "empty", Value: "" }, { Key: "swarmvol/name", Value: "data <&> 'x'" }]);
  });

  it("becomes available after the create latency and creates storage then", async () => {
    await t.close();
    t = await startTestCloud({ faults: { latencyMs: { create: 1500 } } });
    const v = await create();
    const before = await t.ec2.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] }));
    expect(before.Volumes?.[0]?.State).toBe("creating");
    expect(t.host.ops()).toEqual([]);
    t.clock.advance(1500);
    const after = await t.ec2.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] }));
    expect(after.Volumes?.[0]?.State).toBe("available");
    expect(t.host.calls).toEqual([{ op: "createVolume", volumeId: v.VolumeId }]);
  });

  it("works with the SDK waiter", async () => {
    const v = await create();
    const r = await waitUntilVolumeAvailable({ client: t.ec2, maxWaitTime: 5, minDelay: 1, maxDelay: 1 }, { VolumeIds: [v.VolumeId!] });
    expect(r.state).toBe("SUCCESS");
  });

  it("is idempotent per ClientToken", async () => {
    const a = await create({ ClientToken: "tok-1" });
    const b = await create({ ClientToken: "tok-1" });
    expect(b.VolumeId).toBe(a.VolumeId);
    const all = await t.ec2.send(new DescribeVolumesCommand({}));
    expect(all.Volumes).toHaveLength(1);
  });

  it("refuses a reused ClientToken with other parameters: IdempotentParameterMismatch", async () => {
    await create({ ClientToken: "tok-2" });
    const e = await rejection(create({ ClientToken: "tok-2", Size: 11 }));
    expect(e).toMatchObject({ name: "IdempotentParameterMismatch", status: 400, fault: "client" });
  });

  it("derives io1/gp2 performance and validates parameters", async () => {
    expect((await create({ VolumeType: "gp2", Size: 100 })).Iops).toBe(300);
    expect((await create({ VolumeType: "io1", Iops: 500 })).Iops).toBe(500);
    expect(await rejection(create({ VolumeType: "io1" }))).toMatchObject({ name: "MissingParameter" });
    expect(await rejection(create({ VolumeType: "gp2", Throughput: 200 }))).toMatchObject({ name: "InvalidParameterCombination" });
    expect(await rejection(create({ VolumeType: "nope" }))).toMatchObject({ name: "InvalidParameterValue" });
    expect(await rejection(create({ AvailabilityZone: "us-east-1z" }))).toMatchObject({ name: "InvalidParameterValue" });
    expect(await rejection(create({ AvailabilityZone: "" }))).toMatchObject({ name: "MissingParameter" });
    expect(await rejection(create({ Size: undefined }))).toMatchObject({ name: "MissingParameter" });
    expect(await rejection(create({ KmsKeyId: "k" }))).toMatchObject({ name: "InvalidParameterDependency" });
  });

  it("encrypts with the default key or the given one", async () => {
    expect((await create({ Encrypted: true })).KmsKeyId).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//);
    expect(await create({ Encrypted: true, KmsKeyId: "arn:k" })).toMatchObject({ Encrypted: true, KmsKeyId: "arn:k" });
  });

  it("answers DryRun with DryRunOperation (412) and creates nothing", async () => {
    expect(await rejection(create({ DryRun: true }))).toMatchObject({ name: "DryRunOperation", status: 412 });
    expect((await t.ec2.send(new DescribeVolumesCommand({}))).Volumes).toEqual([]);
  });
});

describe("DescribeVolumes", () => {
  it("gives InvalidVolume.NotFound for an unknown id", async () => {
    const e = await rejection(t.ec2.send(new DescribeVolumesCommand({ VolumeIds: ["vol-0123456789abcdef0"] })));
    expect(e).toMatchObject({ name: "InvalidVolume.NotFound", status: 400, message: "The volume 'vol-0123456789abcdef0' does not exist." });
  });

  it("filters by tag, tag-key, status, zone and volume-id (values OR'd, filters AND'd)", async () => {
    const tagged = (name: string) => ({ TagSpecifications: [{ ResourceType: "volume" as const, Tags: [{ Key: "swarmvol/name", Value: name }] }] });
    const a = await create(tagged("a"));
    const b = await create(tagged("b"));
    const c = await create({ AvailabilityZone: "us-east-1b" });
    const ids = async (Filters: Array<{ Name: string; Values: string[] }>) =>
      ((await t.ec2.send(new DescribeVolumesCommand({ Filters }))).Volumes ?? []).map((v) => v.VolumeId).sort();
    expect(await ids([{ Name: "tag:swarmvol/name", Values: ["a"] }])).toEqual([a.VolumeId]);
    expect(await ids([{ Name: "tag:swarmvol/name", Values: ["a", "b"] }])).toEqual([a.VolumeId, b.VolumeId].sort());
    expect(await ids([{ Name: "tag-key", Values: ["swarmvol/*"] }])).toEqual([a.VolumeId, b.VolumeId].sort());
    expect(await ids([{ Name: "availability-zone", Values: ["us-east-1b"] }])).toEqual([c.VolumeId]);
    expect(await ids([{ Name: "status", Values: ["available"] }, { Name: "volume-id", Values: [b.VolumeId!] }])).toEqual([b.VolumeId]);
    expect(await ids([{ Name: "status", Values: ["in-use"] }])).toEqual([]);
    expect(await rejection(ids([{ Name: "bogus", Values: ["x"] }]))).toMatchObject({ name: "InvalidParameterValue" });
  });

  it("paginates with MaxResults/NextToken and the SDK paginator", async () => {
    for (let i = 0; i < 12; i++) await create();
    const first = await t.ec2.send(new DescribeVolumesCommand({ MaxResults: 5 }));
    expect(first.Volumes).toHaveLength(5);
    expect(first.NextToken).toBeTruthy();
    const seen: string[] = [];
    for await (const page of paginateDescribeVolumes({ client: t.ec2, pageSize: 5 }, {})) {
      seen.push(...(page.Volumes ?? []).map((v) => v.VolumeId!));
    }
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
  });

  it("rejects MaxResults out of range, with VolumeIds, and bad tokens", async () => {
    const v = await create();
    expect(await rejection(t.ec2.send(new DescribeVolumesCommand({ MaxResults: 4 })))).toMatchObject({ name: "InvalidParameterValue" });
    expect(await rejection(t.ec2.send(new DescribeVolumesCommand({ MaxResults: 501 })))).toMatchObject({ name: "InvalidParameterValue" });
    expect(await rejection(t.ec2.send(new DescribeVolumesCommand({ MaxResults: 5, VolumeIds: [v.VolumeId!] }))))
      .toMatchObject({ name: "InvalidParameterCombination" });
    expect(await rejection(t.ec2.send(new DescribeVolumesCommand({ MaxResults: 5, NextToken: "garbage" }))))
      .toMatchObject({ name: "InvalidPaginationToken" });
  });
});

describe("DeleteVolume", () => {
  it("deletes, after which the volume is gone and its storage removed", async () => {
    const v = await create();
    await t.ec2.send(new DeleteVolumeCommand({ VolumeId: v.VolumeId }));
    const r = await waitUntilVolumeDeleted({ client: t.ec2, maxWaitTime: 5, minDelay: 1, maxDelay: 1 }, { VolumeIds: [v.VolumeId!] });
    expect(r.state).toBe("SUCCESS");
    expect(t.host.ops()).toContain("deleteVolume");
  });

  it("shows deleting during the delete latency", async () => {
    await t.close();
    t = await startTestCloud({ faults: { latencyMs: { delete: 500 } } });
    const v = await create();
    await t.ec2.send(new DeleteVolumeCommand({ VolumeId: v.VolumeId }));
    const d = await t.ec2.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] }));
    expect(d.Volumes?.[0]?.State).toBe("deleting");
  });

  it("gives InvalidVolume.NotFound and MissingParameter", async () => {
    expect(await rejection(t.ec2.send(new DeleteVolumeCommand({ VolumeId: "vol-0123456789abcdef0" }))))
      .toMatchObject({ name: "InvalidVolume.NotFound" });
    expect(await rejection(t.ec2.send(new DeleteVolumeCommand({ VolumeId: "" })))).toMatchObject({ name: "MissingParameter" });
  });
});
