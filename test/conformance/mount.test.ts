import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await h.call("/VolumeDriver.Create", { Name: "data", Opts: null });
  h.node.actions.length = 0;
});
afterEach(async () => h.close());

const mount = (id: string, name = "data") => h.call("/VolumeDriver.Mount", { Name: name, ID: id });
const unmount = (id: string, name = "data") => h.call("/VolumeDriver.Unmount", { Name: name, ID: id });
const idA = "a".repeat(64);
const idB = "b".repeat(64);

describe("plugin protocol: mount and unmount", () => {
  it("formats a fresh volume once, mounts it and returns its data folder", async () => {
    const answer = await mount(idA);
    expect(answer.body).toEqual({ Mountpoint: "/mnt/sv/data/data" });
    // A filesystem made a moment ago is clean by construction: no fsck before its first mount.
    expect(h.node.actions).toEqual(["attach data", "mkfs ext4 /dev/fake-uid-1", "mount /dev/fake-uid-1 /mnt/sv/data"]);
    expect(h.catalog.get("data")?.status.fresh).toBe(false);
  });

  it("makes ext4 with multi-mount protection only for a volume created with -o mmp=on (ADR 0028); refuses it on xfs", async () => {
    await h.call("/VolumeDriver.Create", { Name: "guarded", Opts: { mmp: "on" } });
    await mount(idA, "guarded");
    await mount(idA);
    expect(h.node.actions.filter((action) => action.startsWith("mkfs"))).toEqual([expect.stringMatching(/^mkfs ext4 \/dev\/fake-\S+ mmp$/), "mkfs ext4 /dev/fake-uid-1"]);
    const refused = await h.call("/VolumeDriver.Create", { Name: "xfsguard", Opts: { mmp: "on", fsType: "xfs" } });
    expect(refused.body.Err).toMatch(/mmp=on needs ext4.*use -o fsType=ext4, or remove -o mmp/);
    expect(h.catalog.get("xfsguard")).toBeUndefined();
  });

  it("checks an existing filesystem before every later mount, never formatting it again", async () => {
    await mount(idA);
    await unmount(idA);
    h.node.actions.length = 0;
    await mount(idB);
    expect(h.node.actions).toEqual(["attach data", "fsck /dev/fake-uid-1", "mount /dev/fake-uid-1 /mnt/sv/data"]);
  });

  it("refcounts two mounts with different IDs and unmounts only after the last", async () => {
    await mount(idA);
    expect((await mount(idB)).body).toEqual({ Mountpoint: "/mnt/sv/data/data" });
    expect(h.node.actions.filter((action) => action.startsWith("mount"))).toHaveLength(1);
    await unmount(idA);
    expect(h.node.actions.some((action) => action.startsWith("unmount"))).toBe(false);
    expect((await h.call("/VolumeDriver.Path", { Name: "data" })).body).toEqual({ Mountpoint: "/mnt/sv/data/data" });
    await unmount(idB);
    expect(h.node.actions.slice(-2)).toEqual(["unmount /mnt/sv/data", "detach data"]);
    expect((await h.call("/VolumeDriver.Path", { Name: "data" })).body).toEqual({ Mountpoint: "" });
  });

  it("treats a repeated Mount with the same ID as one user", async () => {
    await mount(idA);
    await mount(idA);
    expect(h.mounts.get("data")?.ids).toEqual([idA]);
    await unmount(idA);
    expect(h.mounts.get("data")).toBeUndefined();
  });

  it("succeeds on Unmount of an unknown ID and changes nothing", async () => {
    await mount(idA);
    const before = [...h.node.actions];
    expect((await unmount("f".repeat(64))).body).toEqual({});
    expect((await unmount(idA, "never-mounted")).body).toEqual({});
    expect(h.node.actions).toEqual(before);
    expect(h.mounts.get("data")?.ids).toEqual([idA]);
  });

  it("does not format a fresh volume whose device already has a filesystem", async () => {
    h.node.devices.set("/dev/fake-uid-1", { signature: "ext4", headZero: false });
    await mount(idA);
    expect(h.node.actions.some((action) => action.startsWith("mkfs"))).toBe(false);
    expect(h.catalog.get("data")?.status.fresh).toBe(false);
  });

  it("refuses to format a fresh volume whose device holds data but no signature", async () => {
    h.node.devices.set("/dev/fake-uid-1", { signature: null, headZero: false });
    const answer = await mount(idA);
    expect(answer.body.Err).toMatch(/holds data in its first MiB; refusing to format/);
    expect(h.node.actions).toEqual(["attach data"]);
  });

  it("refuses to format a volume it formatted before, even if the signature is gone", async () => {
    const record = h.catalog.get("data")!;
    h.catalog.records.set("data", { ...record, status: { ...record.status, fresh: false } });
    const answer = await mount(idA);
    expect(answer.body.Err).toMatch(/formatted this volume before; refusing to format it again/);
    expect(h.node.actions).toEqual(["attach data"]);
  });

  it("refuses Remove while mounted and names the fix", async () => {
    await mount(idA);
    const answer = await h.call("/VolumeDriver.Remove", { Name: "data" });
    expect(answer.body.Err).toMatch(/in use by 1 mount\(s\).*stop the containers/);
    expect(h.catalog.get("data")).toBeDefined();
  });

  it("answers Mount of an unknown volume with a clear Err", async () => {
    expect((await mount(idA, "ghost")).body.Err).toMatch(/no such volume "ghost"/);
  });

  it("reports a failed mount and recovers on retry without formatting twice", async () => {
    h.node.failNext.mount = new Error("mount: wrong fs type");
    expect((await mount(idA)).body.Err).toMatch(/wrong fs type/);
    expect((await mount(idA)).body).toEqual({ Mountpoint: "/mnt/sv/data/data" });
    expect(h.node.actions.filter((action) => action.startsWith("mkfs"))).toHaveLength(1);
  });
});

