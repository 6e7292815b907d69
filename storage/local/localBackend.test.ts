import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CommandResult, CommandRunner } from "../../core/ports.js";
import type { VolumeRecord } from "../../core/volume.js";
import { LocalBackend, LOSETUP_TIMEOUT_MS } from "./localBackend.js";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** losetup as a recording fake: `--find --show` gives /dev/loop7, and then lists it backed by the image. */
function recordingLosetup(image: () => string) {
  const calls: Array<{ args: string; timeoutMs: number | undefined }> = [];
  let attached = false;
  const runner: CommandRunner = {
    async run(program, args, options): Promise<CommandResult> {
      calls.push({ args: `${program} ${args.join(" ")}`, timeoutMs: options?.timeoutMs });
      if (args[0] === "--find") {
        attached = true;
        return { code: 0, stdout: "/dev/loop7\n", stderr: "" };
      }
      if (args[0] === "-d") attached = false;
      if (args[0] === "--list") return { code: 0, stdout: JSON.stringify({ loopdevices: attached ? [{ name: "/dev/loop7", "back-file": image() }] : [] }), stderr: "" };
      return { code: 0, stdout: "", stderr: "" };
    },
  };
  return { runner, calls };
}

const record: VolumeRecord = {
  uid: "u1", createdAt: "2026-12-03T00:00:00.000Z", spec: { name: "db", backend: "local", sizeBytes: 1 << 20, fsType: "ext4", options: {} },
  status: { phase: "ready", fresh: true, epoch: 0 },
};

describe("LocalBackend's losetup runs", () => {
  it("each carries its deadline, so a losetup stuck in the kernel fails the call instead of holding the volume's lock", async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-local-"));
    const images = join(dir, "images");
    const fake = recordingLosetup(() => join(images, `${record.uid}.img`));
    const bounded = new LocalBackend(images, fake.runner);
    await bounded.create(record);
    expect(await bounded.attach(record)).toBe("/dev/loop7");
    await bounded.detach(record);
    expect(await bounded.releaseOrphanLoops(new Set())).toEqual([]);
    expect(fake.calls.map((call) => call.args.split(" ").slice(0, 2).join(" "))).toEqual([
      "losetup --list", "losetup --find", "losetup --list", "losetup -d", "losetup --list",
    ]);
    expect(fake.calls.every((call) => call.timeoutMs === LOSETUP_TIMEOUT_MS)).toBe(true);
    expect(LOSETUP_TIMEOUT_MS).toBe(30_000);
  });
});
