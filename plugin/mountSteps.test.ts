import { beforeEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../core/errors.js";
import { shareDevice } from "../core/fileShares.js";
import { silentLogger, type BlockFilesystem, type NodeAttacher } from "../core/ports.js";
import { FakeClock } from "../test/fakes/clock.js";
import { FakeNode } from "../test/fakes/fakeDevices.js";
import { FakeShareMounter } from "../test/fakes/fakeShareMounter.js";
import { MemoryCatalog, MemoryMountTable } from "../test/fakes/memoryState.js";
import { VolumeDriver } from "./driver.js";
import { LocalDirectory } from "./localDirectory.js";

const share = { mountTargetIp: "172.31.0.4", fileSystemId: "fs-0123abcd", accessPointId: "fsap-0456ef", rootPath: "/swarmvol/jenkins" };
const mountedShare = "share mount 172.31.0.4:fs-0123abcd/fsap-0456ef/swarmvol/jenkins /mnt/sv/jenkins";
/** An NFS volume's grant (ADR 0031), for the volume named `media`. */
const nfsDevice = "nfs://nas.lab/srv/swarm/media-1a2b3c4d?actimeo=30";

/** Every call the driver makes on the block filesystem, by name (a share must make none but the data folder). */
function recorded(filesystem: BlockFilesystem, calls: string[]): BlockFilesystem {
  return new Proxy(filesystem, {
    get: (target, key) => {
      const method: unknown = Reflect.get(target, key);
      if (typeof method !== "function") return method;
      return (...args: unknown[]) => {
        calls.push(`fs.${String(key)}`);
        return (method as (...a: unknown[]) => unknown)(...args);
      };
    },
  });
}

/** A driver over fakes whose attacher grants a share (`efs://…`) to the volumes named in `shared`, a fake block device to the rest. */
function setup(options: { shares?: boolean } = {}) {
  const node = new FakeNode();
  const catalog = new MemoryCatalog();
  const mounts = new MemoryMountTable();
  const shares = new FakeShareMounter(node.actions);
  const fsCalls: string[] = [];
  let uid = 0;
  const directory = new LocalDirectory({ catalog, backend: node.backend, clock: new FakeClock(), logger: silentLogger, newUid: () => `uid-${++uid}` });
  const shared = new Set(["jenkins"]);
  const attacher: NodeAttacher = {
    attach: async (record) => {
      if (record.spec.name === "media") return { device: nfsDevice, epoch: 1 };
      return shared.has(record.spec.name) ? { device: shareDevice(share), epoch: 1 } : { device: await node.backend.attach(record), epoch: 1 };
    },
    release: async (record) => void node.actions.push(`release ${record.spec.name}`),
  };
  const driver = new VolumeDriver({
    directory, attacher, mounts, filesystem: recorded(node.filesystem, fsCalls), logger: silentLogger, mountsDir: "/mnt/sv",
    ...(options.shares === false ? {} : { shares }),
  });
  return { node, catalog, mounts, shares, fsCalls, driver };
}

let t: ReturnType<typeof setup>;
beforeEach(async () => {
  t = setup();
  await t.driver.create("jenkins", null);
  await t.driver.create("db", null);
});

describe("an NFS grant (nfs://…)", () => {
  it("is mounted and unmounted with the share mounter, with no block step", async () => {
    await t.driver.create("media", null);
    t.node.actions.length = 0;
    expect(await t.driver.mount("media", "m1")).toBe("/mnt/sv/media/data");
    expect(t.node.actions).toEqual([`share mount ${nfsDevice} /mnt/sv/media`]);
    expect(t.fsCalls).toEqual(["fs.ensureDirectory"]);
    expect(t.mounts.get("media")).toMatchObject({ device: nfsDevice, mountRoot: "/mnt/sv/media" });
    t.fsCalls.length = 0;
    await t.driver.unmount("media", "m1");
    expect(t.node.actions.slice(1)).toEqual(["share unmount /mnt/sv/media", "release media"]);
    expect(t.fsCalls).toEqual([]);
  });
});

describe("a share grant", () => {
  it("is mounted with the share mounter: no device, no blkid, fsck or mkfs, and the fresh mark left alone", async () => {
    expect(await t.driver.mount("jenkins", "m1")).toBe("/mnt/sv/jenkins/data");
    expect(t.node.actions).toEqual(["create jenkins", "create db", mountedShare]);
    expect(t.fsCalls).toEqual(["fs.ensureDirectory"]);
    expect(t.catalog.get("jenkins")?.status.fresh).toBe(true);
    expect(t.mounts.get("jenkins")).toMatchObject({ ids: ["m1"], device: shareDevice(share), mountRoot: "/mnt/sv/jenkins", epoch: 1 });
  });

  it("a second Docker mount of a mounted share mounts nothing more", async () => {
    await t.driver.mount("jenkins", "m1");
    await t.driver.mount("jenkins", "m2");
    expect(t.node.actions.filter((a) => a.startsWith("share"))).toEqual([mountedShare]);
    expect(t.mounts.get("jenkins")?.ids).toEqual(["m1", "m2"]);
    expect(await t.driver.path("jenkins")).toBe("/mnt/sv/jenkins/data");
  });

  it("the last Unmount unmounts it with the share mounter and releases it", async () => {
    await t.driver.mount("jenkins", "m1");
    t.node.actions.length = 0;
    t.fsCalls.length = 0;
    await t.driver.unmount("jenkins", "m1");
    expect(t.node.actions).toEqual(["share unmount /mnt/sv/jenkins", "release jenkins"]);
    expect(t.fsCalls).toEqual([]);
    expect(t.mounts.get("jenkins")).toBeUndefined();
    expect(t.shares.mounted.size).toBe(0);
  });

  it("fencing unmounts a share and a block volume, each its own way", async () => {
    await t.driver.mount("jenkins", "m1");
    await t.driver.mount("db", "m2");
    t.node.actions.length = 0;
    expect((await t.driver.fenceAll("lease lapsed")).sort()).toEqual(["db", "jenkins"]);
    expect(t.node.actions.sort()).toEqual(["share unmount /mnt/sv/jenkins", "unmount /mnt/sv/db"]);
    expect(t.mounts.list()).toEqual([]);
    expect(await t.driver.path("jenkins")).toBe("");
  });

  it("a share whose fencing unmount fails (busy) keeps its entry for the next try", async () => {
    await t.driver.mount("jenkins", "m1");
    t.shares.failNextUnmount = new Error("target is busy");
    expect(await t.driver.fence(["jenkins"], "lease lapsed")).toEqual([]);
    expect(t.mounts.get("jenkins")?.ids).toEqual(["m1"]);
    expect(await t.driver.fence(["jenkins"], "lease lapsed")).toEqual(["jenkins"]);
    expect(t.shares.mounted.size).toBe(0);
  });

  it("an orphan share mount (the agent died after mount, before its entry) is unmounted at start", async () => {
    await t.shares.mount(share, "/mnt/sv/jenkins");
    expect(await t.driver.unmountOrphans(["jenkins", "db"])).toEqual(["jenkins"]);
    expect(t.shares.mounted.size).toBe(0);
  });

  it("on an agent with no share mounter is refused INTERNAL, nothing mounted", async () => {
    const bare = setup({ shares: false });
    await bare.driver.create("jenkins", null);
    await expect(bare.driver.mount("jenkins", "m1")).rejects.toMatchObject({ code: ErrorCode.Internal, message: expect.stringContaining("no share mounter") });
    expect(bare.mounts.get("jenkins")).toBeUndefined();
    expect(bare.fsCalls).toEqual([]);
  });
});

describe("a block grant beside shares", () => {
  it("takes today's path (probe, mkfs when fresh, mount), the share mounter untouched", async () => {
    expect(await t.driver.mount("db", "m1")).toBe("/mnt/sv/db/data");
    expect(t.node.actions).toEqual(["create jenkins", "create db", "attach db", "mkfs ext4 /dev/fake-uid-2", "mount /dev/fake-uid-2 /mnt/sv/db"]);
    expect(t.fsCalls).toEqual(["fs.isMounted", "fs.probe", "fs.headIsZero", "fs.makeFilesystem", "fs.mount", "fs.ensureDirectory"]);
    expect(t.catalog.get("db")?.status.fresh).toBe(false);
    await t.driver.unmount("db", "m1");
    expect(t.node.actions.slice(-2)).toEqual(["unmount /mnt/sv/db", "release db"]);
    expect(t.shares.mounted.size).toBe(0);
  });
});
