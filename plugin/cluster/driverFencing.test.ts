import { beforeEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../core/errors.js";
import { silentLogger, type NodeAttacher } from "../../core/ports.js";
import { FakeClock } from "../../test/fakes/clock.js";
import { FakeNode } from "../../test/fakes/fakeDevices.js";
import { MemoryCatalog, MemoryMountTable } from "../../test/fakes/memoryState.js";
import { VolumeDriver } from "../driver.js";
import { LocalDirectory } from "../localDirectory.js";

/** A driver over fakes whose attacher grants at whatever epoch the test sets. */
function setup() {
  const node = new FakeNode();
  const catalog = new MemoryCatalog();
  const mounts = new MemoryMountTable();
  let uid = 0;
  const directory = new LocalDirectory({ catalog, backend: node.backend, clock: new FakeClock(), logger: silentLogger, newUid: () => `uid-${++uid}` });
  const grant = { epoch: 1 };
  const attacher: NodeAttacher = {
    attach: async (record) => ({ device: await node.backend.attach(record), epoch: grant.epoch }),
    release: async (record) => node.backend.detach(record),
  };
  const driver = new VolumeDriver({ directory, attacher, mounts, filesystem: node.filesystem, logger: silentLogger, mountsDir: "/mnt/sv" });
  return { node, catalog, mounts, driver, grant };
}

let t: ReturnType<typeof setup>;
beforeEach(async () => {
  t = setup();
  await t.driver.create("db", null);
  await t.driver.create("logs", null);
});

describe("stale epoch refusal", () => {
  it("records the granted epoch in the mount table", async () => {
    t.grant.epoch = 3;
    await t.driver.mount("db", "m1");
    expect(t.mounts.get("db")?.epoch).toBe(3);
  });

  it("refuses a grant older than one this node has seen, before touching the filesystem", async () => {
    t.grant.epoch = 5;
    await t.driver.mount("db", "m1");
    await t.driver.unmount("db", "m1");
    t.grant.epoch = 4;
    t.node.actions.length = 0;
    await expect(t.driver.mount("db", "m2")).rejects.toMatchObject({
      code: ErrorCode.Unsafe,
      message: expect.stringContaining("granted to this node at epoch 4, but this node has already seen epoch 5"),
    });
    expect(t.node.actions).toEqual(["attach db"]);
    expect(t.mounts.get("db")).toBeUndefined();
  });

  it("refuses a grant older than the catalog record's epoch", async () => {
    const record = t.catalog.get("db");
    if (!record) throw new Error("no record");
    await t.catalog.put({ ...record, status: { ...record.status, epoch: 7 } });
    t.grant.epoch = 6;
    await expect(t.driver.mount("db", "m1")).rejects.toMatchObject({ code: ErrorCode.Unsafe });
  });

  it("accepts the same or a newer epoch", async () => {
    t.grant.epoch = 2;
    await t.driver.mount("db", "m1");
    await t.driver.unmount("db", "m1");
    await t.driver.mount("db", "m2");
    await t.driver.unmount("db", "m2");
    t.grant.epoch = 3;
    await expect(t.driver.mount("db", "m3")).resolves.toBe("/mnt/sv/db/data");
  });
});

describe("fencing", () => {
  it("fenceAll unmounts every mounted volume and forgets its Docker mounts", async () => {
    await t.driver.mount("db", "m1");
    await t.driver.mount("db", "m2");
    await t.driver.mount("logs", "m3");
    t.node.actions.length = 0;
    const fenced = await t.driver.fenceAll("lease lapsed");
    expect(fenced.sort()).toEqual(["db", "logs"]);
    expect(t.node.actions.sort()).toEqual(["unmount /mnt/sv/db", "unmount /mnt/sv/logs"]);
    expect(t.mounts.list()).toEqual([]);
    expect(t.node.mounted.size).toBe(0);
    expect((await t.driver.get("db")).Status).toMatchObject({ fenced: "lease lapsed", mountsOnThisNode: 0 });
    expect(await t.driver.path("db")).toBe("");
  });

  it("lets Docker's later Unmount of a fenced mount succeed without side effects", async () => {
    await t.driver.mount("db", "m1");
    await t.driver.fenceAll("lease lapsed");
    t.node.actions.length = 0;
    await t.driver.unmount("db", "m1");
    expect(t.node.actions).toEqual([]);
  });

  it("fence of one volume leaves the others mounted", async () => {
    await t.driver.mount("db", "m1");
    await t.driver.mount("logs", "m2");
    expect(await t.driver.fence(["db", "ghost"], "revoked")).toEqual(["db"]);
    expect([...t.mounts.entries.keys()]).toEqual(["logs"]);
  });

  it("keeps the entry when the unmount fails, so the next fence tries again", async () => {
    await t.driver.mount("db", "m1");
    t.node.failNext.unmount = new Error("target is busy");
    expect(await t.driver.fenceAll("lease lapsed")).toEqual([]);
    expect(t.mounts.get("db")?.ids).toEqual(["m1"]);
    expect(await t.driver.fenceAll("lease lapsed")).toEqual(["db"]);
  });

  it("a new mount after fencing goes through attach again and clears the mark", async () => {
    await t.driver.mount("db", "m1");
    await t.driver.fenceAll("lease lapsed");
    t.node.actions.length = 0;
    await t.driver.mount("db", "m2");
    expect(t.node.actions).toEqual(["attach db", "fsck /dev/fake-uid-1", "mount /dev/fake-uid-1 /mnt/sv/db"]);
    expect((await t.driver.get("db")).Status).not.toHaveProperty("fenced");
  });
});