describe("plugin protocol: concurrency", () => {
  it("serialises calls for one volume: concurrent mounts attach once", async () => {
    await Promise.all([mount(idA), mount(idB)]);
    expect(h.node.actions.filter((action) => action.startsWith("attach"))).toEqual(["attach data"]);
    expect(h.mounts.get("data")?.ids.sort()).toEqual([idA, idB]);
  });

  it("runs calls for different volumes in parallel", async () => {
    await h.call("/VolumeDriver.Create", { Name: "other", Opts: null });
    let open!: () => void;
    h.node.attachGates.set("data", new Promise<void>((resolve) => (open = resolve)));
    const slow = mount(idA);
    expect((await mount(idB, "other")).body).toEqual({ Mountpoint: "/mnt/sv/other/data" });
    open();
    expect((await slow).body).toEqual({ Mountpoint: "/mnt/sv/data/data" });
  });
});

describe("plugin protocol: a Mount cut short by kill -9", () => {
  /** mount(8) finished after the daemon died: the kernel has the mount, the mount table does not. */
  const interruptedMount = async () => {
    await mount(idA);
    h.mounts.entries.delete("data");
    h.node.actions.length = 0;
  };

  it("the next Mount adopts what the kernel has: no fsck of a mounted device, no second mount", async () => {
    await interruptedMount();
    expect((await mount(idB)).body).toEqual({ Mountpoint: "/mnt/sv/data/data" });
    expect(h.node.actions).toEqual(["attach data"]);
    expect(h.mounts.get("data")?.ids).toEqual([idB]);
    await unmount(idB);
    expect(h.node.actions).toContain("unmount /mnt/sv/data");
  });

  it("Remove unmounts what an interrupted Mount left before deleting the image", async () => {
    await interruptedMount();
    expect((await h.call("/VolumeDriver.Remove", { Name: "data" })).body).toEqual({});
    expect(h.node.actions.indexOf("unmount /mnt/sv/data")).toBeGreaterThanOrEqual(0);
    expect(h.node.actions.indexOf("unmount /mnt/sv/data")).toBeLessThan(h.node.actions.indexOf("remove data"));
    expect(h.node.mounted.size).toBe(0);
  });
});
