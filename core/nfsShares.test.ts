import { describe, expect, it } from "vitest";
import { ErrorCode } from "./errors.js";
import {
  formatNfsExport, maxNfsTextLength, nfsDirectoryName, nfsShareDevice, nfsShareMountCommand, nfsVolumeId, parseGrantedShare, parseNfsExport,
  parseNfsMountOptions, parseNfsShareDevice, type NfsShareMount,
} from "./nfsShares.js";

describe("parseNfsExport", () => {
  it.each([
    ["nas.lab:/srv/swarm", { server: "nas.lab", path: "/srv/swarm" }],
    ["10.0.0.5:/", { server: "10.0.0.5", path: "/" }],
    ["nas:/srv//swarm/", { server: "nas", path: "/srv/swarm" }],
    ["[fd00::1]:/export", { server: "[fd00::1]", path: "/export" }],
    ["nfs://nas.lab/srv/swarm", { server: "nas.lab", path: "/srv/swarm" }],
    ["nfs://nas.lab:2049/srv/swarm", { server: "nas.lab", port: 2049, path: "/srv/swarm" }],
    ["nfs://nas.lab", { server: "nas.lab", path: "/" }],
    ["nfs://[fd00::1]:20490/x", { server: "[fd00::1]", port: 20490, path: "/x" }],
    ["nfs://nas/a.b/c_d/e~f+g@h=i-j", { server: "nas", path: "/a.b/c_d/e~f+g@h=i-j" }],
  ])("reads %j", (text, expected) => {
    expect(parseNfsExport(text)).toEqual(expected);
  });

  it.each([
    ["", /it is empty/],
    ["nas", /no server:\/path/],
    ["nas:relative", /no server:\/path/],
    [":/srv", /no server:\/path/],
    ["nas:2049:/srv", /a port needs nfs:\/\/server:port\/path/],
    ["nas:/srv/../etc", /\. or \.\. segment/],
    ["nfs://nas/srv/./x", /\. or \.\. segment/],
    ["nfs://nas/..", /\. or \.\. segment/],
    ["nas:/my share", /space or a control character/],
    ["nas:/a\tb", /space or a control character/],
    ["nas:/a\u0000b", /space or a control character/],
    ["nfs://nas:0/x", /port "0" is not a number from 1 to 65535/],
    ["nfs://nas:65536/x", /port "65536"/],
    ["nfs://nas:http/x", /port "http"/],
    ["nfs://nas:/x", /port ""/],
    ["nfs:///x", /the server is empty/],
    ["nfs://user@nas/x", /is not a host name or address/],
    ["nfs://-nas/x", /is not a host name or address/],
    ["nfs://nas/a?b", /holds a character other than/],
    ["nfs://nas/a,b", /holds a character other than/],
    ["nfs://nas/caf\u00e9", /holds a character other than/],
    ["[fd00::1/x", /no server:\/path/],
    ["nfs://[zz]/x", /IPv6 address in \[\] is not one/],
    ["nfs://[fd00::1]x/y", /something follows the IPv6 address/],
    [`nas:/${"a".repeat(5000)}`, /longer than 1024 characters/],
    [`nfs://${"a.".repeat(2500)}/x`, /longer than 1024 characters/],
  ])("refuses %j naming why and the forms it takes", (text, why) => {
    expect(() => parseNfsExport(text)).toThrow(expect.objectContaining({
      code: ErrorCode.InvalidArgument, message: expect.stringMatching(why),
    }));
    expect(() => parseNfsExport(text)).toThrow(/write server:\/path or nfs:\/\/server\[:port\]\/path$/);
  });

  it("keeps its messages short on long input (the value is clipped)", () => {
    const err = (() => { try { parseNfsExport(`nas:/${"x".repeat(5000)}`); } catch (e) { return e as Error; } return undefined; })();
    expect(err?.message.length).toBeLessThan(300);
  });

  it("refuses a long host name and long labels", () => {
    expect(() => parseNfsExport(`${"a".repeat(64)}:/x`)).toThrow(/not a host name/);
    expect(() => parseNfsExport(`${"abcdefghi.".repeat(26)}x:/x`)).toThrow(/not a host name/);
  });

  it("formats back what it read", () => {
    for (const text of ["nas.lab:/srv/swarm", "nfs://nas.lab:2049/srv/swarm", "[fd00::1]:/export"]) {
      expect(formatNfsExport(parseNfsExport(text))).toBe(text);
    }
  });
});

