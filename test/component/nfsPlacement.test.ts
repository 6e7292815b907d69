/**
 * An NFS volume through the controller's backend seam (ADR 0027, 0031): recorded by
 * VolumeService, its directory made and placed by the reconciler's unchanged decide()
 * through the router and NfsVolumes on the recording ExportDirectories (marker-file
 * placement), moved after its holder is fenced (lease + grace) exactly as an EFS
 * single-writer volume, rebuilt from its marker with its options, and removed: by default
 * the directory is kept (and the volume never rebuilt), with onRemove=delete it goes.
 * EBS's block steps are never called for it.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { rebuildFromCloud } from "../../controller/rebuild.js";
import { nfsDirectoryName, nfsVolumeId, parseNfsShareDevice } from "../../core/nfsShares.js";
import { silentLogger } from "../../core/ports.js";
import type { VolumeRecord } from "../../core/volume.js";
import { NfsVolumes } from "../../storage/nfs/nfsVolumes.js";
import { nfsDefinition } from "../../storage/nfs/options.js";
import { FakeExportDirectories } from "../fakes/fakeExportDirectories.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { shareSeam, swarmNode, volumeTask, type ShareSeam } from "../fakes/shareSeam.js";

const ttlMs = 10_000;
const policy = { fenceGraceMs: 5_000, pollMs: 1_000 };
const id = nfsVolumeId("u-media");
const dir = nfsDirectoryName("media", "u-media");
const task = (taskId: string, nodeId: string) => volumeTask(taskId, nodeId, "media", "/srv/media");

let exports: FakeExportDirectories;
let seam: ShareSeam;
const record = () => seam.catalog.get("media") as VolumeRecord;

beforeEach(() => {
  exports = new FakeExportDirectories();
  seam = shareSeam({
    share: nfsDefinition, uid: "u-media", ttlMs, policy, zones: { n1: "us-east-1a", n2: "us-east-1b" },
    verbs: (clock) => new NfsVolumes(exports, {
      export: { server: "nas.lab", path: "/srv/swarm" }, mountOptions: ["actimeo=30"], region: "us-east-1", logger: silentLogger,
      now: () => new Date(clock.now()).toISOString(),
    }),
  });
});

/** Creates the volume and lets a task on n1 place it there. */
async function placedOnN1(options: Record<string, string> = {}): Promise<void> {
  await seam.service.create("media", { backend: "nfs", ...options });
  seam.world.tasks = [task("t1", "n1")];
  expect(await seam.reconciler.reconcile("media", silentLogger)).toEqual({});
}

/** The task goes away, then the volume. */
async function removed(): Promise<void> {
  seam.world.tasks = [];
  seam.heartbeat("n1");
  seam.heartbeat("n2");
  await seam.service.remove("media");
}

