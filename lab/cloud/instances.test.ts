import {
  AttachVolumeCommand, CreateTagsCommand, CreateVolumeCommand, DeleteTagsCommand, DescribeInstancesCommand,
  DescribeVolumesCommand, paginateDescribeInstances, type DescribeInstancesCommandInput,
} from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { labSubnetId } from "./efs/subnets.js";
import { labInstances, startTestCloud, type TestCloud } from "./testing.js";

const [A, B, C] = labInstances.map((i) => i.instanceId!) as [string, string, string];
let t: TestCloud;
beforeEach(async () => {
  t = await startTestCloud();
});
afterEach(async () => {
  await t.close();
});

async function errorName(p: Promise<unknown>): Promise<string> {
  return p.then(() => "no error", (err: Error) => err.name);
}
const instanceIds = async (input: DescribeInstancesCommandInput) =>
  ((await t.ec2.send(new DescribeInstancesCommand(input))).Reservations ?? [])
    .flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId).sort();

describe("DescribeInstances", () => {
  it("lists one running instance per lab node with zone, address and Name tag", async () => {
    const r = await t.ec2.send(new DescribeInstancesCommand({ InstanceIds: [A] }));
    expect(r.Reservations).toHaveLength(1);
    expect(r.Reservations?.[0]?.OwnerId).toBe("123456789012");
    expect(r.Reservations?.[0]?.Instances?.[0]).toMatchObject({
      InstanceId: A, State: { Code: 16, Name: "running" }, Placement: { AvailabilityZone: "us-east-1a" },
      PrivateIpAddress: "10.213.0.11", PrivateDnsName: "ip-10-213-0-11.ec2.internal", Tags: [{ Key: "Name", Value: "node1" }],
    });
    expect(await instanceIds({})).toEqual([A, B, C].sort());
  });

  it("names each instance's subnet, the EFS subnet of its zone (where its mount target goes)", async () => {
    const r = await t.ec2.send(new DescribeInstancesCommand({}));
    const instances = (r.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []);
    expect(instances.length).toBe(3);
    for (const i of instances) expect(i.SubnetId).toBe(labSubnetId(i.Placement?.AvailabilityZone as string));
    expect(new Set(instances.map((i) => i.SubnetId)).size).toBe(2);
  });

  it("filters by instance-id, availability-zone, instance-state-name, tag:Name", async () => {
    expect(await instanceIds({ Filters: [{ Name: "availability-zone", Values: ["us-east-1b"] }] })).toEqual([C]);
    expect(await instanceIds({ Filters: [{ Name: "instance-id", Values: [A, B] }] })).toEqual([A, B].sort());
    expect(await instanceIds({ Filters: [{ Name: "tag:Name", Values: ["node2"] }] })).toEqual([B]);
    expect(await instanceIds({ Filters: [{ Name: "instance-state-name", Values: ["stopped"] }] })).toEqual([]);
    await fetch(`${t.cloud.endpoint}/_swarmvol/instances/${B}`, { method: "POST", body: '{"state":"stopped"}' });
    expect(await instanceIds({ Filters: [{ Name: "instance-state-name", Values: ["stopped"] }] })).toEqual([B]);
  });

  it("shows attached volumes in blockDeviceMapping", async () => {
    const v = await t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1 }));
    await t.ec2.send(new AttachVolumeCommand({ VolumeId: v.VolumeId, InstanceId: A, Device: "/dev/xvdf" }));
    const r = await t.ec2.send(new DescribeInstancesCommand({ InstanceIds: [A] }));
    expect(r.Reservations?.[0]?.Instances?.[0]?.BlockDeviceMappings).toEqual([
      expect.objectContaining({ DeviceName: "/dev/xvdf", Ebs: expect.objectContaining({ VolumeId: v.VolumeId, Status: "attached" }) }),
    ]);
  });

  it("paginates and validates", async () => {
    const more = Array.from({ length: 7 }, (_, n) => ({
      name: `extra${n}`, zone: "us-east-1a", deviceDir: `/nonexistent/x${n}`, privateIp: `10.213.0.${50 + n}`,
    }));
    await t.close();
    t = await startTestCloud({ instances: [...labInstances, ...more] });
    let n = 0;
    for await (const page of paginateDescribeInstances({ client: t.ec2, pageSize: 5 }, {})) n += page.Reservations?.length ?? 0;
    expect(n).toBe(10);
    expect(await errorName(t.ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-0123456789abcdef0"] })))).toBe("InvalidInstanceID.NotFound");
    expect(await errorName(t.ec2.send(new DescribeInstancesCommand({ InstanceIds: [A], MaxResults: 5 })))).toBe("InvalidParameterCombination");
    expect(await errorName(t.ec2.send(new DescribeInstancesCommand({ MaxResults: 1 })))).toBe("InvalidParameterValue");
  });
});

describe("CreateTags / DeleteTags", () => {
  it("tags and untags volumes, with Value matching on delete", async () => {
    const v = (await t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1 }))).VolumeId!;
    await t.ec2.send(new CreateTagsCommand({ Resources: [v, A], Tags: [{ Key: "a", Value: "1" }, { Key: "b", Value: "2" }, { Key: "c", Value: "" }] }));
    const tags = async () => (await t.ec2.send(new DescribeVolumesCommand({ VolumeIds: [v] }))).Volumes?.[0]?.Tags ?? [];
    expect(await tags()).toHaveLength(3);
    await t.ec2.send(new DeleteTagsCommand({ Resources: [v], Tags: [{ Key: "a", Value: "wrong" }, { Key: "b" }] }));
    expect((await tags()).map((x) => x.Key)).toEqual(["a", "c"]);
    await t.ec2.send(new DeleteTagsCommand({ Resources: [v], Tags: [{ Key: "c", Value: "" }] }));
    expect((await tags()).map((x) => x.Key)).toEqual(["a"]);
    await t.ec2.send(new DeleteTagsCommand({ Resources: [v] }));
    expect(await tags()).toEqual([]);
    expect(await instanceIds({ Filters: [{ Name: "tag:a", Values: ["1"] }] })).toEqual([A]);
  });

  it("gives NotFound per resource type, InvalidID and MissingParameter", async () => {
    const tag = [{ Key: "k", Value: "v" }];
    expect(await errorName(t.ec2.send(new CreateTagsCommand({ Resources: ["vol-0123456789abcdef0"], Tags: tag })))).toBe("InvalidVolume.NotFound");
    expect(await errorName(t.ec2.send(new CreateTagsCommand({ Resources: ["snap-0123456789abcdef0"], Tags: tag })))).toBe("InvalidSnapshot.NotFound");
    expect(await errorName(t.ec2.send(new CreateTagsCommand({ Resources: ["i-0123456789abcdef0"], Tags: tag })))).toBe("InvalidInstanceID.NotFound");
    expect(await errorName(t.ec2.send(new CreateTagsCommand({ Resources: ["ami-1"], Tags: tag })))).toBe("InvalidID");
    expect(await errorName(t.ec2.send(new CreateTagsCommand({ Resources: [], Tags: tag })))).toBe("MissingParameter");
    expect(await errorName(t.ec2.send(new CreateTagsCommand({ Resources: [A], Tags: [{ Key: "aws:x", Value: "v" }] })))).toBe("InvalidParameterValue");
  });
});
