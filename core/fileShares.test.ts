import { describe, expect, it } from "vitest";
import {
  accessPointRootPath, accessPointTags, accessPointToken, bindMountCommand, checkDirectoryOwner, efsAccessPointMountCommand,
  fileSystemTags, fileSystemToken, nfsMountCommand, nodeSubnetOf, parseShareDevice, placedInstanceOf, placementTag, shareDevice,
} from "./fileShares.js";
import { ErrorCode } from "./errors.js";

describe("idempotency keys", () => {
  it("derive the same token from the same pool or uid, and different ones otherwise, within EFS's 64 characters", () => {
    const pool = fileSystemToken({ kind: "pool", pool: "default" });
    const vol = fileSystemToken({ kind: "dedicated", uid: "u1", name: "data" });
    expect(pool).toBe(fileSystemToken({ kind: "pool", pool: "default" }));
    expect(vol).toBe(fileSystemToken({ kind: "dedicated", uid: "u1", name: "renamed" }));
    expect(new Set([pool, vol, fileSystemToken({ kind: "pool", pool: "other" }), fileSystemToken({ kind: "dedicated", uid: "u2", name: "data" })]).size).toBe(4);
    expect(pool).toMatch(/^swarmvol-pool-[0-9a-f]{40}$/);
    expect(vol).toMatch(/^swarmvol-vol-[0-9a-f]{40}$/);
    expect(accessPointToken("u1")).toMatch(/^swarmvol-ap-[0-9a-f]{40}$/);
    expect(accessPointToken("u1")).not.toBe(accessPointToken("u2"));
    for (const token of [pool, vol, accessPointToken("u1")]) expect(token.length).toBeLessThanOrEqual(64);
  });
});

describe("tags and root paths", () => {
  it("tag a pool, a dedicated file system and an access point so swarmvol can tell its own", () => {
    expect(fileSystemTags({ kind: "pool", pool: "default" })).toEqual({ "swarmvol/share": "pool/default" });
    expect(fileSystemTags({ kind: "dedicated", uid: "u1", name: "data" })).toEqual({ "swarmvol/share": "volume", "swarmvol/name": "data", "swarmvol/uid": "u1" });
    expect(accessPointTags({ uid: "u1", name: "data" })).toEqual({ "swarmvol/name": "data", "swarmvol/uid": "u1", "swarmvol/epoch": "0" });
  });

  it("roots an access point at /swarmvol/<name>, a name too long for EFS cut and told apart by a hash", () => {
    expect(accessPointRootPath("jenkins_home")).toBe("/swarmvol/jenkins_home");
    const a = accessPointRootPath(`${"x".repeat(100)}a`);
    const b = accessPointRootPath(`${"x".repeat(100)}b`);
    expect(a.length).toBe(100);
    expect(a).not.toBe(b);
    expect(accessPointRootPath("y".repeat(90))).toBe(`/swarmvol/${"y".repeat(90)}`);
  });

  it("checks directory owners", () => {
    expect(checkDirectoryOwner({ uid: 1000, gid: 1000, mode: "0755" })).toEqual({ uid: 1000, gid: 1000, mode: "0755" });
    expect(() => checkDirectoryOwner({ uid: -1, gid: 0, mode: "755" })).toThrow(/uid and gid/);
    expect(() => checkDirectoryOwner({ uid: 0, gid: 0, mode: "rwx" })).toThrow(/octal/);
  });
});

describe("mount command lines", () => {
  it("mounts NFS with exactly AWS's recommended options", () => {
    expect(nfsMountCommand("10.0.1.25", "/", "/var/lib/swarmvol/mounts/data")).toEqual({
      program: "mount",
      args: ["-t", "nfs4", "-o", "nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport", "10.0.1.25:/", "/var/lib/swarmvol/mounts/data"],
    });
    expect(nfsMountCommand("nfs.example", "/exports/a", "/m").args.slice(-2)).toEqual(["nfs.example:/exports/a", "/m"]);
    expect(() => nfsMountCommand("h", "exports", "/m")).toThrow(/absolute/);
  });

  it("mounts through an access point with efs-utils and TLS, naming the mount target's address when known", () => {
    expect(efsAccessPointMountCommand("fs-0123", "fsap-0456", "/m", "10.0.1.25")).toEqual({
      program: "mount", args: ["-t", "efs", "-o", "tls,accesspoint=fsap-0456,mounttargetip=10.0.1.25", "fs-0123:/", "/m"],
    });
    expect(efsAccessPointMountCommand("fs-0123", "fsap-0456", "/m").args).toEqual(["-t", "efs", "-o", "tls,accesspoint=fsap-0456", "fs-0123:/", "/m"]);
  });

  it("bind-mounts in the lab", () => {
    expect(bindMountCommand("/var/lib/svlab/cloud/efs/fs-1/swarmvol/data", "/m")).toEqual({ program: "mount", args: ["--bind", "/var/lib/svlab/cloud/efs/fs-1/swarmvol/data", "/m"] });
  });
});

describe("a node's subnet", () => {
  it("comes from its EC2 description; unknown is NOT_FOUND, no subnet yet UNAVAILABLE", () => {
    expect(nodeSubnetOf("i-0a", { id: "i-0a", zone: "us-east-1a", state: "running", subnetId: "subnet-0b" })).toEqual({ subnetId: "subnet-0b", zone: "us-east-1a" });
    expect(() => nodeSubnetOf("i-0a", undefined)).toThrow(expect.objectContaining({ code: ErrorCode.NotFound }));
    expect(() => nodeSubnetOf("i-0a", { id: "i-0a", zone: "us-east-1a", state: "pending" })).toThrow(expect.objectContaining({ code: ErrorCode.Unavailable }));
  });
});

describe("share devices in grants", () => {
  it("carries the share's ids, root path and mount target, and reads back only what it wrote", () => {
    const share = { fileSystemId: "fs-0123abcd", accessPointId: "fsap-0456ef", rootPath: "/swarmvol/db", mountTargetIp: "172.31.0.4" };
    expect(shareDevice(share)).toBe("efs://172.31.0.4/fs-0123abcd/fsap-0456ef/swarmvol/db");
    expect(parseShareDevice(shareDevice(share))).toEqual(share);
    expect(parseShareDevice("/dev/xvdba")).toBeUndefined();
    expect(parseShareDevice("efs://172.31.0.4/fs-0123abcd/fsap-0456ef")).toBeUndefined();
  });

  it("names the instance a placement tag is for", () => {
    expect(placementTag("i-0abc")).toBe("swarmvol/at/i-0abc");
    expect(placedInstanceOf("swarmvol/at/i-0abc")).toBe("i-0abc");
    expect(placedInstanceOf("swarmvol/at/")).toBeUndefined();
    expect(placedInstanceOf("swarmvol/epoch")).toBeUndefined();
  });
});