describe("an NFS single-writer volume through the backend seam", () => {
  it("is made, placed, moved after its holder is fenced, rebuilt from its marker, and removed keeping its directory", async () => {
    await seam.service.create("media", { backend: "nfs", uid: "1000", gid: "1000" });
    expect(record()).toMatchObject({ spec: { backend: "nfs", options: { backend: "nfs", uid: "1000" } }, status: { fresh: false, epoch: 0 } });
    expect(exports.said()).toEqual([]);

    seam.world.tasks = [task("t1", "n1")];
    expect(await seam.reconciler.reconcile("media", silentLogger)).toEqual({});
    expect(exports.said()).toEqual([
      `readMarker ${id}`, `makeDirectory ${dir} 1000:1000 0755`, `writeMarker ${id} swarmvol/name=media,swarmvol/uid=u-media,swarmvol/epoch=0,swarmvol/spec=…`,
      `readMarker ${id}`, `writeMarker ${id} swarmvol/epoch=1`, `readMarker ${id}`, `writeMarker ${id} swarmvol/at/i-n1=placed`,
    ]);
    expect(record().status).toMatchObject({ backendId: id, zone: "us-east-1", epoch: 1, grantedTo: { nodeId: "n1", instanceId: "i-n1", epoch: 1 } });
    expect(parseNfsShareDevice(record().status.grantedTo?.device ?? "")).toEqual({ kind: "nfs", server: "nas.lab", path: `/srv/swarm/${dir}`, options: ["actimeo=30"] });

    // n1 dies holding it; Swarm puts the task on n2
    seam.heartbeat("n1", ["media"]);
    seam.world.tasks = [task("t2", "n2")];
    seam.world.nodes = [swarmNode("n1", "down"), swarmNode("n2")];
    expect((await seam.reconciler.reconcile("media", silentLogger)).requeueAfterMs).toBeGreaterThan(0);
    expect(record().status.condition?.reason).toBe("HolderAlive");
    expect(exports.said()).toEqual([`readMarker ${id}`]);
    seam.clock.current += ttlMs + policy.fenceGraceMs;
    seam.heartbeat("n2");
    expect(await seam.reconciler.reconcile("media", silentLogger)).toEqual({});
    expect(exports.said()).toEqual([
      `readMarker ${id}`, `readMarker ${id}`, `writeMarker ${id} -swarmvol/at/i-n1`, `readMarker ${id}`, `writeMarker ${id} swarmvol/epoch=2`,
      `readMarker ${id}`, `writeMarker ${id} swarmvol/at/i-n2=placed`,
    ]);
    expect(record().status).toMatchObject({ epoch: 2, grantedTo: { nodeId: "n2", instanceId: "i-n2", epoch: 2 } });
    expect(record().status.lastMove).toMatchObject({ fromNode: "n1", toNode: "n2", forced: true });

    // a controller that lost its catalog rebuilds the entry from the markers, options and all
    const lost = new MemoryCatalog();
    expect(await rebuildFromCloud(lost, await seam.cloud.describe(), silentLogger)).toEqual(["media"]);
    expect(lost.get("media")).toMatchObject({ uid: "u-media", spec: { backend: "nfs", options: { backend: "nfs", uid: "1000", gid: "1000" } }, status: { backendId: id, epoch: 2, fresh: false } });
    exports.said();

    await removed();
    expect(exports.directories.has(dir)).toBe(true);
    expect(exports.markers.get(id)?.tags["swarmvol/retained"]).toBeDefined();
    expect(seam.catalog.get("media")).toBeUndefined();
    // a kept volume is never rebuilt into a catalog
    expect(await rebuildFromCloud(new MemoryCatalog(), await seam.cloud.describe(), silentLogger)).toEqual([]);
    // no block step was ever asked of EBS: only the instance state of the fencing, and the rebuild's bulk describes
    expect(seam.ebs.calls).toEqual(["describeInstances i-n1", "describe *", "describe *"]);
  });

  it("deletes the directory and its marker on remove with -o onRemove=delete", async () => {
    await placedOnN1({ onRemove: "delete" });
    exports.said();
    await removed();
    expect(exports.said()).toEqual([`readMarker ${id}`, `readMarker ${id}`, `writeMarker ${id} -swarmvol/at/i-n1`, `readMarker ${id}`, `removeDirectory ${dir}`, `removeMarker ${id}`]);
    expect(exports.directories.size).toBe(0);
    expect(exports.markers.size).toBe(0);
    expect(seam.catalog.get("media")).toBeUndefined();
  });

  it("keeps the directory with -o onRemove=retain, marking it so it is never rebuilt", async () => {
    await placedOnN1({ onRemove: "retain" });
    exports.said();
    await removed();
    expect(exports.said().filter((call) => !call.startsWith("readMarker"))).toEqual([`writeMarker ${id} -swarmvol/at/i-n1`, `writeMarker ${id} swarmvol/retained=${new Date(seam.clock.now()).toISOString()}`]);
    expect(exports.directories.has(dir)).toBe(true);
    expect(await rebuildFromCloud(new MemoryCatalog(), await seam.cloud.describe(), silentLogger)).toEqual([]);
  });
});
