import { describe, expect, it } from "vitest";
import type { HeartbeatRequest, HeartbeatResponse } from "../../api/contract.js";
import { internal, unavailable } from "../../core/errors.js";
import { silentLogger, type NodeAttacher } from "../../core/ports.js";
import { FakeClock } from "../../test/fakes/clock.js";
import { FakeNode } from "../../test/fakes/fakeDevices.js";
import { FakeFilesystemGrower } from "../../test/fakes/fakeFilesystemGrower.js";
import { MemoryCatalog, MemoryMountTable } from "../../test/fakes/memoryState.js";
import { SteppedClock } from "../../test/fakes/steppedClock.js";
import { VolumeDriver } from "../driver.js";
import { LocalDirectory } from "../localDirectory.js";
import { FilesystemGrowth } from "./filesystemGrowth.js";
import { LeaseKeeper } from "./leaseKeeper.js";

const GiB = 1024 ** 3;
const settle = async () => {
  for (let turn = 0; turn < 10; turn += 1) await Promise.resolve();
};

function setup(fsType = "xfs") {
  const mounts = new MemoryMountTable();
  const grower = new FakeFilesystemGrower();
  const locks: string[] = [];
  const growth = new FilesystemGrowth({
    mounts, grower, logger: silentLogger, filesystem: { probe: async () => fsType },
    exclusive: async (volume, fn) => {
      locks.push(`lock ${volume}`);
      try {
        return await fn();
      } finally {
        locks.push(`unlock ${volume}`);
      }
    },
  });
  grower.devices.set("/dev/xvdba", 30 * GiB);
  return { mounts, grower, growth, locks };
}

describe("FilesystemGrowth: a grow asked in a heartbeat answer", () => {
  it("grows the mounted filesystem under the volume's lock and queues what it now fills; an id runs once", async () => {
    const t = setup();
    await t.mounts.set("db", { ids: ["m1"], device: "/dev/xvdba", mountRoot: "/mnt/sv/db", epoch: 2 });
    t.growth.handle([{ volume: "db", id: "g1", sizeBytes: 30 * GiB }]);
    await settle();
    t.growth.handle([{ volume: "db", id: "g1", sizeBytes: 30 * GiB }]);
    await settle();
    expect(t.grower.calls).toEqual(["grow mounted xfs /dev/xvdba at /mnt/sv/db"]);
    expect(t.locks).toEqual(["lock db", "unlock db"]);
    expect(t.growth.reports()).toEqual([{ volume: "db", id: "g1", ok: true, deviceBytes: 30 * GiB, filesystemBytes: Math.floor(30 * GiB * 0.98) }]);
  });

  it("reports a volume not mounted here, and a grow that failed, with why", async () => {
    const t = setup("ext4");
    await t.mounts.set("db", { ids: ["m1"], device: "/dev/xvdba", mountRoot: "/mnt/sv/db", epoch: 2 });
    t.grower.failNext.mounted = internal("resize2fs /dev/xvdba failed (exit 1): Permission denied to resize filesystem");
    t.growth.handle([{ volume: "db", id: "g1", sizeBytes: 30 * GiB }, { volume: "logs", id: "g2", sizeBytes: 30 * GiB }]);
    await settle();
    expect(t.growth.reports().sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { volume: "db", id: "g1", ok: false, error: "resize2fs /dev/xvdba failed (exit 1): Permission denied to resize filesystem" },
      { volume: "logs", id: "g2", ok: false, error: "not mounted on this node" },
    ]);
  });

  it.each<[string, number, number]>([
    ["far below its device", 10 * GiB, 30 * GiB],
    ["short of its device by 3 GiB of 30", 27 * GiB, 30 * GiB],
  ])("reports a grow that exited well but left the filesystem %s as failed, never as grown", async (_what, filesystemBytes, deviceBytes) => {
    const t = setup();
    await t.mounts.set("db", { ids: ["m1"], device: "/dev/xvdba", mountRoot: "/mnt/sv/db", epoch: 2 });
    t.grower.devices.set("/dev/xvdba", deviceBytes);
    t.grower.filesystems.set("/dev/xvdba", filesystemBytes);
    t.grower.broken = true;
    t.growth.handle([{ volume: "db", id: "g1", sizeBytes: deviceBytes }]);
    await settle();
    expect(t.growth.reports()).toEqual([{ volume: "db", id: "g1", ok: false, error: expect.stringMatching(/^the filesystem is .* device after the grow.* did not grow/) }]);
  });

  it("keeps a report until a heartbeat carrying it is answered", async () => {
    const t = setup();
    await t.mounts.set("db", { ids: ["m1"], device: "/dev/xvdba", mountRoot: "/mnt/sv/db", epoch: 2 });
    t.growth.handle([{ volume: "db", id: "g1", sizeBytes: 30 * GiB }]);
    await settle();
    const sent = t.growth.reports();
    t.growth.delivered([]);
    expect(t.growth.reports()).toEqual(sent);
    t.growth.delivered(sent);
    expect(t.growth.reports()).toEqual([]);
  });
});

