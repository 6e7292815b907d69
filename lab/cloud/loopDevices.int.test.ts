/**
 * Real loop devices behind the emulator, driven through the real SDK. Needs root (losetup,
 * mkfs, mount, unshare). Skips with a reason when not root, except under CI=true.
 */
import {
  ModifyVolumeCommand,
  AttachVolumeCommand, CreateSnapshotCommand, CreateVolumeCommand, DescribeSnapshotsCommand, DescribeVolumesCommand,
  DetachVolumeCommand, EC2Client, type Volume,
} from "@aws-sdk/client-ec2";
import { spawn, type ChildProcess } from "node:child_process";
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { execRunner } from "./exec.js";
import { startCloud, type RunningCloud } from "./index.js";
import { byIdName, LoopDeviceHost } from "./loopDevices.js";

const isRoot = process.getuid?.() === 0;
const inCi = process.env.CI === "true";
if (!isRoot && !inCi) console.warn("skipping lab/cloud loop-device tests: they need root (losetup, mount); CI=true never skips");

const A = "i-0aaaaaaaaaaaaaaa1";
const B = "i-0aaaaaaaaaaaaaaa2";
const C = "i-0bbbbbbbbbbbbbbb3";
let dir = "";
let cloud: RunningCloud | undefined;
let ec2: EC2Client;
const holders: ChildProcess[] = [];

