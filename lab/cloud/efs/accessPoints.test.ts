/**
 * The emulator's access point calls through the real @aws-sdk/client-efs: ClientToken
 * idempotency, the root directory really made with its CreationInfo, limits and errors.
 */
import {
  CreateAccessPointCommand, CreateFileSystemCommand, DeleteAccessPointCommand, DescribeAccessPointsCommand, type EFSClient,
} from "@aws-sdk/client-efs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { failure, startTestEfs, type TestEfs } from "./testing.js";

let t: TestEfs;
let efs: EFSClient;
let fsId = "";
beforeEach(async () => {
  t = await startTestEfs({ faults: { latencyMs: { accessPointCreate: 500, fileSystemCreate: 1000 } } });
  efs = t.efs;
  fsId = (await efs.send(new CreateFileSystemCommand({ CreationToken: "pool" }))).FileSystemId!;
  t.clock.advance(1000);
});
afterEach(async () => t.close());

const createAp = (token: string, extra: Record<string, unknown> = {}) =>
  efs.send(new CreateAccessPointCommand({ FileSystemId: fsId, ClientToken: token, ...extra }));
const rooted = {
  PosixUser: { Uid: 1000, Gid: 1000, SecondaryGids: [10] },
  RootDirectory: { Path: "/swarmvol/data", CreationInfo: { OwnerUid: 1000, OwnerGid: 1000, Permissions: "0750" } },
  Tags: [{ Key: "Name", Value: "data" }, { Key: "swarmvol/uid", Value: "u1" }],
};

describe("CreateAccessPoint", () => {
  it("answers 200 creating, then available with its root directory made as CreationInfo says", async () => {
    const out = await createAp("u1", rooted);
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out).toMatchObject({
      ClientToken: "u1", FileSystemId: fsId, LifeCycleState: "creating", Name: "data", OwnerId: "123456789012",
      PosixUser: { Uid: 1000, Gid: 1000, SecondaryGids: [10] },
      RootDirectory: { Path: "/swarmvol/data", CreationInfo: { OwnerUid: 1000, OwnerGid: 1000, Permissions: "0750" } },
    });
    expect(out.AccessPointId).toMatch(/^fsap-[0-9a-f]{17}$/);
    expect(out.AccessPointArn).toBe(`arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/${out.AccessPointId}`);
    expect(t.shares.directories.has(`${fsId}:/swarmvol/data`)).toBe(false);
    t.clock.advance(500);
    const [ap] = (await efs.send(new DescribeAccessPointsCommand({ AccessPointId: out.AccessPointId }))).AccessPoints!;
    expect(ap?.LifeCycleState).toBe("available");
    expect(t.shares.calls.filter((c) => c.op === "createDirectory")).toEqual([
      { op: "createDirectory", fileSystemId: fsId, path: "/swarmvol/data", owner: { uid: 1000, gid: 1000, mode: 0o750 } },
    ]);
  });

  it("without RootDirectory is rooted at / and makes no directory", async () => {
    const out = await createAp("plain");
    expect(out.RootDirectory).toEqual({ Path: "/" });
    t.clock.advance(500);
    await efs.send(new DescribeAccessPointsCommand({}));
    expect(t.shares.ops()).not.toContain("createDirectory");
  });

  it("answers a used ClientToken with 409 AccessPointAlreadyExists naming the existing access point", async () => {
    const first = await createAp("u1", rooted);
    const err = await failure(createAp("u1", rooted));
    expect([err.name, err.$metadata.httpStatusCode, err.AccessPointId]).toEqual(["AccessPointAlreadyExists", 409, first.AccessPointId]);
    expect((await efs.send(new DescribeAccessPointsCommand({ FileSystemId: fsId }))).AccessPoints).toHaveLength(1);
  });

  it("refuses a file system that is not there (404) or not available (409 IncorrectFileSystemLifeCycleState)", async () => {
    const gone = await failure(efs.send(new CreateAccessPointCommand({ FileSystemId: "fs-0123456789abcdef0", ClientToken: "x" })));
    expect([gone.name, gone.$metadata.httpStatusCode]).toEqual(["FileSystemNotFound", 404]);
    const young = (await efs.send(new CreateFileSystemCommand({ CreationToken: "young" }))).FileSystemId;
    const err = await failure(efs.send(new CreateAccessPointCommand({ FileSystemId: young, ClientToken: "y" })));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(["IncorrectFileSystemLifeCycleState", 409]);
  });

  it("answers 403 AccessPointLimitExceeded past the per-file-system limit", async () => {
    t.cloud.setFaults({ accessPointLimit: 2 });
    await createAp("a");
    await createAp("b");
    const err = await failure(createAp("c"));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(["AccessPointLimitExceeded", 403]);
  });

  it.each([
    ["a path with five levels", { RootDirectory: { Path: "/a/b/c/d/e" } }],
    ["a relative path", { RootDirectory: { Path: "swarmvol" } }],
    ["a component starting with a dot", { RootDirectory: { Path: "/swarmvol/.hidden" } }],
    ["permissions that are not octal", { RootDirectory: { Path: "/x", CreationInfo: { OwnerUid: 0, OwnerGid: 0, Permissions: "rwx" } } }],
    ["a negative uid", { PosixUser: { Uid: -1, Gid: 0 } }],
  ])("refuses %s with 400 BadRequest", async (_, extra) => {
    const err = await failure(createAp("bad", extra));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(["BadRequest", 400]);
  });
});

describe("DescribeAccessPoints and DeleteAccessPoint", () => {
  it("finds by id or file system; unknown ones are AccessPointNotFound / FileSystemNotFound; both at once is BadRequest", async () => {
    const ap = await createAp("u1", rooted);
    await createAp("u2");
    expect((await efs.send(new DescribeAccessPointsCommand({ FileSystemId: fsId }))).AccessPoints).toHaveLength(2);
    const page = await efs.send(new DescribeAccessPointsCommand({ FileSystemId: fsId, MaxResults: 1 }));
    expect(page.AccessPoints).toHaveLength(1);
    expect((await efs.send(new DescribeAccessPointsCommand({ FileSystemId: fsId, NextToken: page.NextToken }))).AccessPoints).toHaveLength(1);
    const noAp = await failure(efs.send(new DescribeAccessPointsCommand({ AccessPointId: "fsap-0123456789abcdef0" })));
    expect([noAp.name, noAp.$metadata.httpStatusCode]).toEqual(["AccessPointNotFound", 404]);
    const noFs = await failure(efs.send(new DescribeAccessPointsCommand({ FileSystemId: "fs-0123456789abcdef0" })));
    expect(noFs.name).toBe("FileSystemNotFound");
    const both = await failure(efs.send(new DescribeAccessPointsCommand({ FileSystemId: fsId, AccessPointId: ap.AccessPointId })));
    expect(both.name).toBe("BadRequest");
  });

  it("deletes with 204, keeping the directory's data; a second delete is 404 AccessPointNotFound", async () => {
    const ap = await createAp("u1", rooted);
    t.clock.advance(500);
    const out = await efs.send(new DeleteAccessPointCommand({ AccessPointId: ap.AccessPointId }));
    expect(out.$metadata.httpStatusCode).toBe(204);
    expect(t.shares.directories.has(`${fsId}:/swarmvol/data`)).toBe(true);
    const err = await failure(efs.send(new DeleteAccessPointCommand({ AccessPointId: ap.AccessPointId })));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(["AccessPointNotFound", 404]);
    expect((await createAp("u1", rooted)).AccessPointId).not.toBe(ap.AccessPointId);
  });
});
