/**
 * The emulator's file system calls through the real @aws-sdk/client-efs over HTTP: statuses,
 * lifecycle, idempotency by CreationToken and every error code the calls can answer.
 */
import {
  CreateFileSystemCommand, CreateMountTargetCommand, DeleteFileSystemCommand, DescribeFileSystemsCommand, type EFSClient,
} from "@aws-sdk/client-efs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { labSubnetId } from "./subnets.js";
import { failure, startTestEfs, type TestEfs } from "./testing.js";

let t: TestEfs;
let efs: EFSClient;
beforeEach(async () => {
  t = await startTestEfs({ faults: { latencyMs: { fileSystemCreate: 2000, fileSystemDelete: 1000 } } });
  efs = t.efs;
});
afterEach(async () => t.close());

const create = (token: string, extra: Record<string, unknown> = {}) =>
  efs.send(new CreateFileSystemCommand({ CreationToken: token, ...extra }));
const describeOne = async (id: string) => (await efs.send(new DescribeFileSystemsCommand({ FileSystemId: id }))).FileSystems?.[0];

describe("CreateFileSystem", () => {
  it("answers 201 creating with the request's modes and tags, then becomes available after its latency", async () => {
    const out = await create("tok-1", {
      PerformanceMode: "maxIO", ThroughputMode: "provisioned", ProvisionedThroughputInMibps: 64, Encrypted: true,
      Tags: [{ Key: "Name", Value: "pool" }, { Key: "swarmvol/pool", Value: "default" }],
    });
    expect(out.$metadata.httpStatusCode).toBe(201);
    expect(out).toMatchObject({
      CreationToken: "tok-1", LifeCycleState: "creating", PerformanceMode: "maxIO", ThroughputMode: "provisioned",
      ProvisionedThroughputInMibps: 64, Encrypted: true, Name: "pool", NumberOfMountTargets: 0, OwnerId: "123456789012",
      Tags: [{ Key: "Name", Value: "pool" }, { Key: "swarmvol/pool", Value: "default" }],
    });
    expect(out.FileSystemId).toMatch(/^fs-0[0-9a-f]{16}$/);
    expect(out.FileSystemArn).toBe(`arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/${out.FileSystemId}`);
    expect(out.KmsKeyId).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//);
    expect(out.CreationTime).toEqual(new Date(t.clock.now()));
    t.clock.advance(1999);
    expect((await describeOne(out.FileSystemId!))?.LifeCycleState).toBe("creating");
    t.clock.advance(1);
    expect((await describeOne(out.FileSystemId!))?.LifeCycleState).toBe("available");
    expect(t.shares.calls).toEqual([{ op: "createFileSystem", fileSystemId: out.FileSystemId }]);
  });

  it("defaults to generalPurpose and bursting, unencrypted", async () => {
    const out = await create("tok-defaults");
    expect(out).toMatchObject({ PerformanceMode: "generalPurpose", ThroughputMode: "bursting", Encrypted: false });
    expect(out.KmsKeyId).toBeUndefined();
  });

  it("answers a used CreationToken with 409 FileSystemAlreadyExists naming the existing id, whatever the other parameters", async () => {
    const first = await create("tok-2");
    const err = await failure(create("tok-2", { PerformanceMode: "maxIO" }));
    expect(err.name).toBe("FileSystemAlreadyExists");
    expect(err.$metadata.httpStatusCode).toBe(409);
    expect(err.FileSystemId).toBe(first.FileSystemId);
    expect(err.ErrorCode).toBe("FileSystemAlreadyExists");
    expect((await efs.send(new DescribeFileSystemsCommand({}))).FileSystems).toHaveLength(1);
  });

  it.each([
    ["provisioned throughput without a figure", { ThroughputMode: "provisioned" }],
    ["a figure without provisioned throughput", { ProvisionedThroughputInMibps: 10 }],
    ["a KMS key without encryption", { KmsKeyId: "alias/x" }],
    ["an unknown performance mode", { PerformanceMode: "turbo" }],
    ["maxIO with elastic throughput", { PerformanceMode: "maxIO", ThroughputMode: "elastic" }],
    ["51 tags", { Tags: Array.from({ length: 51 }, (_, n) => ({ Key: `k${n}`, Value: "v" })) }],
  ])("refuses %s with 400 BadRequest", async (_, extra) => {
    const err = await failure(create("tok-bad", extra));
    expect(err.name).toBe("BadRequest");
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it("refuses an unknown One Zone availability zone with UnsupportedAvailabilityZone", async () => {
    const err = await failure(create("tok-az", { AvailabilityZoneName: "eu-west-9z" }));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(["UnsupportedAvailabilityZone", 400]);
    const oneZone = await create("tok-az2", { AvailabilityZoneName: "us-east-1b" });
    expect(oneZone).toMatchObject({ AvailabilityZoneName: "us-east-1b", AvailabilityZoneId: "use1-az2" });
  });

  it("answers 403 FileSystemLimitExceeded past the account's limit", async () => {
    t.cloud.setFaults({ fileSystemLimit: 1 });
    await create("tok-a");
    const err = await failure(create("tok-b"));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(["FileSystemLimitExceeded", 403]);
  });
});

describe("DescribeFileSystems", () => {
  it("finds by id and by CreationToken; an unknown id is 404 FileSystemNotFound, an unknown token an empty list", async () => {
    const a = await create("tok-a");
    await create("tok-b");
    expect((await efs.send(new DescribeFileSystemsCommand({ CreationToken: "tok-b" }))).FileSystems?.map((f) => f.CreationToken)).toEqual(["tok-b"]);
    expect((await describeOne(a.FileSystemId!))?.CreationToken).toBe("tok-a");
    expect((await efs.send(new DescribeFileSystemsCommand({ CreationToken: "nobody" }))).FileSystems).toEqual([]);
    const err = await failure(efs.send(new DescribeFileSystemsCommand({ FileSystemId: "fs-0123456789abcdef0" })));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(["FileSystemNotFound", 404]);
  });

  it("pages with MaxItems and NextMarker; a forged marker is BadRequest", async () => {
    for (const n of [1, 2, 3]) await create(`tok-${n}`);
    const first = await efs.send(new DescribeFileSystemsCommand({ MaxItems: 2 }));
    expect(first.FileSystems).toHaveLength(2);
    expect(first.NextMarker).toBeDefined();
    const second = await efs.send(new DescribeFileSystemsCommand({ MaxItems: 2, Marker: first.NextMarker }));
    expect(second.FileSystems).toHaveLength(1);
    expect(second.Marker).toBe(first.NextMarker);
    expect(second.NextMarker).toBeUndefined();
    expect(new Set([...first.FileSystems!, ...second.FileSystems!].map((f) => f.CreationToken))).toEqual(new Set(["tok-1", "tok-2", "tok-3"]));
    expect((await failure(efs.send(new DescribeFileSystemsCommand({ Marker: "forged" })))).name).toBe("BadRequest");
  });
});

describe("DeleteFileSystem", () => {
  it("answers 204, is deleting for its latency, then gone with its directory; a second delete meanwhile is 204 too", async () => {
    const fs = await create("tok-del");
    t.clock.advance(2000);
    const out = await efs.send(new DeleteFileSystemCommand({ FileSystemId: fs.FileSystemId }));
    expect(out.$metadata.httpStatusCode).toBe(204);
    expect((await describeOne(fs.FileSystemId!))?.LifeCycleState).toBe("deleting");
    expect((await efs.send(new DeleteFileSystemCommand({ FileSystemId: fs.FileSystemId }))).$metadata.httpStatusCode).toBe(204);
    t.clock.advance(1000);
    expect((await failure(describeOne(fs.FileSystemId!))).name).toBe("FileSystemNotFound");
    expect(t.shares.ops()).toEqual(["createFileSystem", "deleteFileSystem"]);
    const again = await failure(efs.send(new DeleteFileSystemCommand({ FileSystemId: fs.FileSystemId })));
    expect([again.name, again.$metadata.httpStatusCode]).toEqual(["FileSystemNotFound", 404]);
    expect((await create("tok-del")).FileSystemId).not.toBe(fs.FileSystemId);
  });

  it("refuses with 409 FileSystemInUse while a mount target exists", async () => {
    const fs = await create("tok-inuse");
    t.clock.advance(2000);
    await efs.send(new CreateMountTargetCommand({ FileSystemId: fs.FileSystemId, SubnetId: labSubnetId("us-east-1a") }));
    const err = await failure(efs.send(new DeleteFileSystemCommand({ FileSystemId: fs.FileSystemId })));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(["FileSystemInUse", 409]);
    expect((await describeOne(fs.FileSystemId!))?.NumberOfMountTargets).toBe(1);
  });
});