async function sh(program: string, ...args: string[]): Promise<string> {
  const r = await execRunner.run(program, args);
  if (r.code !== 0) throw new Error(`${program} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function volume(id: string): Promise<Volume> {
  return (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes![0]!;
}
const until = (id: string, pred: (v: Volume) => boolean) =>
  vi.waitFor(async () => expect(pred(await volume(id))).toBe(true), { timeout: 15_000, interval: 50 });
const attachmentState = (v: Volume) => v.Attachments?.[0]?.State;
const link = (dev: string, vol: string) => join(dir, dev, byIdName(vol));
const exists = (p: string) => lstat(p).then(() => true, () => false);

/** Mounts `device` on `mnt` inside a new private mount namespace, held open until killed. */
async function holdMountInOwnNamespace(device: string, mnt: string, command: string): Promise<{ proc: ChildProcess; out: string }> {
  const proc = spawn("unshare", ["-m", "--propagation", "private", "sh", "-c",
    `mount "$0" "$1" && ${command} && echo READY && exec sleep 600`, device, mnt], { stdio: ["ignore", "pipe", "pipe"] });
  holders.push(proc);
  let out = "";
  await new Promise<void>((resolve, reject) => {
    proc.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("READY")) resolve();
    });
    proc.stderr?.on("data", (c: Buffer) => reject(new Error(c.toString())));
    proc.on("exit", (code) => reject(new Error(`holder exited ${code}`)));
  });
  return { proc, out };
}

async function cleanup(): Promise<void> {
  for (const p of holders) p.kill("SIGKILL");
  await cloud?.close();
  const mountinfo = await readFile("/proc/self/mountinfo", "utf8");
  for (const line of mountinfo.split("\n")) {
    const point = line.split(" ")[4];
    if (point !== undefined && dir !== "" && point.startsWith(dir)) await execRunner.run("umount", ["-l", point]);
  }
  const list = JSON.parse((await sh("losetup", "--list", "--json", "--output", "NAME,BACK-FILE")) || '{"loopdevices":[]}') as
    { loopdevices: Array<{ name: string; "back-file"?: string }> };
  for (const d of list.loopdevices) if (dir !== "" && (d["back-file"] ?? "").startsWith(dir)) await execRunner.run("losetup", ["-d", d.name]);
  if (dir !== "") await rm(dir, { recursive: true, force: true });
}

describe.skipIf(!isRoot && !inCi)("loop-device EBS emulation (root)", () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-cloud-int-"));
    for (const d of ["devA", "devB", "devC", "mntA", "mntB", "mntC"]) await mkdir(join(dir, d));
    cloud = await startCloud({
      instances: [
        { instanceId: A, name: "node1", zone: "us-east-1a", deviceDir: join(dir, "devA"), privateIp: "10.213.0.11" },
        { instanceId: B, name: "node2", zone: "us-east-1a", deviceDir: join(dir, "devB"), privateIp: "10.213.0.12" },
        { instanceId: C, name: "node3", zone: "us-east-1b", deviceDir: join(dir, "devC"), privateIp: "10.213.0.13" },
      ],
      dataDir: join(dir, "data"),
      devices: "loop",
      seed: 1,
      faults: { latencyMs: { create: 50, attach: 100, detach: 100, delete: 50, snapshot: 50, snapshotPerGiB: 0, modify: 100, optimize: 100 }, busyPollMs: 100 },
    });
    ec2 = new EC2Client({ endpoint: cloud.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" }, maxAttempts: 1 });
  });
  afterAll(cleanup);

  it("moves a filesystem from A to B, refuses a busy detach, and force-detaches", async () => {
    const vol = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1, VolumeType: "gp3" }))).VolumeId!;
    await until(vol, (v) => v.State === "available");
    expect((await stat(join(dir, "data", "volumes", `${vol}.img`))).size).toBe(1024 ** 3);

    // attach to A: a real block device appears, linked only in A's device directory
    await ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: A, Device: "/dev/xvdf" }));
    await until(vol, (v) => attachmentState(v) === "attached");
    const loopA = await readlink(link("devA", vol));
    expect(loopA).toMatch(/^\/dev\/loop\d+$/);
    expect((await stat(link("devA", vol))).isBlockDevice()).toBe(true);
    expect(await exists(link("devB", vol))).toBe(false);

    await sh("mkfs.ext4", "-q", "-F", link("devA", vol));
    await sh("mount", link("devA", vol), join(dir, "mntA"));
    await writeFile(join(dir, "mntA", "hello.txt"), "written on A");

    // a detach while mounted stays busy; unmounting lets it finish
    await ec2.send(new DetachVolumeCommand({ VolumeId: vol, InstanceId: A }));
    await until(vol, (v) => attachmentState(v) === "busy");
    expect(await exists(link("devA", vol))).toBe(true);
    await sh("umount", join(dir, "mntA"));
    await until(vol, (v) => v.State === "available" && (v.Attachments ?? []).length === 0);
    expect(await exists(link("devA", vol))).toBe(false);
    expect(await new LoopDeviceHost({ dataDir: join(dir, "data") }).loopsOf(vol)).toEqual([]);

    // attach to B and read the data inside B's own mount namespace
    await ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: B, Device: "/dev/xvdg" }));
    await until(vol, (v) => attachmentState(v) === "attached");
    expect(await exists(link("devA", vol))).toBe(false);
    const held = await holdMountInOwnNamespace(link("devB", vol), join(dir, "mntB"), `cat "$1/hello.txt"`);
    expect(held.out).toContain("written on A");

    // the mount lives in another namespace: still busy; Force takes it anyway
    await ec2.send(new DetachVolumeCommand({ VolumeId: vol }));
    await until(vol, (v) => attachmentState(v) === "busy");
    await ec2.send(new DetachVolumeCommand({ VolumeId: vol, Force: true }));
    await until(vol, (v) => v.State === "available" && (v.Attachments ?? []).length === 0);
    expect(await exists(link("devB", vol))).toBe(false);
    held.proc.kill("SIGKILL");
    await vi.waitFor(async () => expect(await new LoopDeviceHost({ dataDir: join(dir, "data") }).loopsOf(vol)).toEqual([]),
      { timeout: 10_000, interval: 100 });

    const types = cloud!.events().filter((e) => e.volumeId === vol).map((e) => e.type);
    expect(types).toEqual(["volume-created", "attach-requested", "attached", "detach-requested", "detach-busy", "detached",
      "attach-requested", "attached", "detach-requested", "detach-busy", "detach-requested", "force-detached"]);
    const log = (await (await fetch(`${cloud!.endpoint}/_swarmvol/log`)).json()) as { overlaps: unknown[] };
    expect(log.overlaps).toEqual([]);
  });

  // XFS: ext4's online grow needs CAP_SYS_RESOURCE, which this machine kind's root lacks
  // (resize2fs then fails with "Permission denied to resize filesystem"; docs/lab.md).
  it("ModifyVolume grows an attached, mounted volume: the loop device sees the new size and xfs_growfs grows it online", async () => {
    const vol = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1 }))).VolumeId!;
    await until(vol, (v) => v.State === "available");
    await ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: A, Device: "/dev/xvdi" }));
    await until(vol, (v) => attachmentState(v) === "attached");
    await sh("mkfs.xfs", "-q", "-f", link("devA", vol));
    await sh("mount", link("devA", vol), join(dir, "mntA"));
    const sizeGiB = async () => Number((await sh("df", "--output=size", "-BM", join(dir, "mntA"))).split("\n")[1]?.trim().replace("M", "")) / 1024;
    try {
      await writeFile(join(dir, "mntA", "kept.txt"), "kept through the resize");
      expect(await sizeGiB()).toBeLessThan(1);
      await ec2.send(new ModifyVolumeCommand({ VolumeId: vol, Size: 2 }));
      await until(vol, (v) => v.Size === 2);
      expect((await sh("blockdev", "--getsize64", link("devA", vol))).trim()).toBe(String(2 * 1024 ** 3));
      await sh("xfs_growfs", join(dir, "mntA"));
      expect(await sizeGiB()).toBeGreaterThan(1.5);
      expect(await readFile(join(dir, "mntA", "kept.txt"), "utf8")).toBe("kept through the resize");
    } finally {
      await sh("umount", join(dir, "mntA"));
    }
    await ec2.send(new DetachVolumeCommand({ VolumeId: vol }));
    await until(vol, (v) => v.State === "available");
  });

  it("restores a snapshot into a new volume with the data", async () => {
    const vol = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1 }))).VolumeId!;
    await until(vol, (v) => v.State === "available");
    await ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: A, Device: "/dev/xvdh" }));
    await until(vol, (v) => attachmentState(v) === "attached");
    await sh("mkfs.ext4", "-q", "-F", link("devA", vol));
    await sh("mount", link("devA", vol), join(dir, "mntA"));
    await writeFile(join(dir, "mntA", "snap.txt"), "before snapshot");
    await sh("umount", join(dir, "mntA"));
    const snap = (await ec2.send(new CreateSnapshotCommand({ VolumeId: vol }))).SnapshotId!;
    await vi.waitFor(async () => {
      const s = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snap] }));
      expect(s.Snapshots?.[0]?.State).toBe("completed");
    }, { timeout: 10_000, interval: 50 });

    const copy = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", SnapshotId: snap }))).VolumeId!;
    await until(copy, (v) => v.State === "available");
    await ec2.send(new AttachVolumeCommand({ VolumeId: copy, InstanceId: B, Device: "/dev/xvdf" }));
    await until(copy, (v) => attachmentState(v) === "attached");
    await sh("mount", link("devB", copy), join(dir, "mntB"));
    try {
      expect(await readFile(join(dir, "mntB", "snap.txt"), "utf8")).toBe("before snapshot");
    } finally {
      await sh("umount", join(dir, "mntB"));
    }
    for (const id of [vol, copy]) {
      await ec2.send(new DetachVolumeCommand({ VolumeId: id }));
      await until(id, (v) => v.State === "available");
    }
  });

  it("a snapshot of a mounted, frozen volume holds the bytes of that moment; a volume in another zone restores them", async () => {
    const vol = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1 }))).VolumeId!;
    await until(vol, (v) => v.State === "available");
    await ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: A, Device: "/dev/xvdi" }));
    await until(vol, (v) => attachmentState(v) === "attached");
    await sh("mkfs.ext4", "-q", "-F", link("devA", vol));
    await sh("mount", link("devA", vol), join(dir, "mntA"));
    let snap = "";
    try {
      // not synced by hand: fsfreeze flushes the page cache and the journal itself
      await writeFile(join(dir, "mntA", "before.txt"), "written before the snapshot");
      await sh("fsfreeze", "-f", join(dir, "mntA"));
      try {
        snap = (await ec2.send(new CreateSnapshotCommand({ VolumeId: vol }))).SnapshotId!;
      } finally {
        await sh("fsfreeze", "-u", join(dir, "mntA"));
      }
      await writeFile(join(dir, "mntA", "after.txt"), "written after the snapshot");
      await sh("sync");
    } finally {
      await sh("umount", join(dir, "mntA"));
    }
    await vi.waitFor(async () => {
      expect((await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snap] }))).Snapshots?.[0]?.State).toBe("completed");
    }, { timeout: 10_000, interval: 50 });

    const copy = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1b", SnapshotId: snap }))).VolumeId!;
    await until(copy, (v) => v.State === "available");
    await ec2.send(new AttachVolumeCommand({ VolumeId: copy, InstanceId: C, Device: "/dev/xvdf" }));
    await until(copy, (v) => attachmentState(v) === "attached");
    await sh("mount", link("devC", copy), join(dir, "mntC"));
    try {
      expect(await readFile(join(dir, "mntC", "before.txt"), "utf8")).toBe("written before the snapshot");
      expect(await exists(join(dir, "mntC", "after.txt"))).toBe(false);
    } finally {
      await sh("umount", join(dir, "mntC"));
    }
    for (const id of [vol, copy]) {
      await ec2.send(new DetachVolumeCommand({ VolumeId: id }));
      await until(id, (v) => v.State === "available");
    }
  });
});
