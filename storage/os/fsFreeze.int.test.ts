/**
 * The real fsfreeze on a real ext4 (a loop device over a file). Needs root; skips with a
 * reason when not root, except under CI=true.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProcessRunner, SYSTEM_PATH } from "./commandRunner.js";
import { FsFreeze } from "./fsFreeze.js";

const isRoot = process.getuid?.() === 0;
const inCi = process.env.CI === "true";
if (!isRoot && !inCi) console.warn("skipping fsfreeze test: it needs root (losetup, mount); CI=true never skips");

const runner = new ProcessRunner({ path: SYSTEM_PATH });
let dir = "";
let mnt = "";

async function sh(program: string, ...args: string[]): Promise<string> {
  const result = await runner.run(program, args, { timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(`${program} ${args.join(" ")}: ${result.stderr}`);
  return result.stdout.trim();
}

describe.skipIf(!isRoot && !inCi)("FsFreeze on a mounted ext4 (root)", () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-freeze-"));
    mnt = join(dir, "mnt");
    await mkdir(mnt);
    await sh("truncate", "-s", "64M", join(dir, "img"));
    await sh("mkfs.ext4", "-q", "-F", join(dir, "img"));
    await sh("mount", "-o", "loop", join(dir, "img"), mnt);
  });
  afterAll(async () => {
    await runner.run("fsfreeze", ["-u", mnt]);
    await runner.run("umount", [mnt]);
    await rm(dir, { recursive: true, force: true });
  });

  it("freezes and thaws by absolute path; a second thaw is not-frozen", async () => {
    const freeze = new FsFreeze(runner);
    await freeze.freeze(mnt, 10_000);
    expect(await freeze.thaw(mnt, 10_000)).toBe("thawed");
    expect(await freeze.thaw(mnt, 10_000)).toBe("not-frozen");
  });
});
