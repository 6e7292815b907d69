/**
 * Every EFS call swarmvol makes, through EfsCloud and the real @aws-sdk/client-efs, against
 * the emulator over HTTP with AWS-like latencies on virtual time: success, reuse, and each
 * error code mapped to a swarmvol code (issue 12, Done when 1).
 */
import { CreateAccessPointCommand, CreateFileSystemCommand, DescribeFileSystemsCommand } from "@aws-sdk/client-efs";
import { afterEach, describe, expect, it } from "vitest";
import { labSubnetId } from "../../lab/cloud/efs/subnets.js";
import { startTestEfs, type TestEfs, type TestEfsOptions } from "../../lab/cloud/efs/testing.js";
import { SteppingClock } from "../../lab/cloud/testing.js";
import { ErrorCode, type SwarmvolError } from "../../core/errors.js";
import type { FileSystemRequest } from "../../core/fileShares.js";
import { EfsCloud, type EfsCloudOptions } from "./efsCloud.js";

const latencies = { fileSystemCreate: 3000, accessPointCreate: 1000, mountTargetCreate: 30_000, mountTargetDelete: 10_000, fileSystemDelete: 2000 };
const pool: FileSystemRequest = { owner: { kind: "pool", pool: "default" }, performanceMode: "generalPurpose", throughputMode: "elastic", encrypted: true };
const owner = { uid: 1000, gid: 1000, mode: "0750" };
const A = { subnetId: labSubnetId("us-east-1a"), zone: "us-east-1a" };
const B = { subnetId: labSubnetId("us-east-1b"), zone: "us-east-1b" };

let t: TestEfs | undefined;
afterEach(async () => t?.close());

async function setup(options: TestEfsOptions = {}, cloudOptions: EfsCloudOptions = {}) {
  t = await startTestEfs({ ...options, faults: { ...options.faults, latencyMs: { ...latencies, ...options.faults?.latencyMs } } });
  const shares = new EfsCloud(t.efs, new SteppingClock(t.clock), { random: () => 0.5, ...cloudOptions });
  return { t, shares };
}

async function rejection(call: Promise<unknown>): Promise<SwarmvolError> {
  try {
    await call;
  } catch (err) {
    return err as SwarmvolError;
  }
  throw new Error("expected a rejection");
}

const state = () => t!.cloud.engine.state.efs;

describe("ensureFileSystem", () => {
  it("creates the pool with its token, modes and tags, waits until available, and finds it again with one Describe", async () => {
    const { shares } = await setup();
    const fs = await shares.ensureFileSystem(pool);
    expect(fs).toMatchObject({ state: "available", creationToken: expect.stringMatching(/^swarmvol-pool-/), tags: { "swarmvol/share": "pool/default" } });
    expect(state().fileSystems[fs.id]).toMatchObject({ throughputMode: "elastic", encrypted: true, performanceMode: "generalPurpose" });
    shares.calls.reset();
    expect((await shares.ensureFileSystem(pool)).id).toBe(fs.id);
    expect(shares.calls.byAction()).toEqual({ DescribeFileSystems: 1 });
  });

  it("gives a dedicated volume its own file system, tagged with its name and uid", async () => {
    const { shares } = await setup();
    const a = await shares.ensureFileSystem({ ...pool, owner: { kind: "dedicated", uid: "u1", name: "data" } });
    const b = await shares.ensureFileSystem(pool);
    expect(a.id).not.toBe(b.id);
    expect(a.tags).toEqual({ "swarmvol/share": "volume", "swarmvol/name": "data", "swarmvol/uid": "u1" });
  });

  it("retries a throttled or failed create with the same token, and adopts what a lost answer made", async () => {
    const { shares } = await setup({ faults: { throttleNext: 1, actions: ["CreateFileSystem"] } });
    await shares.ensureFileSystem(pool);
    expect(shares.calls.byAction().CreateFileSystem).toBe(2);
    t!.cloud.setFaults({ lostResponseNext: 1, lostResponseMode: "drop", actions: ["CreateFileSystem"] });
    const dedicated = await shares.ensureFileSystem({ ...pool, owner: { kind: "dedicated", uid: "u9", name: "x" } });
    expect(Object.keys(state().fileSystems)).toHaveLength(2);
    expect(dedicated.state).toBe("available");
  });

  it.each([
    ["BadRequest", { ...pool, throughputMode: "provisioned" as const }, {}, ErrorCode.InvalidArgument],
    ["FileSystemLimitExceeded", pool, { fileSystemLimit: 0 }, ErrorCode.LimitExceeded],
  ])("maps %s to its code", async (awsCode, request, faults, code) => {
    const { shares } = await setup({ faults });
    const err = await rejection(shares.ensureFileSystem(request));
    expect([err.code, err.details.awsCode]).toEqual([code, awsCode]);
  });

  it("maps an exhausted retry to UNAVAILABLE and a file system in the error state to INTERNAL", async () => {
    const { shares } = await setup({ faults: { serverErrorNext: 10, actions: ["DescribeFileSystems"] } }, { retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 10 } });
    const err = await rejection(shares.ensureFileSystem(pool));
    expect([err.code, err.details.awsCode, err.retryable]).toEqual([ErrorCode.Unavailable, "InternalServerError", true]);
    t!.cloud.setFaults({ serverErrorNext: 0 });
    t!.shares.failNext = "createFileSystem";
    expect((await rejection(shares.ensureFileSystem(pool))).code).toBe(ErrorCode.Internal);
  });
});

