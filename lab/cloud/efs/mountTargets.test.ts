/**
 * The emulator's mount target calls through the real @aws-sdk/client-efs: one per zone,
 * addresses from the subnet, lifecycle, the file system's count, and every error code.
 */
import {
  CreateAccessPointCommand, CreateFileSystemCommand, CreateMountTargetCommand, DeleteMountTargetCommand,
  DescribeFileSystemsCommand, DescribeMountTargetsCommand, type EFSClient,
} from "@aws-sdk/client-efs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultSubnets, labSubnetId, labVpcId } from "./subnets.js";
import { failure, startTestEfs, type TestEfs } from "./testing.js";

const A = labSubnetId("us-east-1a");
const B = labSubnetId("us-east-1b");
/** A second subnet in us-east-1a, to show the rule is one per zone, not per subnet. */
const A2 = "subnet-0aaaaaaaaaaaaaaa2";

let t: TestEfs;
let efs: EFSClient;
let fsId = "";
beforeEach(async () => {
  t = await startTestEfs({
    faults: { latencyMs: { mountTargetCreate: 30_000, mountTargetDelete: 10_000 } },
    subnets: [...defaultSubnets(["us-east-1a", "us-east-1b"]), { subnetId: A2, zone: "us-east-1a", cidr: "172.31.200.0/24", vpcId: labVpcId }],
  });
  efs = t.efs;
  fsId = (await efs.send(new CreateFileSystemCommand({ CreationToken: "pool" }))).FileSystemId!;
});
afterEach(async () => t.close());

const createMt = (subnetId: string, extra: Record<string, unknown> = {}) =>
  efs.send(new CreateMountTargetCommand({ FileSystemId: fsId, SubnetId: subnetId, ...extra }));
const targets = async () => (await efs.send(new DescribeMountTargetsCommand({ FileSystemId: fsId }))).MountTargets ?? [];

describe("CreateMountTarget", () => {
  it("answers 200 creating with an address of its subnet, then available after its latency", async () => {
    const out = await createMt(A);
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out).toMatchObject({
      FileSystemId: fsId, SubnetId: A, LifeCycleState: "creating", AvailabilityZoneName: "us-east-1a",
      AvailabilityZoneId: "use1-az1", VpcId: labVpcId, IpAddress: "172.31.0.4", OwnerId: "123456789012",
    });
    expect(out.MountTargetId).toMatch(/^fsmt-0[0-9a-f]{16}$/);
    expect(out.NetworkInterfaceId).toMatch(/^eni-0[0-9a-f]{16}$/);
    t.clock.advance(30_000);
    expect((await targets()).map((m) => m.LifeCycleState)).toEqual(["available"]);
    const fs = (await efs.send(new DescribeFileSystemsCommand({ FileSystemId: fsId }))).FileSystems?.[0];
    expect(fs?.NumberOfMountTargets).toBe(1);
  });

  it("allows one per availability zone: the same zone again is 409 MountTargetConflict, another zone is fine", async () => {
    await createMt(A);
    for (const subnet of [A, A2]) {
      const err = await failure(createMt(subnet));
      expect([err.name, err.$metadata.httpStatusCode]).toEqual(["MountTargetConflict", 409]);
    }
    await createMt(B);
    expect((await targets()).map((m) => m.AvailabilityZoneName).sort()).toEqual(["us-east-1a", "us-east-1b"]);
  });

  it("takes an asked address in the subnet; one in use is 409 IpAddressInUse, one outside is BadRequest", async () => {
    const other = (await efs.send(new CreateFileSystemCommand({ CreationToken: "other" }))).FileSystemId!;
    expect((await createMt(A, { IpAddress: "172.31.0.99" })).IpAddress).toBe("172.31.0.99");
    const inUse = await failure(efs.send(new CreateMountTargetCommand({ FileSystemId: other, SubnetId: A, IpAddress: "172.31.0.99" })));
    expect([inUse.name, inUse.$metadata.httpStatusCode]).toEqual(["IpAddressInUse", 409]);
    const outside = await failure(createMt(B, { IpAddress: "10.0.0.5" }));
    expect(outside.name).toBe("BadRequest");
    expect((await efs.send(new CreateMountTargetCommand({ FileSystemId: other, SubnetId: A }))).IpAddress).toBe("172.31.0.4");
  });

  it.each([
    ["an unknown subnet", { SubnetId: "subnet-0123456789abcdef0" }, "SubnetNotFound", 400],
    ["six security groups", { SecurityGroups: ["sg-00000001", "sg-00000002", "sg-00000003", "sg-00000004", "sg-00000005", "sg-00000006"] }, "SecurityGroupLimitExceeded", 400],
    ["a malformed security group", { SecurityGroups: ["default"] }, "SecurityGroupNotFound", 400],
    ["an unknown file system", { FileSystemId: "fs-0123456789abcdef0" }, "FileSystemNotFound", 404],
  ])("refuses %s", async (_, extra, code, status) => {
    const err = await failure(createMt(A, extra));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual([code, status]);
  });

  it("refuses a file system still creating (IncorrectFileSystemLifeCycleState) and a One Zone one elsewhere (AvailabilityZonesMismatch)", async () => {
    t.cloud.setFaults({ latencyMs: { fileSystemCreate: 5000 } });
    const young = (await efs.send(new CreateFileSystemCommand({ CreationToken: "young" }))).FileSystemId!;
    const e1 = await failure(efs.send(new CreateMountTargetCommand({ FileSystemId: young, SubnetId: A })));
    expect([e1.name, e1.$metadata.httpStatusCode]).toEqual(["IncorrectFileSystemLifeCycleState", 409]);
    t.cloud.setFaults({ latencyMs: { fileSystemCreate: 0 } });
    const oneZone = (await efs.send(new CreateFileSystemCommand({ CreationToken: "oz", AvailabilityZoneName: "us-east-1b" }))).FileSystemId!;
    await efs.send(new DescribeFileSystemsCommand({}));
    const e2 = await failure(efs.send(new CreateMountTargetCommand({ FileSystemId: oneZone, SubnetId: A })));
    expect([e2.name, e2.$metadata.httpStatusCode]).toEqual(["AvailabilityZonesMismatch", 400]);
  });
});

