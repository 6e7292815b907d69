/**
 * One contract for every FileShares: EfsCloud against the emulator, and the recording fake
 * other tests use. The fake is only worth something while it behaves as the real one does.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode, type SwarmvolError } from "../../core/errors.js";
import type { FileShares, FileSystemRequest } from "../../core/fileShares.js";
import { labSubnetId } from "../../lab/cloud/efs/subnets.js";
import { startTestEfs, type TestEfs } from "../../lab/cloud/efs/testing.js";
import { SteppingClock } from "../../lab/cloud/testing.js";
import { EfsCloud } from "../../storage/efs/efsCloud.js";
import { FakeFileShares } from "../fakes/fakeFileShares.js";

let t: TestEfs | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const implementations: Array<[string, () => Promise<FileShares>]> = [
  ["EfsCloud on the emulator", async () => {
    t = await startTestEfs({ faults: { latencyMs: { fileSystemCreate: 3000, accessPointCreate: 1000, mountTargetCreate: 30_000, mountTargetDelete: 5000 } } });
    return new EfsCloud(t.efs, new SteppingClock(t.clock), { random: () => 0.5 });
  }],
  ["FakeFileShares", async () => new FakeFileShares()],
];

const request = (owner: FileSystemRequest["owner"]): FileSystemRequest => ({ owner, performanceMode: "generalPurpose", throughputMode: "bursting", encrypted: false });
const A = { subnetId: labSubnetId("us-east-1a"), zone: "us-east-1a" };
const A2 = { subnetId: "subnet-0aaaaaaaaaaaaaaa2", zone: "us-east-1a" };
const B = { subnetId: labSubnetId("us-east-1b"), zone: "us-east-1b" };
const owner = { uid: 0, gid: 0, mode: "0755" };

const codeOf = (call: Promise<unknown>) => call.then(() => "resolved", (err: SwarmvolError) => err.code);

describe.each(implementations)("FileShares contract: %s", (_, make) => {
  it("finds the same file system, access point and zone mount target on every ensure", async () => {
    const shares = await make();
    const fs = await shares.ensureFileSystem(request({ kind: "pool", pool: "default" }));
    expect((await shares.ensureFileSystem(request({ kind: "pool", pool: "default" }))).id).toBe(fs.id);
    expect((await shares.ensureFileSystem(request({ kind: "dedicated", uid: "u1", name: "x" }))).id).not.toBe(fs.id);
    const ap = await shares.ensureAccessPoint({ fileSystemId: fs.id, uid: "u1", name: "data", owner });
    expect(ap).toMatchObject({ fileSystemId: fs.id, rootPath: "/swarmvol/data", state: "available", tags: { "swarmvol/uid": "u1" } });
    expect((await shares.ensureAccessPoint({ fileSystemId: fs.id, uid: "u1", name: "data", owner })).id).toBe(ap.id);
    const mt = await shares.ensureMountTarget(fs.id, A);
    expect(mt).toMatchObject({ zone: "us-east-1a", state: "available" });
    expect((await shares.ensureMountTarget(fs.id, A2)).id).toBe(mt.id);
    await shares.ensureMountTarget(fs.id, B);
    expect((await shares.listMountTargets(fs.id)).map((m) => m.zone).sort()).toEqual(["us-east-1a", "us-east-1b"]);
    expect((await shares.listAccessPoints(fs.id)).map((a) => a.id)).toEqual([ap.id]);
    expect((await shares.listFileSystems()).map((f) => f.id)).toContain(fs.id);
  });

  it("refuses a mount target on a file system that is not there", async () => {
    const shares = await make();
    expect(await codeOf(shares.ensureMountTarget("fs-0123456789abcdef0", A))).toBe(ErrorCode.NotFound);
    expect(await codeOf(shares.ensureAccessPoint({ fileSystemId: "fs-0123456789abcdef0", uid: "u1", name: "d", owner }))).toBe(ErrorCode.NotFound);
  });

  it("tags and untags an access point (its epoch, its placement), and refuses a gone one", async () => {
    const shares = await make();
    const fs = await shares.ensureFileSystem(request({ kind: "pool", pool: "default" }));
    const ap = await shares.ensureAccessPoint({ fileSystemId: fs.id, uid: "u1", name: "data", owner });
    await shares.tagAccessPoint(ap.id, { "swarmvol/epoch": "3", "swarmvol/at/i-1": "3" });
    await shares.untagAccessPoint(ap.id, ["swarmvol/at/i-1", "swarmvol/at/i-never"]);
    await shares.untagAccessPoint(ap.id, []);
    const [tagged] = await shares.listAccessPoints(fs.id);
    expect(tagged?.tags).toEqual({ "swarmvol/name": "data", "swarmvol/uid": "u1", "swarmvol/epoch": "3" });
    expect(await shares.getAccessPoint(ap.id)).toEqual(tagged);
    await shares.deleteAccessPoint(ap.id, "u1");
    expect(await shares.getAccessPoint(ap.id)).toBeUndefined();
    expect(await codeOf(shares.tagAccessPoint(ap.id, { "swarmvol/epoch": "4" }))).toBe(ErrorCode.NotFound);
  });

  it("deletes only what swarmvol made for that volume, and a gone thing is deleted", async () => {
    const shares = await make();
    const mine = { kind: "dedicated" as const, uid: "u1", name: "data" };
    const fs = await shares.ensureFileSystem(request(mine));
    const ap = await shares.ensureAccessPoint({ fileSystemId: fs.id, uid: "u1", name: "data", owner });
    await shares.ensureMountTarget(fs.id, A);
    expect(await codeOf(shares.deleteAccessPoint(ap.id, "u2"))).toBe(ErrorCode.Unsafe);
    expect(await codeOf(shares.deleteFileSystem(fs.id, mine))).toBe(ErrorCode.InUse);
    expect(await codeOf(shares.deleteFileSystem(fs.id, { kind: "dedicated", uid: "u2", name: "data" }))).toBe(ErrorCode.Unsafe);
    await shares.deleteAccessPoint(ap.id, "u1");
    await shares.deleteAccessPoint(ap.id, "u1");
    await shares.deleteFileSystem(fs.id, mine);
    await shares.deleteFileSystem(fs.id, mine);
    expect(await shares.listMountTargets(fs.id).catch(() => [])).toEqual([]);
    const left = (await shares.listFileSystems()).filter((f) => f.id === fs.id);
    expect(left.every((f) => f.state === "deleting")).toBe(true);
  });
});