describe("parseNfsMountOptions", () => {
  it.each([
    [undefined, []], ["", []], ["actimeo=30", ["actimeo=30"]], ["nconnect=4,noac,sec=krb5p", ["nconnect=4", "noac", "sec=krb5p"]],
  ])("reads %j", (text, expected) => {
    expect(parseNfsMountOptions(text)).toEqual(expected);
  });

  it.each([["a,,b"], ["a,"], ["no ac"], ["x=a b"], ["x=a;reboot"], ["=1"], ["a".repeat(maxNfsTextLength + 1)]])("refuses %j", (text) => {
    expect(() => parseNfsMountOptions(text)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument }));
  });
});

describe("an NFS volume's id, directory and grant", () => {
  it("derives the id and the directory from the uid, the same on every retry", () => {
    expect(nfsVolumeId("u-1")).toMatch(/^nfs-[0-9a-f]{17}$/);
    expect(nfsVolumeId("u-1")).toBe(nfsVolumeId("u-1"));
    expect(nfsVolumeId("u-2")).not.toBe(nfsVolumeId("u-1"));
    expect(nfsDirectoryName("db", "u-1")).toMatch(/^db-[0-9a-f]{8}$/);
    expect(nfsDirectoryName("db", "u-2")).not.toBe(nfsDirectoryName("db", "u-1"));
  });

  it("keeps the directory one safe path segment whatever the name", () => {
    expect(nfsDirectoryName("../etc/passwd", "u")).toMatch(/^\.\._etc_passwd-[0-9a-f]{8}$/);
    expect(nfsDirectoryName("x".repeat(300), "u").length).toBe(209);
  });

  const share: NfsShareMount = { kind: "nfs", server: "nas.lab", port: 2049, path: "/srv/swarm/db-1a2b3c4d", options: ["actimeo=30", "nconnect=4"] };

  it("puts everything the node's mount needs in the device, and reads it back", () => {
    expect(nfsShareDevice(share)).toBe("nfs://nas.lab:2049/srv/swarm/db-1a2b3c4d?actimeo=30,nconnect=4");
    expect(parseNfsShareDevice(nfsShareDevice(share))).toEqual(share);
    expect(parseGrantedShare(nfsShareDevice(share))).toEqual(share);
    const plain: NfsShareMount = { kind: "nfs", server: "10.0.0.5", path: "/export/x-1", options: [] };
    expect(parseNfsShareDevice(nfsShareDevice(plain))).toEqual(plain);
  });

  it.each([["/dev/xvdba"], ["efs://172.31.0.4/fs-0123abcd/fsap-0456ef/swarmvol/x"], ["nfs://nas/"], ["nfs://nas/a/../b"], ["nfs://nas/x?a,,b"], [`nfs://nas/${"a".repeat(2000)}`]])(
    "is not an NFS grant: %j", (device) => {
      expect(parseNfsShareDevice(device)).toBeUndefined();
    },
  );

  it("tells an EFS grant from an NFS one", () => {
    expect(parseGrantedShare("efs://172.31.0.4/fs-0123abcd/fsap-0456ef/swarmvol/x")).toMatchObject({ accessPointId: "fsap-0456ef" });
    expect(parseGrantedShare("/dev/xvdba")).toBeUndefined();
  });

  it("mounts with the kernel's NFS client, the recommended options, the port and the operator's options last, exactly", () => {
    expect(nfsShareMountCommand(share, "/var/lib/swarmvol/mounts/db")).toEqual({
      program: "mount",
      args: ["-t", "nfs4", "-o", "nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,port=2049,actimeo=30,nconnect=4", "nas.lab:/srv/swarm/db-1a2b3c4d", "/var/lib/swarmvol/mounts/db"],
    });
    expect(nfsShareMountCommand({ kind: "nfs", server: "[fd00::1]", path: "/x/v", options: [] }, "/t").args).toEqual([
      "-t", "nfs4", "-o", "nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport", "[fd00::1]:/x/v", "/t",
    ]);
  });
});
