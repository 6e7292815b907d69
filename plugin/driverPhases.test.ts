import { describe, expect, it } from "vitest";
import { silentLogger, type BlockFilesystem, type NodeAttacher } from "../core/ports.js";
import { FakeClock } from "../test/fakes/clock.js";
import { FakeNode } from "../test/fakes/fakeDevices.js";
import { MemoryCatalog, MemoryMountTable } from "../test/fakes/memoryState.js";
import { VolumeDriver } from "./driver.js";
import { LocalDirectory } from "./localDirectory.js";

/**
 * A move's t6 (device visible and verified) and t7 (mounted) are stamped by the agent where
 * they happen, in the mount table the heartbeat reports from: the attach (claim, device
 * wait, serial check) takes 2 s here and the fsck plus mount 0.7 s, on a clock that moves
 * only then (a fresh volume gets mkfs instead of the fsck, as long).
 */
function setup(withClock: boolean) {
  const node = new FakeNode();
  const catalog = new MemoryCatalog();
  const mounts = new MemoryMountTable();
  const clock = new FakeClock();
  const directory = new LocalDirectory({ catalog, backend: node.backend, clock: new FakeClock(), logger: silentLogger, newUid: () => "uid-1" });
  const attacher: NodeAttacher = {
    attach: async (record) => {
      clock.current += 2_000;
      return { device: await node.backend.attach(record), epoch: 1 };
    },
    release: async () => undefined,
  };
  const filesystem: BlockFilesystem = {
    ...node.filesystem,
    check: async (device, fsType) => {
      clock.current += 500;
      await node.filesystem.check(device, fsType);
    },
    makeFilesystem: async (device, fsType, label) => {
      clock.current += 500;
      await node.filesystem.makeFilesystem(device, fsType, label);
    },
    mount: async (device, target, fsType) => {
      clock.current += 200;
      await node.filesystem.mount(device, target, fsType);
    },
  };
  const driver = new VolumeDriver({ directory, attacher, mounts, filesystem, logger: silentLogger, mountsDir: "/mnt/sv", ...(withClock ? { clock } : {}) });
  return { driver, mounts, clock };
}

describe("mount phase times", () => {
  it("stamps verifiedAt when the attach returned the verified device and mountedAt once the filesystem is mounted", async () => {
    const { driver, mounts, clock } = setup(true);
    await driver.create("db", null);
    const t0 = clock.now();
    await driver.mount("db", "m1");
    expect(mounts.get("db")).toMatchObject({ verifiedAt: t0 + 2_000, mountedAt: t0 + 2_700 });
    // Docker's second mount of the same volume changes neither: the phases happened once.
    clock.current += 5_000;
    await driver.mount("db", "m2");
    expect(mounts.get("db")).toMatchObject({ ids: ["m1", "m2"], verifiedAt: t0 + 2_000, mountedAt: t0 + 2_700 });
  });

  it("stamps nothing without a clock (all-in-one has no moves to time)", async () => {
    const { driver, mounts } = setup(false);
    await driver.create("db", null);
    await driver.mount("db", "m1");
    expect(mounts.get("db")?.verifiedAt).toBeUndefined();
    expect(mounts.get("db")?.mountedAt).toBeUndefined();
  });
});
