import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalDriver } from "../../cli/allInOne.js";
import { silentLogger } from "../../core/ports.js";
import { shouldSkip } from "../../test/support/requirements.js";
import { SystemBlockFilesystem } from "../os/blockFilesystem.js";
import { ProcessRunner } from "../os/commandRunner.js";
import { LocalBackend } from "./localBackend.js";

const skip = shouldSkip("orphan loop devices", ["losetup", "mkfs.ext4", "mount"]);

const sh = (program: string, args: string[]) => execFileSync(program, args, { encoding: "utf8" }).trim();

async function image(path: string): Promise<string> {
  const handle = await open(path, "w");
  await handle.truncate(32 * 1024 * 1024);
  await handle.close();
  return sh("losetup", ["--find", "--show", path]);
}

const attached = (device: string) => sh("losetup", ["--list", "--noheadings", "--output", "NAME"]).split("\n").map((line) => line.trim()).includes(device);

describe.skipIf(skip)("loop devices left by a daemon killed between losetup and mount", () => {
  let dir: string;
  const devices: string[] = [];
  let mountPoint: string | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "sv-orphans-"));
    await mkdir(join(dir, "images"));
  });
  afterEach(async () => {
    if (mountPoint) execFileSync("umount", [mountPoint], { stdio: "ignore" });
    mountPoint = undefined;
    for (const device of devices.splice(0)) if (attached(device)) execFileSync("losetup", ["-d", device], { stdio: "ignore" });
    await rm(dir, { recursive: true, force: true });
  });

  it("are released at start; a mounted one and loops of other files are left alone", async () => {
    const orphan = await image(join(dir, "images", "u-orphan.img"));
    const inUse = await image(join(dir, "images", "u-mounted.img"));
    const foreign = await image(join(dir, "foreign.img"));
    devices.push(orphan, inUse, foreign);
    sh("mkfs.ext4", ["-q", inUse]);
    mountPoint = join(dir, "mnt");
    await mkdir(mountPoint);
    sh("mount", [inUse, mountPoint]);

    const runner = new ProcessRunner();
    const backend = new LocalBackend(join(dir, "images"), runner);
    const released = await backend.releaseOrphanLoops(await new SystemBlockFilesystem(runner).mountedDevices());

    expect(released).toEqual([orphan]);
    expect([attached(orphan), attached(inUse), attached(foreign)]).toEqual([false, true, true]);
  });

  it("all-in-one releases them when it starts on that state directory", async () => {
    const orphan = await image(join(dir, "images", "u-crash.img"));
    devices.push(orphan);
    await createLocalDriver(dir, silentLogger);
    expect(attached(orphan)).toBe(false);
  });
});
