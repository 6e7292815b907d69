import { describe, expect, it } from "vitest";
import { silentLogger, type BlockFilesystem, type NodeAttacher } from "../core/ports.js";
import { FakeClock } from "../test/fakes/clock.js";
import { FakeNode } from "../test/fakes/fakeDevices.js";
import { MemoryCatalog, MemoryMountTable } from "../test/fakes/memoryState.js";
import { VolumeDriver } from "./driver.js";
import { LocalDirectory } from "./localDirectory.js";

/**
 * The fresh mark of a volume mkfs just formatted is cleared by the controller, which writes
 * it through to Swarm's Raft store: under a burst that answer comes late, and mount(8) runs
 * meanwhile. Docker still gets the path only once the mark is cleared, and a mark that
 * could not be cleared undoes the mount, so the next Mount probes and clears it (invariant 2).
 */
function setup() {
  const node = new FakeNode();
  const catalog = new MemoryCatalog();
  const mounts = new MemoryMountTable();
  const directory = new LocalDirectory({ catalog, backend: node.backend, clock: new FakeClock(), logger: silentLogger, newUid: () => "uid-1" });
  const steps: string[] = [];
  let finishMark: (err?: Error) => void = () => undefined;
  const markFormatted = directory.markFormatted.bind(directory);
  directory.markFormatted = (name) => {
    steps.push("mark asked");
    return new Promise<void>((resolve, reject) => {
      finishMark = (err) => (err ? reject(err) : markFormatted(name).then(() => (steps.push("mark cleared"), resolve()), reject));
    });
  };
  const attacher: NodeAttacher = { attach: async (record) => ({ device: await node.backend.attach(record), epoch: 1 }), release: async () => undefined };
  const filesystem: BlockFilesystem = {
    ...node.filesystem,
    mount: async (device, target, fsType) => (steps.push("mount(8)"), node.filesystem.mount(device, target, fsType)),
    unmount: async (target) => (steps.push("umount"), node.filesystem.unmount(target)),
  };
  const driver = new VolumeDriver({ directory, attacher, mounts, filesystem, logger: silentLogger, mountsDir: "/mnt/sv" });
  return { driver, mounts, catalog, steps, node, finish: (err?: Error) => finishMark(err) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("a new filesystem's fresh mark and its mount", () => {
  it("mounts while the mark is being cleared, and answers Docker only once it is", async () => {
    const { driver, catalog, steps, finish } = setup();
    await driver.create("db", null);
    let answered = false;
    const mounting = driver.mount("db", "m1").then((path) => ((answered = true), path));
    for (let i = 0; i < 10; i += 1) await settle();
    expect(steps).toEqual(["mark asked", "mount(8)"]);
    expect(answered).toBe(false);
    finish();
    await expect(mounting).resolves.toBe("/mnt/sv/db/data");
    expect(steps).toEqual(["mark asked", "mount(8)", "mark cleared"]);
    expect(catalog.get("db")?.status.fresh).toBe(false);
  });

  it("undoes the mount when the mark cannot be cleared; the next Mount probes the signature and clears it", async () => {
    const { driver, mounts, catalog, steps, node, finish } = setup();
    await driver.create("db", null);
    const mounting = driver.mount("db", "m1");
    for (let i = 0; i < 10; i += 1) await settle();
    finish(new Error("controller unreachable"));
    await expect(mounting).rejects.toThrow(/controller unreachable/);
    expect(steps).toEqual(["mark asked", "mount(8)", "umount"]);
    expect(mounts.get("db")).toBeUndefined();
    expect(await node.filesystem.isMounted("/mnt/sv/db")).toBe(false);
    expect(catalog.get("db")?.status.fresh).toBe(true);

    const again = driver.mount("db", "m2");
    for (let i = 0; i < 10; i += 1) await settle();
    finish();
    await expect(again).resolves.toBe("/mnt/sv/db/data");
    expect(catalog.get("db")?.status.fresh).toBe(false);
  });
});
