/**
 * `-o mmp=on` on real loop devices (ADR 0028). The filesystem is made by the product's
 * mkfs (SystemBlockFilesystem.makeFilesystem with multi-mount protection, as the driver
 * calls it for such a volume); node A mounts it in a mount namespace of its own; node B
 * sees the same bytes through a second loop device of the same image (a hard link), as two
 * instances would if a fence failed or a volume were attached twice. While A holds the
 * filesystem, B's e2fsck (the product's check) is refused as UNSAFE at once, and B's kernel
 * mount from its own namespace is refused too; once A's namespace is gone, B checks, mounts
 * and reads A's data. The control without MMP shows what the guard stops: the same second
 * mount works. Nothing is mounted in this process's namespace: a namespace someone else
 * makes meanwhile (a lab node) would copy such a mount and keep the filesystem alive.
 * The waits MMP costs are printed (no timed assertions; the bench suite `mmp` measures).
 * Needs root; skips with a printed reason outside CI, never under CI=true.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { link, mkdir, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SystemBlockFilesystem } from "../../storage/os/blockFilesystem.js";
import { ProcessRunner, SYSTEM_PATH } from "../../storage/os/commandRunner.js";
import { shouldSkip } from "../support/requirements.js";

const skip = shouldSkip("ext4 multi-mount protection on loop devices", ["losetup", "mkfs.ext4", "e2fsck", "dumpe2fs", "unshare", "mount"]);

const sh = (program: string, args: string[]) => execFileSync(program, args, { encoding: "utf8" }).trim();
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

describe.skipIf(skip)("-o mmp=on: one filesystem, two loop devices of its image", () => {
  let dir = "";
  const loops: string[] = [];
  const holders: ChildProcess[] = [];
  const filesystem = new SystemBlockFilesystem(new ProcessRunner({ path: SYSTEM_PATH }));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sv-mmp-"));
    for (const node of ["nodeA", "nodeB"]) await mkdir(join(dir, node, "mnt"), { recursive: true });
  });

  afterAll(async () => {
    for (const holder of holders) holder.kill("SIGKILL");
    await Promise.all(loops.map((device) => vi.waitFor(() => expect(existsSync(`/sys/fs/ext4/${basename(device)}`)).toBe(false), { timeout: 30_000 }).catch(() => undefined)));
    for (const device of loops) spawnSync("losetup", ["-d", device]);
    await rm(dir, { recursive: true, force: true });
  });

  /** A 64 MiB image with the product's mkfs on node A's loop device; node B's loop device of a hard link to it. */
  async function volume(name: string, multiMountProtection: boolean): Promise<{ a: string; b: string }> {
    const image = join(dir, "nodeA", `${name}.img`);
    const handle = await open(image, "w");
    await handle.truncate(64 * 1024 ** 2);
    await handle.close();
    await link(image, join(dir, "nodeB", `${name}.img`));
    const a = sh("losetup", ["--find", "--show", image]);
    loops.push(a);
    const b = sh("losetup", ["--find", "--show", join(dir, "nodeB", `${name}.img`)]);
    loops.push(b);
    await filesystem.makeFilesystem(a, "ext4", name, { multiMountProtection });
    return { a, b };
  }

  /** Node A: mounts `device` in a new private mount namespace, writes a file, holds it until killed. */
  async function holdOnA(device: string, text: string): Promise<ChildProcess> {
    const holder = spawn("unshare", ["-m", "--propagation", "private", "sh", "-c",
      `mount -t ext4 "$1" "$2" && echo "$3" > "$2/a.txt" && sync && echo READY && exec sleep 600`, "nodeA", device, join(dir, "nodeA", "mnt"), text],
    { stdio: ["ignore", "pipe", "pipe"] });
    holders.push(holder);
    await new Promise<void>((resolve, reject) => {
      let out = "";
      holder.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()).includes("READY") && resolve());
      holder.stderr?.on("data", (chunk: Buffer) => reject(new Error(`node A: ${chunk.toString()}`)));
      holder.on("exit", (code) => reject(new Error(`node A's holder exited ${code}`)));
    });
    return holder;
  }

  /** Node B: runs `script` ($1 the device, $2 its mount point) in a new private mount namespace. */
  function onB(script: string, device: string): { code: number; out: string } {
    const result = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", script, "nodeB", device, join(dir, "nodeB", "mnt")],
      { encoding: "utf8", timeout: 180_000 });
    return { code: result.status ?? -1, out: `${result.stdout}${result.stderr}`.trim() };
  }

  it("refuses B's e2fsck and B's mount while A holds it; once A lets go, B checks, mounts and reads A's data", async () => {
    const { a, b } = await volume("guarded", true);
    const superblock = sh("dumpe2fs", ["-h", b]);
    expect(superblock).toMatch(/Filesystem features:.*\bmmp\b/);
    expect(superblock).toMatch(/MMP update interval:\s+1$/m);
    const holder = await holdOnA(a, "written on A");

    let started = Date.now();
    const refused = await filesystem.check(b, "ext4").then(() => null, (err: unknown) => err);
    console.log(`[mmp] B's e2fsck refused after ${seconds(started)}`);
    expect(refused).toMatchObject({ code: "UNSAFE", message: expect.stringMatching(/is mounted on another node: its multi-mount protection/) });

    started = Date.now();
    const mount = onB(`mount -t ext4 "$1" "$2"`, b);
    console.log(`[mmp] B's kernel mount refused after ${seconds(started)}: ${mount.out.split("\n")[0]}`);
    expect(mount.code).not.toBe(0);

    holder.kill("SIGKILL");
    // A's namespace dies with its only process; the kernel unmounts and its MMP thread marks the block clean.
    await vi.waitFor(() => expect(existsSync(`/sys/fs/ext4/${basename(a)}`)).toBe(false), { timeout: 30_000, interval: 100 });
    started = Date.now();
    await filesystem.check(b, "ext4");
    console.log(`[mmp] B's e2fsck once A let go took ${seconds(started)}`);
    expect(onB(`mount -t ext4 "$1" "$2" && cat "$2/a.txt"`, b)).toEqual({ code: 0, out: "written on A" });
  });

  it("control: without MMP the same second read-write mount succeeds while A holds the filesystem (what the guard stops)", async () => {
    const { a, b } = await volume("plain", false);
    expect(sh("dumpe2fs", ["-h", b])).not.toMatch(/Filesystem features:.*\bmmp\b/);
    await holdOnA(a, "written on A, unguarded");
    // B's read-write mount replays the journal under A's feet; the image is thrown away.
    expect(onB(`mount -t ext4 "$1" "$2" && cat "$2/a.txt"`, b)).toEqual({ code: 0, out: "written on A, unguarded" });
  });
});