describe("DescribeMountTargets and DeleteMountTarget", () => {
  it("finds by file system, by id and by access point; needs exactly one of them", async () => {
    const mt = await createMt(A);
    const ap = await efs.send(new CreateAccessPointCommand({ FileSystemId: fsId, ClientToken: "u1" }));
    const byId = await efs.send(new DescribeMountTargetsCommand({ MountTargetId: mt.MountTargetId }));
    const byAp = await efs.send(new DescribeMountTargetsCommand({ AccessPointId: ap.AccessPointId }));
    expect(byId.MountTargets?.map((m) => m.MountTargetId)).toEqual([mt.MountTargetId]);
    expect(byAp.MountTargets?.map((m) => m.MountTargetId)).toEqual([mt.MountTargetId]);
    expect((await failure(efs.send(new DescribeMountTargetsCommand({})))).name).toBe("BadRequest");
    expect((await failure(efs.send(new DescribeMountTargetsCommand({ FileSystemId: fsId, MountTargetId: mt.MountTargetId })))).name).toBe("BadRequest");
    const cases: Array<[Record<string, string>, string]> = [
      [{ MountTargetId: "fsmt-0123456789abcdef0" }, "MountTargetNotFound"],
      [{ FileSystemId: "fs-0123456789abcdef0" }, "FileSystemNotFound"],
      [{ AccessPointId: "fsap-0123456789abcdef0" }, "AccessPointNotFound"],
    ];
    for (const [input, code] of cases) {
      const err = await failure(efs.send(new DescribeMountTargetsCommand(input)));
      expect([err.name, err.$metadata.httpStatusCode]).toEqual([code, 404]);
    }
  });

  it("pages with MaxItems (default 10) and NextMarker", async () => {
    await createMt(A);
    await createMt(B);
    const first = await efs.send(new DescribeMountTargetsCommand({ FileSystemId: fsId, MaxItems: 1 }));
    expect(first.MountTargets).toHaveLength(1);
    const second = await efs.send(new DescribeMountTargetsCommand({ FileSystemId: fsId, MaxItems: 1, Marker: first.NextMarker }));
    expect(second.MountTargets?.[0]?.MountTargetId).not.toBe(first.MountTargets?.[0]?.MountTargetId);
    expect(second.NextMarker).toBeUndefined();
  });

  it("deletes with 204: deleting for its latency (still counted), then gone; then 404 MountTargetNotFound", async () => {
    const mt = await createMt(A);
    t.clock.advance(30_000);
    expect((await efs.send(new DeleteMountTargetCommand({ MountTargetId: mt.MountTargetId }))).$metadata.httpStatusCode).toBe(204);
    expect((await targets()).map((m) => m.LifeCycleState)).toEqual(["deleting"]);
    t.clock.advance(10_000);
    expect(await targets()).toEqual([]);
    const err = await failure(efs.send(new DeleteMountTargetCommand({ MountTargetId: mt.MountTargetId })));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(["MountTargetNotFound", 404]);
    expect((await createMt(A)).LifeCycleState).toBe("creating");
  });
});
