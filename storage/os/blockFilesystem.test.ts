import { describe, expect, it } from "vitest";
import { mkdir, mkdtemp, open, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CommandResult, CommandRunner } from "../../core/ports.js";
import { LocalBackend } from "../local/localBackend.js";
import { mkfsCommand, mountPointsOf, SystemBlockFilesystem } from "./blockFilesystem.js";

function scripted(results: CommandResult[]): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run: async (program, args) => {
      calls.push(`${program} ${args.join(" ")}`);
      return results.shift() ?? { code: 0, stdout: "", stderr: "" };
    },
  };
}

describe("SystemBlockFilesystem.check", () => {
  it("accepts a clean or a repaired filesystem (exit 0 or 1)", async () => {
    await expect(new SystemBlockFilesystem(scripted([{ code: 1, stdout: "fixed", stderr: "" }])).check("/dev/loop1", "ext4")).resolves.toBeUndefined();
  });

  it("refuses a filesystem with errors left uncorrected (exit 4) and says what e2fsck said", async () => {
    const runner = scripted([{ code: 4, stdout: "", stderr: "UNEXPECTED INCONSISTENCY" }]);
    await expect(new SystemBlockFilesystem(runner).check("/dev/loop1", "ext4")).rejects.toMatchObject({
      code: "UNSAFE", message: expect.stringMatching(/UNEXPECTED INCONSISTENCY.*run e2fsck \/dev\/loop1 by hand/),
    });
  });

  const busy = { code: 8, stdout: "", stderr: "/dev/loop1 is in use.\ne2fsck: Cannot continue, aborting." };
  const pauses = () => {
    const slept: number[] = [];
    return { slept, wait: { sleep: async (ms: number) => void slept.push(ms), budgetMs: 20_000 } };
  };

  it("waits out a device still held for 15 s (a container still being killed) with backoff, and checks it then", async () => {
    const { slept, wait } = pauses();
    const runner = scripted([busy, busy, busy, busy, busy, busy, busy, busy, busy, busy, { code: 0, stdout: "", stderr: "" }]);
    await new SystemBlockFilesystem(runner, "/proc/self/mountinfo", wait).check("/dev/loop1", "ext4");
    expect(runner.calls).toHaveLength(11);
    expect(slept).toEqual([250, 500, 1000, 2000, 2000, 2000, 2000, 2000, 2000, 2000]);
  });

  it("gives up on a lasting operational error after its budget as UNAVAILABLE, never as damage, saying what holds it", async () => {
    const { slept, wait } = pauses();
    const runner = scripted(Array.from({ length: 30 }, () => busy));
    await expect(new SystemBlockFilesystem(runner, "/proc/self/mountinfo", wait).check("/dev/loop1", "ext4")).rejects.toMatchObject({
      code: "UNAVAILABLE", message: expect.stringMatching(/for 20 s .*Cannot continue.*still held, usually by a container of this volume/s),
    });
    expect(slept.reduce((a, b) => a + b, 0)).toBe(20_000);
  });

  it("fails at once, as UNSAFE naming the way to find the holder, when MMP sees another node using the filesystem", async () => {
    const { slept, wait } = pauses();
    const active = {
      code: 8, stdout: "MMP interval is 10 seconds and total wait time is 42 seconds. Please wait...\n",
      stderr: "e2fsck: MMP: device currently active while trying to open /dev/loop1\n/dev/loop1: \nThe superblock could not be read\n",
    };
    const runner = scripted([active, { code: 0, stdout: "", stderr: "" }]);
    const error = await new SystemBlockFilesystem(runner, "/proc/self/mountinfo", wait).check("/dev/loop1", "ext4").catch((err: unknown) => err);
    expect(error).toMatchObject({ code: "UNSAFE", details: { stderr: "e2fsck: MMP: device currently active while trying to open /dev/loop1" } });
    expect((error as Error).message).toMatch(/mounted on another node: its multi-mount protection \(mmp=on\).*refusing to mount it here.*`swarmvol ls`/);
    expect(runner.calls).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it("names tune2fs -E clear_mmp for an MMP block an interrupted e2fsck left marked", async () => {
    const runner = scripted([{ code: 8, stdout: "", stderr: "e2fsck: MMP: e2fsck being run while checking MMP block\n" }]);
    await expect(new SystemBlockFilesystem(runner).check("/dev/loop1", "ext4")).rejects.toMatchObject({
      code: "UNSAFE", message: expect.stringMatching(/if you are sure no node uses the filesystem, clear it with tune2fs -f -E clear_mmp \/dev\/loop1/),
    });
    expect(runner.calls).toHaveLength(1);
  });

  it("skips filesystems e2fsck does not check", async () => {
    const runner = scripted([]);
    await new SystemBlockFilesystem(runner).check("/dev/loop1", "xfs");
    expect(runner.calls).toEqual([]);
  });
});

describe("mkfsCommand", () => {
  it("gives ext4 multi-mount protection with a 1 s update interval in the same -E list, and never a force flag", () => {
    expect(mkfsCommand("/dev/loop3", "ext4", "db", { multiMountProtection: true })).toEqual(
      ["mkfs.ext4", ["-q", "-L", "db", "-O", "mmp", "-E", "lazy_itable_init=1,lazy_journal_init=1,nodiscard,mmp_update_interval=1", "/dev/loop3"]]);
    for (const features of [undefined, {}, { multiMountProtection: false }]) {
      expect(mkfsCommand("/dev/loop3", "ext4", "db", features)).toEqual(["mkfs.ext4", ["-q", "-L", "db", "-E", "lazy_itable_init=1,lazy_journal_init=1,nodiscard", "/dev/loop3"]]);
    }
    expect(mkfsCommand("/dev/loop3", "xfs", "db", { multiMountProtection: true })).toEqual(["mkfs.xfs", ["-q", "-K", "-L", "db", "/dev/loop3"]]);
  });
});

describe("mountPointsOf", () => {
  it("reads mount points from mountinfo, undoing the kernel's octal escapes", () => {
    const text = "36 25 7:0 / /var/lib/swarmvol/mounts/my\\040vol rw - ext4 /dev/loop0 rw\n37 25 7:1 / /data rw - ext4 /dev/loop1 rw\n";
    expect(mountPointsOf(text)).toEqual(["/var/lib/swarmvol/mounts/my vol", "/data"]);
  });
});

describe("SystemBlockFilesystem.headIsZero", () => {
  it("is true only when every byte of the head is zero (a file stands in for the device)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sv-head-"));
    const device = join(dir, "disk.img");
    const fs = new SystemBlockFilesystem(scripted([]));
    await writeFile(device, Buffer.alloc(2 * 1024 * 1024));
    expect(await fs.headIsZero(device, 1024 * 1024)).toBe(true);
    const handle = await open(device, "r+");
    await handle.write(Buffer.from([7]), 0, 1, 1024 * 1024 - 1);
    await handle.close();
    expect(await fs.headIsZero(device, 1024 * 1024)).toBe(false);
    expect(await fs.headIsZero(device, 1024 * 1024 - 1)).toBe(true);
    await rm(dir, { recursive: true, force: true });
  });
});

