/**
 * The plugin storm of test/fuzz/plugin.test.ts on the REAL local backend: sparse images,
 * losetup, mkfs.ext4, mount, in a temporary directory. After each storm what the kernel
 * holds (loop devices backed by our images, mounts under our mount folder, image files)
 * must be what the catalog and List say; unmounting and removing everything leaves none.
 * Needs root; skips with a reason outside CI, never under CI=true. About 20 s.
 */
import { readdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import { silentLogger } from "../../core/ports.js";
import { VolumeDriver } from "../../plugin/driver.js";
import { LocalDirectory } from "../../plugin/localDirectory.js";
import { PluginServer } from "../../plugin/server.js";
import { LocalBackend } from "../../storage/local/localBackend.js";
import { SystemBlockFilesystem } from "../../storage/os/blockFilesystem.js";
import { ProcessRunner } from "../../storage/os/commandRunner.js";
import { FakeClock } from "../fakes/clock.js";
import { MemoryCatalog, MemoryMountTable } from "../fakes/memoryState.js";
import { shouldSkip } from "../support/requirements.js";
import { assertHeld, fuzzBudget } from "./budget.js";
import type fcTypes from "fast-check";
import { check } from "./invariants.js";
import { checkPluginAnswer, stormBody, stormCall } from "./properties/pluginSurface.js";
import { exchange, post } from "./rawHttp.js";

const skip = shouldSkip("fuzz storm on real loop devices", ["losetup", "mkfs.ext4", "blkid", "mount", "umount", "fsck.ext4"]);
const runner = new ProcessRunner();
let root = "";

/** The kernel's view of our directory: loop devices backed by our images, and mounts under it. */
async function kernelState(dir: string): Promise<{ loops: string[]; mounts: string[]; images: string[] }> {
  const listed = await runner.run("losetup", ["--list", "--json", "--output", "NAME,BACK-FILE"]);
  const loops = listed.stdout.trim() === "" ? [] : (JSON.parse(listed.stdout) as { loopdevices: Array<{ "back-file": string | null }> }).loopdevices
    .map((loop) => (loop["back-file"] ?? "").replace(/ \(deleted\)$/, "")).filter((file) => file.startsWith(dir)).sort();
  const mountinfo = (await runner.run("cat", ["/proc/self/mountinfo"])).stdout;
  const mounts = mountinfo.split("\n").map((line) => line.split(" ")[4] ?? "").filter((point) => point.startsWith(dir)).sort();
  const images = (await readdir(join(dir, "images")).catch(() => [] as string[])).map((file) => join(dir, "images", file)).sort();
  return { loops, mounts, images };
}

/** Unmounts and detaches whatever a failed run left, so the next run (and the machine) start clean. */
async function scrub(dir: string): Promise<void> {
  const state = await kernelState(dir);
  for (const point of state.mounts.reverse()) await runner.run("umount", ["-l", point]);
  for (const image of state.loops) {
    const found = await runner.run("losetup", ["-j", image, "--output", "NAME", "--noheadings"]);
    for (const device of found.stdout.split("\n").filter(Boolean)) await runner.run("losetup", ["-d", device.trim()]);
  }
  await rm(dir, { recursive: true, force: true });
}

async function storm(calls: Array<{ verb: string; name: string; id: string; opts: unknown }>): Promise<void> {
  const dir = await mkdtemp(join(root, "run-"));
  const catalog = new MemoryCatalog();
  const mounts = new MemoryMountTable();
  const backend = new LocalBackend(join(dir, "images"), runner);
  let uid = 0;
  const directory = new LocalDirectory({ catalog, backend, clock: new FakeClock(), logger: silentLogger, newUid: () => `u${++uid}` });
  const driver = new VolumeDriver({ directory, attacher: directory, mounts, filesystem: new SystemBlockFilesystem(runner), logger: silentLogger, mountsDir: join(dir, "mnt") });
  const server = new PluginServer({ driver, logger: silentLogger });
  const socketPath = join(dir, "p.sock");
  await server.listen(socketPath);
  const call = (verb: string, body: unknown) => exchange({ socketPath }, post(`/VolumeDriver.${verb}`, body));
  try {
    const answers = await Promise.all(calls.map((one) => call(one.verb, stormBody(one as never))));
    answers.forEach((answer, index) => checkPluginAnswer({ method: "POST", target: `/VolumeDriver.${calls[index]?.verb}` }, answer, false));
    const state = await kernelState(dir);
    const records = catalog.list();
    const listed = (JSON.parse((await call("List", {}))?.body ?? "{}") as { Volumes: Array<{ Name: string }> }).Volumes.map((v) => v.Name).sort();
    check(JSON.stringify(listed) === JSON.stringify(records.map((r) => r.spec.name).sort()), `List ${JSON.stringify(listed)} is not the catalog`);
    check(JSON.stringify(state.images) === JSON.stringify(records.map((r) => backend.imagePath(r)).sort()), `images ${JSON.stringify(state.images)} are not the catalog's`);
    const inUse = mounts.list().filter(([, entry]) => entry.ids.length > 0);
    check(JSON.stringify(state.mounts) === JSON.stringify(inUse.map(([, entry]) => entry.mountRoot).sort()), `kernel mounts ${JSON.stringify(state.mounts)} are not the mount table's`);
    const mountedImages = inUse.map(([name]) => backend.imagePath(catalog.get(name) as never)).sort();
    check(JSON.stringify(state.loops) === JSON.stringify(mountedImages), `loop devices back ${JSON.stringify(state.loops)}, mounted are ${JSON.stringify(mountedImages)}`);
    for (const [name, entry] of mounts.list()) for (const id of entry.ids) await call("Unmount", { Name: name, ID: id });
    for (const record of catalog.list()) await call("Remove", { Name: record.spec.name });
    const left = await kernelState(dir);
    check(left.loops.length + left.mounts.length + left.images.length === 0, `left behind: ${JSON.stringify(left)}`);
  } finally {
    await server.drain();
    await scrub(dir);
  }
}

describe.skipIf(skip)("fuzz: plugin storms on the real local backend", () => {
  beforeAll(async () => (root = await mkdtemp(join(tmpdir(), "swarmvol-fuzz-real-"))));
  afterAll(async () => root && (await scrub(root)));

  it("keeps the kernel's loop devices, mounts and images in agreement with the catalog, and leaks none", async () => {
    const { seed, runs } = fuzzBudget();
    // Real images stay at ext4's 16 MiB minimum; the refused options (1MiB, ntfs) stay as they are.
    const small = (opts: unknown) => (JSON.stringify(opts).includes("20MiB") || JSON.stringify(opts).includes("32MiB") ? { size: "16MiB" } : opts);
    const calls = fc.array(stormCall.map((one) => ({ ...one, opts: small(one.opts) })), { minLength: 1, maxLength: 12 });
    const details = await fc.check(fc.asyncProperty(calls, storm), { seed, numRuns: Math.max(3, Math.round(runs * 0.06)), endOnFailure: true });
    assertHeld(details as fcTypes.RunDetails<unknown>);
  }, 300_000);
});
