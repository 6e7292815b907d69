import { beforeEach, describe, expect, it } from "vitest";
import { silentLogger, type NodeAttacher } from "../core/ports.js";
import { FakeClock } from "../test/fakes/clock.js";
import { FakeNode } from "../test/fakes/fakeDevices.js";
import { MemoryCatalog, MemoryMountTable } from "../test/fakes/memoryState.js";
import { SteppedClock } from "../test/fakes/steppedClock.js";
import { VolumeDriver } from "./driver.js";
import { LocalDirectory } from "./localDirectory.js";

/** A driver over fakes with a 10 s linger for mounts younger than 10 s, on a stepped clock. */
function setup() {
  const node = new FakeNode();
  const catalog = new MemoryCatalog();
  const mounts = new MemoryMountTable();
  const clock = new SteppedClock();
  const released: string[] = [];
  const task = { wanted: true };
  let uid = 0;
  const directory = new LocalDirectory({ catalog, backend: node.backend, clock: new FakeClock(), logger: silentLogger, newUid: () => `uid-${++uid}` });
  const attacher: NodeAttacher = {
    attach: async (record) => ({ device: await node.backend.attach(record), epoch: 1 }),
    release: async (record) => {
      released.push(record.spec.name);
    },
    wantedHere: async () => task.wanted,
  };
  const driver = new VolumeDriver({
    directory, attacher, mounts, filesystem: node.filesystem, logger: silentLogger, mountsDir: "/mnt/sv",
    linger: { clock, ms: 10_000, youngMs: 10_000 },
  });
  return { node, mounts, clock, driver, released, task };
}

let t: ReturnType<typeof setup>;
beforeEach(async () => {
  t = setup();
  await t.driver.create("db", null);
});

const unmounts = () => t.node.actions.filter((action) => action.startsWith("unmount"));

describe("linger after Docker's create-time unmount", () => {
  it("keeps a young mount mounted with no user, and the remount costs no fsck and no mount", async () => {
    await t.driver.mount("db", "c1");
    await t.driver.unmount("db", "c1");
    expect(unmounts()).toEqual([]);
    expect(t.released).toEqual([]);
    expect(t.mounts.get("db")).toMatchObject({ ids: [], lingerUntil: t.clock.now() + 10_000 });
    t.node.actions.length = 0;
    expect(await t.driver.mount("db", "c1")).toBe("/mnt/sv/db/data");
    expect(t.node.actions).toEqual([]);
    expect(t.mounts.get("db")).toMatchObject({ ids: ["c1"] });
    expect(t.mounts.get("db")?.lingerUntil).toBeUndefined();
    await t.clock.advance(10_000);
    expect(unmounts()).toEqual([]);
  });

  it("unmounts and releases when nobody remounts within the linger and no task here wants it any more", async () => {
    await t.driver.mount("db", "c1");
    await t.driver.unmount("db", "c1");
    t.task.wanted = false;
    await t.clock.advance(9_999);
    expect(unmounts()).toEqual([]);
    await t.clock.advance(1);
    expect(unmounts()).toEqual(["unmount /mnt/sv/db"]);
    expect(t.released).toEqual(["db"]);
    expect(t.mounts.get("db")).toBeUndefined();
  });

  it("renews the linger while a task placed here still wants the volume (a loaded node starts it 35 s later), up to 2 min", async () => {
    await t.driver.mount("db", "c1");
    await t.driver.unmount("db", "c1");
    await t.clock.advance(35_000);
    expect(unmounts()).toEqual([]);
    t.node.actions.length = 0;
    expect(await t.driver.mount("db", "c1")).toBe("/mnt/sv/db/data");
    expect(t.node.actions).toEqual([]);
    expect(t.mounts.get("db")?.lingerSince).toBeUndefined();

    await t.driver.create("logs", null);
    await t.driver.mount("logs", "c2");
    await t.driver.unmount("logs", "c2");
    await t.clock.advance(119_999);
    expect(unmounts()).toEqual([]);
    await t.clock.advance(1);
    expect(unmounts()).toEqual(["unmount /mnt/sv/logs"]);
    expect(t.released).toEqual(["logs"]);
  });

  it("does not linger when no Swarm task here needs the volume (a plain docker run exited, a task was told to stop)", async () => {
    t.task.wanted = false;
    await t.driver.mount("db", "c1");
    await t.driver.unmount("db", "c1");
    expect(unmounts()).toEqual(["unmount /mnt/sv/db"]);
    expect(t.released).toEqual(["db"]);
  });

  it("does not linger when the same mount ID unmounts again: that is its container stopping, and the volume may have to move", async () => {
    await t.driver.mount("db", "c1");
    await t.driver.unmount("db", "c1");
    await t.driver.mount("db", "c1");
    await t.driver.unmount("db", "c1");
    expect(unmounts()).toEqual(["unmount /mnt/sv/db"]);
    expect(t.released).toEqual(["db"]);
    expect(t.mounts.get("db")).toBeUndefined();
  });

  it("does not linger after a mount that was in use for longer than youngMs (a stopped service moves at once)", async () => {
    await t.driver.mount("db", "c1");
    await t.clock.advance(10_000);
    await t.driver.unmount("db", "c1");
    expect(unmounts()).toEqual(["unmount /mnt/sv/db"]);
    expect(t.released).toEqual(["db"]);
  });

  it("endLingers (agent start or stop) and Remove end a linger at once", async () => {
    await t.driver.mount("db", "c1");
    await t.driver.unmount("db", "c1");
    await t.driver.endLingers();
    expect(unmounts()).toEqual(["unmount /mnt/sv/db"]);
    await t.driver.mount("db", "c2");
    await t.driver.unmount("db", "c2");
    await t.driver.remove("db");
    expect(unmounts()).toHaveLength(2);
    expect(t.released).toEqual(["db", "db"]);
  });

  it("fencing unmounts a lingering volume too, and its timer then finds nothing to do", async () => {
    await t.driver.mount("db", "c1");
    await t.driver.unmount("db", "c1");
    expect(await t.driver.fenceAll("lease lapsed")).toEqual(["db"]);
    await t.clock.advance(10_000);
    expect(unmounts()).toEqual(["unmount /mnt/sv/db"]);
    expect(t.mounts.get("db")).toBeUndefined();
  });
});