describe("ensureAccessPoint", () => {
  it("roots the volume at /swarmvol/<name> with its owner and user, and a retry finds the same one", async () => {
    const { shares } = await setup();
    const fs = await shares.ensureFileSystem(pool);
    const request = { fileSystemId: fs.id, uid: "u1", name: "jenkins_home", owner, posixUser: { uid: 1000, gid: 1000 } };
    const ap = await shares.ensureAccessPoint(request);
    expect(ap).toMatchObject({ state: "available", rootPath: "/swarmvol/jenkins_home", tags: { "swarmvol/uid": "u1", "swarmvol/name": "jenkins_home", "swarmvol/epoch": "0" } });
    expect(state().accessPoints[ap.id]).toMatchObject({ posixUser: { uid: 1000, gid: 1000 }, creationInfo: { ownerUid: 1000, ownerGid: 1000, permissions: "0750" } });
    expect(t!.shares.directories.has(`${fs.id}:/swarmvol/jenkins_home`)).toBe(true);
    shares.calls.reset();
    expect((await shares.ensureAccessPoint(request)).id).toBe(ap.id);
    expect(shares.calls.byAction()).toEqual({ CreateAccessPoint: 1, DescribeAccessPoints: 1 });
    expect(Object.keys(state().accessPoints)).toHaveLength(1);
  });

  it("maps FileSystemNotFound, IncorrectFileSystemLifeCycleState and AccessPointLimitExceeded; refuses a token found on another file system", async () => {
    const { t, shares } = await setup();
    const fs = await shares.ensureFileSystem(pool);
    const ask = (fileSystemId: string, uid = "u1") => shares.ensureAccessPoint({ fileSystemId, uid, name: "d", owner });
    const missing = await rejection(ask("fs-0123456789abcdef0"));
    expect([missing.code, missing.details.awsCode]).toEqual([ErrorCode.NotFound, "FileSystemNotFound"]);
    const young = (await t.efs.send(new CreateFileSystemCommand({ CreationToken: "young" }))).FileSystemId!;
    const notYet = await rejection(ask(young));
    expect([notYet.code, notYet.details.awsCode, notYet.retryable]).toEqual([ErrorCode.Conflict, "IncorrectFileSystemLifeCycleState", true]);
    t.cloud.setFaults({ accessPointLimit: 0 });
    expect((await rejection(ask(fs.id))).code).toBe(ErrorCode.LimitExceeded);
    t.cloud.setFaults({ accessPointLimit: 10 });
    await ask(fs.id, "u2");
    t.clock.advance(3000);
    await t.efs.send(new DescribeFileSystemsCommand({}));
    expect((await rejection(ask(young, "u2"))).code).toBe(ErrorCode.Conflict);
  });
});

