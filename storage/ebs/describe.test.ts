import {
  DescribeInstancesCommand, DescribeVolumesCommand, type DescribeInstancesRequest, type DescribeVolumesRequest, type Volume,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { silentLogger, type Clock } from "../../core/ports.js";
import { EbsCloud } from "./ebsCloud.js";
import type { Ec2Api } from "./ec2Api.js";
import { chunk, idsInMessage, toCloudInstance, toCloudVolume } from "./describe.js";

const clock: Clock = { now: () => 0, sleep: async () => undefined };

function notFound(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: 400 } });
}

/** A DescribeVolumes/DescribeInstances fake with EC2's paging rules, recording each request. */
class FakeEc2 {
  readonly requests: Array<{ action: string; input: DescribeVolumesRequest | DescribeInstancesRequest }> = [];
  constructor(readonly volumes: Volume[], readonly instances: string[] = []) {}

  async send(command: object): Promise<unknown> {
    if (command instanceof DescribeVolumesCommand) return this.describeVolumes(command.input);
    if (command instanceof DescribeInstancesCommand) return this.describeInstances(command.input);
    throw new Error(`unexpected ${command.constructor.name}`);
  }

  private describeVolumes(input: DescribeVolumesRequest) {
    this.requests.push({ action: "DescribeVolumes", input });
    if (input.VolumeIds !== undefined) {
      if (input.VolumeIds.length > 500) throw notFound("InvalidParameterValue", "too many ids");
      const missing = input.VolumeIds.filter((id) => !this.volumes.some((v) => v.VolumeId === id));
      if (missing.length > 0) throw notFound("InvalidVolume.NotFound", `The volume '${missing.join(",")}' does not exist.`);
      return { Volumes: this.volumes.filter((v) => input.VolumeIds!.includes(v.VolumeId!)) };
    }
    const max = input.MaxResults ?? 1000;
    if (max > 500) throw notFound("InvalidParameterValue", "MaxResults above 500");
    const start = Number(input.NextToken ?? 0);
    const next = start + max < this.volumes.length ? String(start + max) : undefined;
    return { Volumes: this.volumes.slice(start, start + max), NextToken: next };
  }

  private describeInstances(input: DescribeInstancesRequest) {
    this.requests.push({ action: "DescribeInstances", input });
    const missing = (input.InstanceIds ?? []).filter((id) => !this.instances.includes(id));
    if (missing.length > 0) throw notFound("InvalidInstanceID.NotFound", `The instance ID '${missing.join(",")}' does not exist`);
    return {
      Reservations: (input.InstanceIds ?? []).map((id) => ({
        Instances: [{ InstanceId: id, State: { Name: "running" }, Placement: { AvailabilityZone: "us-east-1a" } }],
      })),
    };
  }
}

const volId = (n: number) => `vol-${n.toString(16).padStart(17, "0")}`;
const volumes = (count: number): Volume[] => Array.from({ length: count }, (_, n) => ({
  VolumeId: volId(n), Size: 1, State: "available", AvailabilityZone: "us-east-1a",
  Tags: [{ Key: "swarmvol/uid", Value: `u${n}` }], Attachments: [],
}));

function cloudOver(fake: FakeEc2): EbsCloud {
  return new EbsCloud(fake as unknown as Ec2Api, clock, silentLogger);
}

