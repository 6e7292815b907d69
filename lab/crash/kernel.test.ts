import { describe, expect, it } from "vitest";
import { kernelProblems, mountExpectation, parseLoops, parseMountinfo, volumeOfImage, type LabSnapshot } from "./kernel.js";

const lab = "/lab";
const images = "/lab/cloud/volumes";
const mountinfo = (lines: string[]) => lines.join("\n");

/** node2 has vol-a attached as /dev/loop3 (7:3) and mounted once; vol-b is attached to node3, not mounted. */
function snapshot(over: Partial<LabSnapshot> = {}): LabSnapshot {
  return {
    mounts: [
      ...parseMountinfo(mountinfo([
        "21 26 0:20 / /proc rw,relatime - proc proc rw",
        "90 26 7:3 / /lab/nodes/node2/swarmvol/mounts/db rw,relatime - ext4 /dev/loop3 rw",
      ]), "node2"),
      ...parseMountinfo("21 26 0:20 / /proc rw - proc proc rw\n", "node3"),
    ],
    loops: [
      { name: "/dev/loop3", backFile: `${images}/vol-a.img`, device: "7:3" },
      { name: "/dev/loop4", backFile: `${images}/vol-b.img`, device: "7:4" },
      { name: "/dev/loop0", backFile: "/var/lib/other/thing.img", device: "7:0" },
    ],
    volumes: [
      { volumeId: "vol-a", attachments: [{ instanceId: "i-2", state: "attached" }] },
      { volumeId: "vol-b", attachments: [{ instanceId: "i-3", state: "attached" }] },
      { volumeId: "vol-c", attachments: [] },
    ],
    links: [{ node: "node2", volumeId: "vol-a", target: "/dev/loop3" }, { node: "node3", volumeId: "vol-b", target: "/dev/loop4" }],
    instances: new Map([["i-2", "node2"], ["i-3", "node3"]]),
    labDir: lab, volumesDir: images,
    ...over,
  };
}

describe("parsers", () => {
  it("reads mountinfo's device, root and mount point (octal escapes undone)", () => {
    expect(parseMountinfo("90 26 7:3 /data /mnt/a\\040b rw - ext4 /dev/loop3 rw\n", "n")).toEqual([{ node: "n", device: "7:3", root: "/data", mountPoint: "/mnt/a b" }]);
  });

  it("reads losetup's JSON with its padded maj:min", () => {
    const json = '{"loopdevices":[{"name":"/dev/loop1","back-file":"/lab/cloud/volumes/vol-01.img","maj:min":"  7:1  "}]}';
    expect(parseLoops(json)).toEqual([{ name: "/dev/loop1", backFile: "/lab/cloud/volumes/vol-01.img", device: "7:1" }]);
    expect(parseLoops("")).toEqual([]);
  });

  it("knows an emulator image, but not a deleted one", () => {
    expect(volumeOfImage(`${images}/vol-0abc.img`, images)).toBe("vol-0abc");
    expect(volumeOfImage(`${images}/vol-0abc.img (deleted)`, images)).toBeUndefined();
    expect(volumeOfImage("/lab/nodes/node2/swarmvol/images/x.img", images)).toBeUndefined();
  });
});

describe("kernelProblems", () => {
  it("a consistent lab has none (loops outside the lab are not the lab's)", () => {
    expect(kernelProblems(snapshot())).toEqual([]);
  });

  it("a loop device of a volume attached nowhere is leaked", () => {
    const s = snapshot({ loops: [...snapshot().loops, { name: "/dev/loop9", backFile: `${images}/vol-c.img`, device: "7:9" }] });
    expect(kernelProblems(s)).toEqual(["leaked loop device /dev/loop9 of vol-c, attached nowhere"]);
  });

  it("two loops of one image, or a loop on a deleted file under the lab, are leaks too", () => {
    const two = snapshot({ loops: [...snapshot().loops, { name: "/dev/loop8", backFile: `${images}/vol-a.img`, device: "7:8" }] });
    expect(kernelProblems(two)).toEqual(["vol-a has 2 loop devices (/dev/loop3, /dev/loop8)"]);
    const deleted = snapshot({ loops: [...snapshot().loops, { name: "/dev/loop7", backFile: `${images}/vol-d.img (deleted)`, device: "7:7" }] });
    expect(kernelProblems(deleted)).toEqual([`leaked loop device /dev/loop7 backed by ${images}/vol-d.img (deleted)`]);
  });

  it("a second mount of one image (across nodes or on one) was not adopted; a bind of its data folder is no second mount", () => {
    const twice = snapshot({ mounts: [...snapshot().mounts, ...parseMountinfo("95 26 7:3 / /lab/nodes/node2/swarmvol/mounts/db2 rw - ext4 /dev/loop3 rw", "node2")] });
    expect(kernelProblems(twice)).toEqual(["vol-a is mounted 2 times (node2:/lab/nodes/node2/swarmvol/mounts/db, node2:/lab/nodes/node2/swarmvol/mounts/db2): a mount was not adopted"]);
    const bind = snapshot({ mounts: [...snapshot().mounts, ...parseMountinfo("96 26 7:3 /data /var/lib/docker/x rw - ext4 /dev/loop3 rw", "node2")] });
    expect(kernelProblems(bind)).toEqual([]);
  });

  it("a mount on a node the volume is not attached to, and links that disagree with the attachments", () => {
    const moved = snapshot({ volumes: [{ volumeId: "vol-a", attachments: [{ instanceId: "i-3", state: "attached" }] }, ...snapshot().volumes.slice(1)] });
    expect(kernelProblems(moved)).toEqual([
      "stale device link for vol-a on node2 (attached to node3)",
      "vol-a is attached to node3 but has no device there",
      "vol-a is mounted on node2 but attached to node3",
    ]);
  });
});

describe("mountExpectation", () => {
  it("mounted once on the node, or nowhere", () => {
    expect(mountExpectation(snapshot(), "db", "vol-a", { node: "node2" })).toEqual([]);
    expect(mountExpectation(snapshot(), "db", "vol-a", { node: "node3" })).toEqual(["db (vol-a) should be mounted once on node3, is mounted at node2:/lab/nodes/node2/swarmvol/mounts/db"]);
    expect(mountExpectation(snapshot(), "db", "vol-a", "nowhere")).toEqual(["db (vol-a) is still mounted after its last user left (node2:/lab/nodes/node2/swarmvol/mounts/db)"]);
    expect(mountExpectation(snapshot(), "logs", "vol-b", "nowhere")).toEqual([]);
    expect(mountExpectation(snapshot(), "x", undefined, "nowhere")).toEqual(["x has no EBS volume in the controller's record"]);
  });
});
