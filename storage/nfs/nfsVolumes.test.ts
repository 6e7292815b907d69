import { beforeEach, describe, expect, it } from "vitest";
import type { CreateCloudVolume } from "../../core/cloud.js";
import { ErrorCode } from "../../core/errors.js";
import { nfsDirectoryName, nfsVolumeId, parseNfsShareDevice } from "../../core/nfsShares.js";
import type { Logger } from "../../core/ports.js";
import { FakeExportDirectories } from "../../test/fakes/fakeExportDirectories.js";
import { NfsVolumes } from "./nfsVolumes.js";

/** A logger that keeps each line as `level message`. */
function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    debug: () => undefined, info: (_o, msg) => void lines.push(`info ${msg}`), warn: (o, msg) => void lines.push(`warn ${msg} ${JSON.stringify(o)}`),
    error: (_o, msg) => void lines.push(`error ${msg}`), child: () => logger,
  };
  return logger;
}

let exports: FakeExportDirectories;
let logs: string[];
let nfs: NfsVolumes;
const id = nfsVolumeId("u-media");
const dir = nfsDirectoryName("media", "u-media");
const request = (options: Record<string, string> = {}): CreateCloudVolume => ({ uid: "u-media", name: "media", sizeBytes: 0, zone: "", options, fsType: "ext4", createdAt: "2026-12-03T12:00:00.000Z" });

beforeEach(() => {
  exports = new FakeExportDirectories();
  logs = [];
  nfs = new NfsVolumes(exports, {
    export: { server: "nas.lab", path: "/srv/swarm" }, mountOptions: ["actimeo=30"], region: "us-east-1", logger: recordingLogger(logs), now: () => "2026-12-03T13:00:00.000Z",
  });
});

describe("NfsVolumes (the nfs backend's controller verbs)", () => {
  it("creates the directory with the volume's owner, then its marker; a retry finds it and makes nothing", async () => {
    const made = await nfs.create(request({ uid: "1000", gid: "100", mode: "0770" }));
    expect(exports.said()).toEqual([`readMarker ${id}`, `makeDirectory ${dir} 1000:100 0770`, `writeMarker ${id} swarmvol/name=media,swarmvol/uid=u-media,swarmvol/epoch=0,swarmvol/spec=…`]);
    expect(made).toMatchObject({ id, zone: "us-east-1", regional: true, sizeBytes: 0, state: "available", attachments: [] });
    expect(JSON.parse(made.tags["swarmvol/spec"] as string)).toMatchObject({ f: "ext4", c: "2026-12-03T12:00:00.000Z", o: { uid: "1000" } });
    expect(await nfs.create(request())).toEqual(made);
    expect(exports.said()).toEqual([`readMarker ${id}`]);
  });

  it("a create that crashed after the directory makes only the marker next time, keeping the directory", async () => {
    exports.failNext = { op: "writeMarker", error: new Error("controller killed") };
    await expect(nfs.create(request())).rejects.toThrow(/killed/);
    exports.directories.get(dir)!.files = 3;
    await nfs.create(request());
    expect(exports.directories.get(dir)?.files).toBe(3);
    expect(exports.markers.has(id)).toBe(true);
  });

  it("places a single-writer volume on one node in the marker, grants the export's path and options, and releases it", async () => {
    await nfs.create(request());
    exports.said();
    const placed = await nfs.attach(id, "i-n1");
    expect(exports.said()).toEqual([`readMarker ${id}`, `writeMarker ${id} swarmvol/at/i-n1=placed`]);
    expect(placed).toEqual({ instanceId: "i-n1", device: `nfs://nas.lab/srv/swarm/${dir}?actimeo=30`, state: "attached" });
    expect(parseNfsShareDevice(placed.device)).toEqual({ kind: "nfs", server: "nas.lab", path: `/srv/swarm/${dir}`, options: ["actimeo=30"] });
    expect(await nfs.describe([id])).toMatchObject([{ state: "in-use", attachments: [{ instanceId: "i-n1", device: placed.device }] }]);

    await expect(nfs.attach(id, "i-n2")).rejects.toMatchObject({ code: ErrorCode.Conflict, details: { holders: ["i-n1"] } });
    await nfs.attach(id, "i-n1"); // the same node again is no second holder
    await nfs.detach(id, "i-n1");
    await nfs.detach(id, "i-n1");
    exports.said();
    expect(await nfs.describe()).toMatchObject([{ id, state: "available", attachments: [] }]);
    await nfs.attach(id, "i-n2");
    expect(exports.markers.get(id)?.tags).not.toHaveProperty("swarmvol/at/i-n1");
  });

  it("places a multi-writer volume on several nodes at once", async () => {
    await nfs.create(request({ access: "multi-writer" }));
    await nfs.attach(id, "i-n1");
    await nfs.attach(id, "i-n2");
    expect((await nfs.describe([id]))[0]?.attachments.map((a) => a.instanceId)).toEqual(["i-n1", "i-n2"]);
  });

  it("keeps the directory on delete by default, marks the volume retained and says where it is", async () => {
    await nfs.create(request());
    exports.said();
    await nfs.delete(id);
    expect(exports.said()).toEqual([`readMarker ${id}`, `writeMarker ${id} swarmvol/retained=2026-12-03T13:00:00.000Z`]);
    expect(exports.directories.has(dir)).toBe(true);
    expect(logs.at(-1)).toMatch(new RegExp(`^warn NFS volume removed; its directory and files are kept .*"kept":"nas.lab:/srv/swarm/${dir}"`));
    await nfs.delete(id); // again: nothing more to write
    expect(exports.said()).toEqual([`readMarker ${id}`]);
  });

  it("deletes the directory and then the marker with onRemove=delete; a repeat is done", async () => {
    await nfs.create(request({ onRemove: "delete" }));
    exports.said();
    await nfs.delete(id);
    expect(exports.said()).toEqual([`readMarker ${id}`, `removeDirectory ${dir}`, `removeMarker ${id}`]);
    expect(exports.directories.size).toBe(0);
    await nfs.delete(id);
    expect(exports.said()).toEqual([`readMarker ${id}`]);
  });

  it("refuses to delete a placed volume, and to place or tag one that is gone", async () => {
    await nfs.create(request({ onRemove: "delete" }));
    await nfs.attach(id, "i-n1");
    await expect(nfs.delete(id)).rejects.toMatchObject({ code: ErrorCode.InUse, details: { holders: ["i-n1"] } });
    expect(exports.directories.has(dir)).toBe(true);
    const gone = nfsVolumeId("u-other");
    await expect(nfs.attach(gone, "i-n1")).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(nfs.setTags(gone, { "swarmvol/epoch": "2" })).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await nfs.setTags(id, { "swarmvol/epoch": "2" });
    expect(exports.markers.get(id)?.tags["swarmvol/epoch"]).toBe("2");
  });

  it("grants an export at / and a port as nodes must mount them", async () => {
    const rooted = new NfsVolumes(exports, { export: { server: "10.0.0.5", port: 20490, path: "/" }, mountOptions: [], region: "r", logger: recordingLogger([]), now: () => "" });
    await rooted.create(request());
    expect((await rooted.attach(id, "i-n1")).device).toBe(`nfs://10.0.0.5:20490/${dir}`);
  });
});