describe("describe batching", () => {
  it("describes 1,200 ids in exactly 3 calls of at most 500 ids", async () => {
    const fake = new FakeEc2(volumes(1200));
    const cloud = cloudOver(fake);
    const result = await cloud.describe(volumes(1200).map((v) => v.VolumeId!));
    expect(result).toHaveLength(1200);
    expect(fake.requests.map((r) => (r.input as DescribeVolumesRequest).VolumeIds?.length)).toEqual([500, 500, 200]);
    expect(cloud.calls.byAction()).toEqual({ DescribeVolumes: 3 });
  });

  it.each([[0, 1], [1, 1], [499, 1], [500, 1], [501, 2], [1200, 3], [2500, 5]])(
    "a resync of %d volumes takes %d DescribeVolumes calls (tag-key filter, pages of 500)", async (count, calls) => {
      const fake = new FakeEc2(volumes(count));
      const cloud = cloudOver(fake);
      expect(await cloud.describe()).toHaveLength(count);
      expect(cloud.calls.total).toBe(calls);
      expect(fake.requests[0]?.input).toMatchObject({ Filters: [{ Name: "tag-key", Values: ["swarmvol/uid"] }], MaxResults: 500 });
    });

  it("leaves out ids that no longer exist, at the cost of one more call", async () => {
    const fake = new FakeEc2(volumes(3));
    const cloud = cloudOver(fake);
    const result = await cloud.describe([volId(0), "vol-0deadbeefdeadbeef", volId(2)]);
    expect(result.map((v) => v.id)).toEqual([volId(0), volId(2)]);
    expect(cloud.calls.total).toBe(2);
  });

  it("asks each id once", async () => {
    const fake = new FakeEc2(volumes(2));
    await cloudOver(fake).describe([volId(1), volId(1), volId(0)]);
    expect((fake.requests[0]?.input as DescribeVolumesRequest).VolumeIds).toEqual([volId(1), volId(0)]);
  });

  it("describes instances in batches and leaves out unknown ones", async () => {
    const ids = Array.from({ length: 600 }, (_, n) => `i-${n.toString(16).padStart(17, "0")}`);
    const fake = new FakeEc2([], ids.slice(0, 599));
    const cloud = cloudOver(fake);
    const result = await cloud.describeInstances(ids);
    expect(result).toHaveLength(599);
    expect(result[0]).toEqual({ id: ids[0], zone: "us-east-1a", state: "running" });
    expect(cloud.calls.byAction()).toEqual({ DescribeInstances: 3 });
  });

  it("carries an instance's SubnetId when EC2 gives one (where its EFS mount target goes)", () => {
    expect(toCloudInstance({ InstanceId: "i-0a", State: { Name: "running" }, Placement: { AvailabilityZone: "us-east-1a" }, SubnetId: "subnet-0b" }))
      .toEqual({ id: "i-0a", zone: "us-east-1a", state: "running", subnetId: "subnet-0b" });
    expect(toCloudInstance({ InstanceId: "i-0a", State: { Name: "running" }, Placement: { AvailabilityZone: "us-east-1a" } })).not.toHaveProperty("subnetId");
  });
});

describe("helpers", () => {
  it("chunk splits in order", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 500)).toEqual([]);
  });

  it("idsInMessage finds every id EC2 names", () => {
    expect(idsInMessage("The volume 'vol-0a1,vol-0b2' does not exist.", "vol")).toEqual(["vol-0a1", "vol-0b2"]);
    expect(idsInMessage("The instance ID 'i-0abc' does not exist", "i")).toEqual(["i-0abc"]);
  });

  it("toCloudVolume maps sizes, tags and live attachments only", () => {
    expect(toCloudVolume({
      VolumeId: "vol-1", Size: 2, State: "in-use", AvailabilityZone: "us-east-1b",
      Tags: [{ Key: "swarmvol/name", Value: "db" }],
      Attachments: [{ InstanceId: "i-1", Device: "/dev/xvdba", State: "attached" }, { InstanceId: "i-2", Device: "/dev/xvdbb", State: "detached" }],
    })).toEqual({
      id: "vol-1", zone: "us-east-1b", sizeBytes: 2 * 1024 ** 3, state: "in-use",
      attachments: [{ instanceId: "i-1", device: "/dev/xvdba", state: "attached" }], tags: { "swarmvol/name": "db" },
    });
  });

  it("toCloudVolume keeps EC2's AttachTime as the start of an attach still attaching (ADR 0013), only then", () => {
    const at = new Date("2026-12-02T10:00:00.000Z");
    const attachments = toCloudVolume({
      VolumeId: "vol-1", Size: 1, State: "in-use", AvailabilityZone: "z",
      Attachments: [{ InstanceId: "i-1", Device: "/dev/xvdba", State: "attaching", AttachTime: at }, { InstanceId: "i-2", Device: "/dev/xvdbb", State: "detaching", AttachTime: at }],
    }).attachments;
    expect(attachments).toEqual([
      { instanceId: "i-1", device: "/dev/xvdba", state: "attaching", since: at.getTime() },
      { instanceId: "i-2", device: "/dev/xvdbb", state: "detaching" },
    ]);
  });
});