describe("a state directory behind a symlink", () => {
  it("isMounted sees a mount the kernel lists by its resolved path", async () => {
    const root = await mkdtemp(join(tmpdir(), "swarmvol-link-"));
    try {
      await mkdir(join(root, "real", "mounts", "db"), { recursive: true });
      await symlink(join(root, "real"), join(root, "link"));
      const mountinfo = join(root, "mountinfo");
      await writeFile(mountinfo, `36 35 7:1 / ${join(root, "real", "mounts", "db")} rw,relatime shared:1 - ext4 /dev/loop1 rw\n`);
      const fs = new SystemBlockFilesystem(scripted([]), mountinfo);
      expect(await fs.isMounted(join(root, "link", "mounts", "db"))).toBe(true);
      expect(await fs.isMounted(join(root, "link", "mounts", "other"))).toBe(false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("LocalBackend finds the loop device losetup lists under the image's resolved path, so it never attaches it twice", async () => {
    const root = await mkdtemp(join(tmpdir(), "swarmvol-link-"));
    try {
      await mkdir(join(root, "real", "images"), { recursive: true });
      await symlink(join(root, "real"), join(root, "link"));
      const record = { uid: "u1", createdAt: "x", spec: { name: "db", backend: "local", sizeBytes: 1, fsType: "ext4" as const, options: {} }, status: { phase: "ready" as const, fresh: false, epoch: 0 } };
      const backend = new LocalBackend(join(root, "link", "images"), scripted([]));
      const image = backend.imagePath(record);
      await writeFile(image.replace(join(root, "link"), join(root, "real")), "");
      const listing = JSON.stringify({ loopdevices: [{ name: "/dev/loop7", "back-file": image.replace(join(root, "link"), join(root, "real")) }] });
      const runner = scripted([{ code: 0, stdout: listing, stderr: "" }]);
      expect(await new LocalBackend(join(root, "link", "images"), runner).attach(record)).toBe("/dev/loop7");
      expect(runner.calls).toEqual(["losetup --list --json --output NAME,BACK-FILE"]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("SystemBlockFilesystem: every tool it runs has a deadline", () => {
  it("gives blkid, mkfs, e2fsck, mount and umount 90 s each (inside Docker's 2 min Mount budget, not the runner's 5 min)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sv-deadlines-"));
    try {
      await writeFile(join(dir, "mountinfo"), "");
      const seen: Array<[string, number | undefined]> = [];
      const runner: CommandRunner = { run: async (program, _args, options) => (seen.push([program, options?.timeoutMs]), { code: 0, stdout: "", stderr: "" }) };
      const filesystem = new SystemBlockFilesystem(runner, join(dir, "mountinfo"));
      await filesystem.probe("/dev/loop9");
      await filesystem.makeFilesystem("/dev/loop9", "ext4", "data");
      await filesystem.check("/dev/loop9", "ext4");
      await filesystem.mount("/dev/loop9", join(dir, "m"), "ext4");
      await filesystem.unmount(join(dir, "m"));
      expect(seen).toEqual([["blkid", 90_000], ["mkfs.ext4", 90_000], ["e2fsck", 90_000], ["mount", 90_000], ["umount", 90_000]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
