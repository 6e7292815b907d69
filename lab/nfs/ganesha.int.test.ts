/**
 * The emulator's EFS file systems over real NFSv4: nfs-ganesha on loopback serving them, the
 * real @aws-sdk/client-efs making them, Debian's userspace NFS client reading and writing
 * them. Needs root and `nfs-ganesha nfs-ganesha-vfs libnfs-utils`; skips with a printed
 * reason outside CI, never under CI=true.
 */
import {
  CreateAccessPointCommand, CreateFileSystemCommand, CreateMountTargetCommand, DeleteMountTargetCommand,
  DescribeFileSystemsCommand, DescribeMountTargetsCommand, EFSClient,
} from "@aws-sdk/client-efs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { shouldSkip } from "../../test/support/requirements.js";
import { labSubnetId } from "../cloud/efs/subnets.js";
import { instantLatencies, startCloud, type RunningCloud } from "../cloud/index.js";
import { labInstances } from "../cloud/testing.js";
import { nfsCat, nfsCp, nfsLs, nfsUrl } from "./libnfs.js";

const skip = shouldSkip("lab/nfs ganesha", ["ganesha.nfsd", "nfs-ls", "nfs-cat", "nfs-cp"], "nfs-ganesha nfs-ganesha-vfs libnfs-utils");

describe.skipIf(skip)("EFS file systems served by nfs-ganesha", () => {
  let dir = "";
  let cloud: RunningCloud;
  let efs: EFSClient;
  let fsId = "";
  let apId = "";
  let mtId = "";
  const url = (path: string) => nfsUrl(cloud.nfs!.host, cloud.nfs!.port, path);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "svlab-nfs-"));
    cloud = await startCloud({ instances: labInstances, dataDir: dir, nfs: { host: "127.0.0.1", port: 0 }, faults: { latencyMs: instantLatencies } });
    efs = new EFSClient({ endpoint: cloud.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" }, maxAttempts: 1 });
    fsId = (await efs.send(new CreateFileSystemCommand({ CreationToken: "pool" }))).FileSystemId!;
    await efs.send(new DescribeFileSystemsCommand({}));
    apId = (await efs.send(new CreateAccessPointCommand({
      FileSystemId: fsId, ClientToken: "u1", PosixUser: { Uid: 1000, Gid: 1001 },
      RootDirectory: { Path: "/swarmvol/data", CreationInfo: { OwnerUid: 1000, OwnerGid: 1001, Permissions: "0750" } },
    }))).AccessPointId!;
    mtId = (await efs.send(new CreateMountTargetCommand({ FileSystemId: fsId, SubnetId: labSubnetId("us-east-1a") }))).MountTargetId!;
    const [mt] = (await efs.send(new DescribeMountTargetsCommand({ FileSystemId: fsId }))).MountTargets!;
    expect(mt).toMatchObject({ LifeCycleState: "available", IpAddress: "127.0.0.1" });
  });

  afterAll(async () => {
    efs?.destroy();
    await cloud?.close();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("made the access point's root directory with its CreationInfo owner and mode", async () => {
    const s = await stat(join(dir, "efs", fsId, "swarmvol", "data"));
    expect([s.uid, s.gid, s.mode & 0o777]).toEqual([1000, 1001, 0o750]);
  });

  it("reads back over NFS a file written into the access point's directory (what the lab's bind mount writes)", async () => {
    await writeFile(join(dir, "efs", fsId, "swarmvol", "data", "hello.txt"), "written by a container\n");
    expect(await nfsCat(url(`/${apId}/hello.txt`))).toBe("written by a container\n");
    expect(await nfsCat(url(`/${fsId}/swarmvol/data/hello.txt`))).toBe("written by a container\n");
    await writeFile(join(dir, "efs", fsId, "swarmvol", "data", "hello.txt"), "rewritten, and longer than before\n");
    expect(await nfsCat(url(`/${apId}/hello.txt`))).toBe("rewritten, and longer than before\n");
  });

  it("writes over NFS through the access point as its PosixUser, whoever the client is", async () => {
    const local = join(dir, "upload.txt");
    await writeFile(local, "sent over NFS\n");
    await nfsCp(local, url(`/${apId}/upload.txt`));
    const path = join(dir, "efs", fsId, "swarmvol", "data", "upload.txt");
    expect(await readFile(path, "utf8")).toBe("sent over NFS\n");
    expect([(await stat(path)).uid, (await stat(path)).gid]).toEqual([1000, 1001]);
    const listing = await nfsLs(url(`/${apId}`));
    expect(listing.find((e) => e.name === "upload.txt")).toMatchObject({ uid: 1000, gid: 1001, size: 14 });
  });

  it("stops serving the file system once its last mount target is gone", async () => {
    expect((await nfsLs(url(`/${fsId}`))).map((e) => e.name)).toContain("swarmvol");
    await efs.send(new DeleteMountTargetCommand({ MountTargetId: mtId }));
    await vi.waitFor(async () => expect(nfsLs(url(`/${fsId}`))).rejects.toThrow(/NOENT|failed/), { timeout: 15_000, interval: 200 });
  });
});
