import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode, isSwarmvolError } from "../../core/errors.js";
import type { ShareMount } from "../../core/fileShares.js";
import type { NfsShareMount } from "../../core/nfsShares.js";
import type { CommandResult, CommandRunner } from "../../core/ports.js";
import { BindShareMounter, NfsShareMounter, shareMounterFor } from "./mounters.js";

const share: ShareMount = { fileSystemId: "fs-0123456789abcdef0", accessPointId: "fsap-0123456789abcdef0", rootPath: "/swarmvol/data", mountTargetIp: "10.0.1.25" };

/** Records every command; answers `code`. */
function recordingRunner(code = 0) {
  const calls: string[][] = [];
  const runner: CommandRunner = {
    async run(program, args): Promise<CommandResult> {
      calls.push([program, ...args]);
      return { code, stdout: "", stderr: code === 0 ? "" : "mount.efs: access denied" };
    },
  };
  return { runner, calls };
}

let dir = "";
let mountInfo = "";
let target = "";
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "share-mounter-"));
  mountInfo = join(dir, "mountinfo");
  target = join(dir, "mounts", "data");
  await writeFile(mountInfo, "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n");
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const mountedAt = (path: string) => writeFile(mountInfo, `22 1 8:1 / / rw - ext4 /dev/vda rw\n90 22 0:50 / ${path} rw - nfs4 10.0.1.25:/ rw\n`);

describe("NfsShareMounter", () => {
  it("mounts through the access point with efs-utils and TLS, exactly", async () => {
    const { runner, calls } = recordingRunner();
    await new NfsShareMounter(runner, { mountInfoPath: mountInfo }).mount(share, target);
    expect(calls).toEqual([["mount", "-t", "efs", "-o", "tls,accesspoint=fsap-0123456789abcdef0,mounttargetip=10.0.1.25", "fs-0123456789abcdef0:/", target]]);
  });

  it("does nothing when the target is already mounted, and unmounts only a mounted target", async () => {
    const { runner, calls } = recordingRunner();
    const mounter = new NfsShareMounter(runner, { mountInfoPath: mountInfo });
    await mounter.unmount(target);
    expect(calls).toEqual([]);
    await mountedAt(target);
    expect(await mounter.isMounted(target)).toBe(true);
    await mounter.mount(share, target);
    expect(calls).toEqual([]);
    await mounter.unmount(target);
    expect(calls).toEqual([["umount", target]]);
  });

  it("fails INTERNAL with the command's own words when mount fails", async () => {
    const { runner } = recordingRunner(32);
    const err = await new NfsShareMounter(runner, { mountInfoPath: mountInfo }).mount(share, target).catch((e: unknown) => e);
    expect(isSwarmvolError(err, ErrorCode.Internal)).toBe(true);
    expect((err as Error).message).toMatch(/exit 32\): mount\.efs: access denied/);
  });
});

describe("shareMounterFor (the agent's --share-mounter)", () => {
  it("is efs-utils by default and the lab's bind mount of its export root when told", async () => {
    const { runner, calls } = recordingRunner();
    await shareMounterFor({ kind: "bind", exportRoot: "/x" }, runner, { mountInfoPath: mountInfo }).mount(share, target);
    await shareMounterFor({ kind: "efs-utils" }, runner, { mountInfoPath: mountInfo }).mount(share, `${target}2`);
    expect(calls.map((call) => call.slice(0, 3))).toEqual([["mount", "--bind", "/x/fs-0123456789abcdef0/swarmvol/data"], ["mount", "-t", "efs"]]);
  });
});

describe("BindShareMounter (the lab)", () => {
  it("bind-mounts the access point's directory under the emulator's export root", async () => {
    const { runner, calls } = recordingRunner();
    const mounter = new BindShareMounter(runner, "/var/lib/svlab/cloud/efs", { mountInfoPath: mountInfo });
    expect(mounter.sourceOf(share)).toBe("/var/lib/svlab/cloud/efs/fs-0123456789abcdef0/swarmvol/data");
    await mounter.mount(share, target);
    expect(calls).toEqual([["mount", "--bind", "/var/lib/svlab/cloud/efs/fs-0123456789abcdef0/swarmvol/data", target]]);
  });
});

describe("NFS volumes (ADR 0031)", () => {
  const nfs: NfsShareMount = { kind: "nfs", server: "nas.lab", path: "/srv/swarm/db-1a2b3c4d", options: ["actimeo=30"] };

  it("mounts with the kernel's NFS client and the recommended options, the operator's last, exactly", async () => {
    const { runner, calls } = recordingRunner();
    await shareMounterFor({ kind: "efs-utils" }, runner, { mountInfoPath: mountInfo }).mount(nfs, target);
    expect(calls).toEqual([[
      "mount", "-t", "nfs4", "-o", "nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,actimeo=30", "nas.lab:/srv/swarm/db-1a2b3c4d", target,
    ]]);
  });

  it("names the server and path when the mount fails", async () => {
    const { runner } = recordingRunner(32);
    const err = await new NfsShareMounter(runner, { mountInfoPath: mountInfo }).mount(nfs, target).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.Internal, details: { server: "nas.lab", path: "/srv/swarm/db-1a2b3c4d", target } });
  });

  it("binds DIR/<server>/<export path>/<directory> in the lab, the server without IPv6 brackets", async () => {
    const { runner, calls } = recordingRunner();
    const mounter = new BindShareMounter(runner, "/var/lib/svlab/nfs", { mountInfoPath: mountInfo });
    expect(mounter.sourceOf({ ...nfs, server: "[fd00::1]", port: 2049 })).toBe("/var/lib/svlab/nfs/fd00::1/srv/swarm/db-1a2b3c4d");
    await mounter.mount(nfs, target);
    expect(calls).toEqual([["mount", "--bind", "/var/lib/svlab/nfs/nas.lab/srv/swarm/db-1a2b3c4d", target]]);
  });

  it.each([["/srv/../etc"], ["/srv/./x"]])("refuses to bind a path %j that would leave the export root, mounting nothing", async (path) => {
    const { runner, calls } = recordingRunner();
    const mounter = new BindShareMounter(runner, "/var/lib/svlab/nfs", { mountInfoPath: mountInfo });
    await expect(mounter.mount({ ...nfs, path }, target)).rejects.toMatchObject({ code: ErrorCode.Internal });
    expect(calls).toEqual([]);
  });
});