describe("ensureMountTarget", () => {
  it("makes one per zone on first use, waits for it, and reuses it from any subnet of the zone", async () => {
    const { shares } = await setup();
    const fs = await shares.ensureFileSystem(pool);
    const before = t!.clock.now();
    const mt = await shares.ensureMountTarget(fs.id, A);
    expect(t!.clock.now() - before).toBeGreaterThanOrEqual(30_000);
    expect(mt).toMatchObject({ state: "available", zone: "us-east-1a", subnetId: A.subnetId, ipAddress: "172.31.0.4" });
    shares.calls.reset();
    expect((await shares.ensureMountTarget(fs.id, { subnetId: "subnet-0other00000000001", zone: "us-east-1a" })).id).toBe(mt.id);
    expect(shares.calls.byAction()).toEqual({ DescribeMountTargets: 1 });
    await shares.ensureMountTarget(fs.id, B);
    expect(Object.values(state().mountTargets).map((m) => m.zone).sort()).toEqual(["us-east-1a", "us-east-1b"]);
  });

  it("adopts the mount target a lost answer made (MountTargetConflict on the retry), and passes security groups", async () => {
    const { shares } = await setup({ faults: { lostResponseNext: 1, lostResponseMode: "error", actions: ["CreateMountTarget"] } }, { securityGroups: ["sg-0123456789abcdef0"] });
    const fs = await shares.ensureFileSystem(pool);
    const mt = await shares.ensureMountTarget(fs.id, A);
    expect(shares.calls.byAction().CreateMountTarget).toBe(2);
    expect(Object.values(state().mountTargets)).toEqual([expect.objectContaining({ mountTargetId: mt.id, securityGroups: ["sg-0123456789abcdef0"] })]);
  });

  it("maps SubnetNotFound and SecurityGroupNotFound to INVALID_ARGUMENT naming the settings", async () => {
    const { shares } = await setup({}, { securityGroups: ["default"] });
    const fs = await shares.ensureFileSystem(pool);
    const badGroup = await rejection(shares.ensureMountTarget(fs.id, A));
    expect([badGroup.code, badGroup.details.awsCode]).toEqual([ErrorCode.InvalidArgument, "SecurityGroupNotFound"]);
    const plain = new EfsCloud(t!.efs, new SteppingClock(t!.clock));
    const err = await rejection(plain.ensureMountTarget(fs.id, { subnetId: "subnet-0123456789abcdef0", zone: "us-east-1a" }));
    expect([err.code, err.details.awsCode]).toEqual([ErrorCode.InvalidArgument, "SubnetNotFound"]);
    expect(err.message).toMatch(/EFS subnet, security group and zone settings/);
  });
});

describe("lists and deletes", () => {
  it("lists only swarmvol's file systems, and the access points and mount targets of one", async () => {
    const { t, shares } = await setup();
    const fs = await shares.ensureFileSystem(pool);
    await t.efs.send(new CreateFileSystemCommand({ CreationToken: "someone-elses" }));
    await shares.ensureAccessPoint({ fileSystemId: fs.id, uid: "u1", name: "a", owner });
    await shares.ensureMountTarget(fs.id, A);
    expect((await shares.listFileSystems()).map((f) => f.id)).toEqual([fs.id]);
    expect((await shares.listAccessPoints(fs.id)).map((a) => a.rootPath)).toEqual(["/swarmvol/a"]);
    expect((await shares.listMountTargets(fs.id)).map((m) => m.zone)).toEqual(["us-east-1a"]);
  });

  it("deletes an access point only for its uid, and treats a gone one as deleted", async () => {
    const { t, shares } = await setup();
    const fs = await shares.ensureFileSystem(pool);
    const ap = await shares.ensureAccessPoint({ fileSystemId: fs.id, uid: "u1", name: "a", owner });
    const foreign = (await t.efs.send(new CreateAccessPointCommand({ FileSystemId: fs.id, ClientToken: "foreign" }))).AccessPointId!;
    expect((await rejection(shares.deleteAccessPoint(ap.id, "u2"))).code).toBe(ErrorCode.Unsafe);
    expect((await rejection(shares.deleteAccessPoint(foreign, "u1"))).code).toBe(ErrorCode.Unsafe);
    await shares.deleteAccessPoint(ap.id, "u1");
    await shares.deleteAccessPoint(ap.id, "u1");
    expect(Object.keys(state().accessPoints)).toEqual([foreign]);
  });

  it("deletes a file system it made, mount targets first; refuses one with access points or not its own", async () => {
    const { t, shares } = await setup();
    const dedicated = { kind: "dedicated" as const, uid: "u1", name: "data" };
    const fs = await shares.ensureFileSystem({ ...pool, owner: dedicated });
    const ap = await shares.ensureAccessPoint({ fileSystemId: fs.id, uid: "u1", name: "data", owner });
    await shares.ensureMountTarget(fs.id, A);
    await shares.ensureMountTarget(fs.id, B);
    expect((await rejection(shares.deleteFileSystem(fs.id, dedicated))).code).toBe(ErrorCode.InUse);
    expect((await rejection(shares.deleteFileSystem(fs.id, { kind: "pool", pool: "default" }))).code).toBe(ErrorCode.Unsafe);
    await shares.deleteAccessPoint(ap.id, "u1");
    await shares.deleteFileSystem(fs.id, dedicated);
    expect(state().mountTargets).toEqual({});
    expect(state().fileSystems[fs.id]?.state).toBe("deleting");
    t.clock.advance(2000);
    await shares.deleteFileSystem(fs.id, dedicated);
    expect(state().fileSystems).toEqual({});
  });
});