describe("FilesystemGrowth: a grow at the mount the grant asks for", () => {
  it.each<[string, string, boolean, string[]]>([
    ["ext4 grows offline before the mount", "ext4", false, ["grow unmounted ext4 /dev/xvdba"]],
    ["xfs grows once mounted", "xfs", false, ["grow mounted xfs /dev/xvdba at /mnt/sv/db"]],
    ["a filesystem mkfs just made fills the device already", "ext4", true, []],
  ])("%s, and reports what it fills", async (_what, fsType, made, calls) => {
    const t = setup(fsType);
    const grow = { id: "g9", sizeBytes: 30 * GiB };
    if (!made) await t.growth.beforeMount("db", "/dev/xvdba", fsType, grow);
    await t.growth.afterMount("db", "/dev/xvdba", "/mnt/sv/db", fsType, grow, made);
    expect(t.grower.calls).toEqual(calls);
    expect(t.growth.reports()).toEqual([{ volume: "db", id: "g9", ok: true, deviceBytes: 30 * GiB, filesystemBytes: expect.any(Number) }]);
    // The leader's heartbeat may ask the same grow again: it is not run twice.
    t.growth.handle([{ volume: "db", id: "g9", sizeBytes: 30 * GiB }]);
    await settle();
    expect(t.grower.calls).toEqual(calls);
  });

  it("an offline grow that fails lets the mount go on at the old size and reports why", async () => {
    const t = setup("ext4");
    t.grower.failNext.unmounted = unavailable("e2fsck -f -p /dev/xvdba could not check the filesystem (exit 8: in use)");
    await t.growth.beforeMount("db", "/dev/xvdba", "ext4", { id: "g9", sizeBytes: 30 * GiB });
    await t.growth.afterMount("db", "/dev/xvdba", "/mnt/sv/db", "ext4", { id: "g9", sizeBytes: 30 * GiB }, false);
    expect(t.growth.reports()).toEqual([{ volume: "db", id: "g9", ok: false, error: "e2fsck -f -p /dev/xvdba could not check the filesystem (exit 8: in use)" }]);
  });
});

describe("the driver grows at the Mount its grant asks for", () => {
  it.each<[string, string[]]>([
    ["ext4", ["before ext4", "mount /dev/fake-uid-1 /mnt/sv/db", "after ext4 made=false"]],
    ["xfs", ["before xfs", "mount /dev/fake-uid-1 /mnt/sv/db", "after xfs made=false"]],
  ])("%s: before the mount, then after it", async (fsType, order) => {
    const node = new FakeNode();
    const catalog = new MemoryCatalog();
    const directory = new LocalDirectory({ catalog, backend: node.backend, clock: new FakeClock(), logger: silentLogger, newUid: () => "uid-1" });
    const attacher: NodeAttacher = { attach: async (record) => ({ device: await node.backend.attach(record), epoch: 1, grow: { id: "g1", sizeBytes: 30 * GiB } }), release: async () => undefined };
    const seen: string[] = [];
    const filesystem = { ...node.filesystem, mount: async (device: string, target: string, type: string) => {
      seen.push(`mount ${device} ${target}`);
      await node.filesystem.mount(device, target, type);
    } };
    const growth = {
      beforeMount: async (_volume: string, _device: string, type: string) => void seen.push(`before ${type}`),
      afterMount: async (_volume: string, _device: string, _root: string, type: string, _grow: unknown, made: boolean) => void seen.push(`after ${type} made=${made}`),
    };
    const driver = new VolumeDriver({ directory, attacher, mounts: new MemoryMountTable(), filesystem, logger: silentLogger, mountsDir: "/mnt/sv", growth });
    await driver.create("db", { fsType });
    // The first mount makes the filesystem (nothing to grow before it); the second finds it.
    await driver.mount("db", "m1");
    expect(seen).toEqual(["mount /dev/fake-uid-1 /mnt/sv/db", `after ${fsType} made=true`]);
    await driver.unmount("db", "m1");
    seen.length = 0;
    await driver.mount("db", "m2");
    expect(seen).toEqual(order);
  });
});

describe("LeaseKeeper carries grows both ways", () => {
  it("hands an answer's grows to the growth, sends its reports, and drops them once a heartbeat is answered", async () => {
    const clock = new SteppedClock();
    const bodies: HeartbeatRequest[] = [];
    let answer: HeartbeatResponse = { ttlMs: 10_000, revoke: [] };
    let down = false;
    const handled: string[] = [];
    const outbox = [{ volume: "db", id: "g1", ok: true, deviceBytes: 30 * GiB, filesystemBytes: 29 * GiB }];
    const keeper = new LeaseKeeper({
      api: { heartbeat: async (_nodeId, request) => {
        bodies.push(structuredClone(request));
        if (down) throw unavailable("controller unreachable");
        return answer;
      } },
      nodeId: async () => "n1", identity: { hostname: "n1", instanceId: "i-1", zone: "z" }, mounts: new MemoryMountTable(),
      containers: { usingVolumes: async () => [], kill: async () => undefined }, fencer: { fence: async () => [] }, clock, logger: silentLogger,
      growth: {
        handle: (requests) => void handled.push(...requests.map((request) => request.id)),
        reports: () => [...outbox],
        delivered: (reports) => void outbox.splice(0, outbox.length, ...outbox.filter((report) => !reports.includes(report))),
      },
    });
    down = true;
    keeper.start();
    await clock.settle();
    expect(bodies[0]?.grown).toEqual(outbox);
    expect(outbox).toHaveLength(1);
    down = false;
    answer = { ttlMs: 10_000, revoke: [], grow: [{ volume: "db", id: "g2", sizeBytes: 40 * GiB }] };
    await clock.advance(2000);
    expect(bodies.at(-1)?.grown).toHaveLength(1);
    expect(outbox).toEqual([]);
    expect(handled).toEqual(["g2"]);
    answer = { ttlMs: 10_000, revoke: [] };
    await clock.advance(2000);
    expect(bodies.at(-1)?.grown).toBeUndefined();
    await keeper.stop();
  });
});
