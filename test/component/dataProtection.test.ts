/**
 * Clones (`-o from=`), restores, and what `docker volume rm` does (`-o onRemove=`), through
 * the real VolumeService, Reconciler and SnapshotService over fake clouds.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { ClaimBook } from "../../controller/claims.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { rebuildFromCloud } from "../../controller/rebuild.js";
import { Reconciler } from "../../controller/reconcile/reconciler.js";
import { FreezeBroker } from "../../controller/snapshots/freezeBroker.js";
import { SnapshotService } from "../../controller/snapshots/snapshotService.js";
import { VolumeService } from "../../controller/volumeService.js";
import { snapshotTags, type CreateCloudVolume } from "../../core/cloud.js";
import { unavailable } from "../../core/errors.js";
import { silentLogger } from "../../core/ports.js";
import type { SwarmTask } from "../../core/swarm.js";
import type { VolumeRecord } from "../../core/volume.js";
import { buildEbsSpec } from "../../storage/ebs/options.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { FakeSnapshots } from "../fakes/fakeSnapshots.js";
import { ManualTime } from "../fakes/fakeSwarm.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { RecordingMetrics } from "../fakes/recordingMetrics.js";

let time: ManualTime;
let cloud: FakeCloud;
let snapshots: FakeSnapshots;
let catalog: MemoryCatalog;
let registry: NodeRegistry;
let claims: ClaimBook;
let service: VolumeService;
let snapshotService: SnapshotService;
let reconciler: Reconciler;
let created: CreateCloudVolume[];
let tasks: SwarmTask[];
let uid = 0;

const task = (volume: string, nodeId: string): SwarmTask => ({
  id: `t-${volume}`, version: 1, serviceId: "s1", serviceName: volume, slot: 1, nodeId, desiredState: "running", state: "running",
  volumes: [{ source: volume, driver: "swarmvol", target: "/data", readOnly: false, options: {} }], updatedAt: "2026-11-22T10:00:00.000Z",
});
const record = (name: string) => catalog.get(name) as VolumeRecord;
const ofReason = (reason: string) => [...snapshots.snapshots.values()].filter((s) => s.tags[snapshotTags.reason] === reason);

beforeEach(async () => {
  time = new ManualTime();
  cloud = new FakeCloud();
  created = [];
  const create = cloud.create.bind(cloud);
  cloud.create = async (request) => {
    created.push(request);
    return create(request);
  };
  snapshots = new FakeSnapshots(() => time.now());
  catalog = new MemoryCatalog();
  registry = new NodeRegistry(time, 10_000);
  claims = new ClaimBook(time, 5_000);
  const journal = new MemoryJournal(() => time.now());
  snapshotService = new SnapshotService({ catalog, snapshots, registry, broker: new FreezeBroker(time, () => "f"), journal, clock: time, logger: silentLogger, newId: () => `r${++uid}` });
  tasks = [];
  reconciler = new Reconciler({
    catalog, cloud, journal, registry, claims, clock: time, metrics: new RecordingMetrics(), policy: { fenceGraceMs: 5000, pollMs: 1000 },
    view: { node: () => undefined, tasksForVolume: (volume) => tasks.filter((t) => t.volumes[0]?.source === volume) },
    cloneSource: (r) => snapshotService.cloneSource(r),
  });
  service = new VolumeService({
    catalog, cloud, journal, registry, claims, clock: time, logger: silentLogger, metrics: new RecordingMetrics(), buildSpec: buildEbsSpec,
    wantsOf: (name) => reconciler.wantsOf(name), enqueue: () => undefined, newUid: () => `u${++uid}`, snapshots: snapshotService,
  });
  registry.heartbeat("n1", { hostname: "node1", instanceId: "i-n1", zone: "z1", mounts: [] });
  // the source: created, placed on n1 (a cloud volume exists), then let go
  await service.create("db", { size: "2" });
  tasks = [task("db", "n1")];
  await reconciler.reconcile("db", silentLogger);
  tasks = [];
});

describe("clones (-o from=)", () => {
  it("take a fresh snapshot of the source at create, are never formatted, and are made from it where first needed", async () => {
    const clone = await service.create("copy", { from: "db" });
    expect(clone.status.fresh).toBe(false);
    const [source] = ofReason("clone");
    expect(source?.tags).toMatchObject({ "swarmvol/name": "db", "swarmvol/uid": record("db").uid });
    expect(clone.status.sourceSnapshot).toBe(source?.id);
    expect((await service.create("copy", { from: "db" })).status.sourceSnapshot).toBe(source?.id);
    expect(ofReason("clone")).toHaveLength(1);
    tasks = [task("copy", "n1")];
    await reconciler.reconcile("copy", silentLogger);
    expect(created.at(-1)).toMatchObject({ name: "copy", sizeBytes: 0, options: { snapshot: source?.id } });
    expect(created.at(-1)?.options.from).toBeUndefined();
    expect(record("copy").status).toMatchObject({ backendId: "vol-2", sourceSnapshot: source?.id });
  });

  it("a snapshot that failed at create is taken on the retry; a leader that lost the id finds the same one by its key", async () => {
    snapshots.failNext.create = unavailable("EC2 CreateSnapshot failed after retries");
    await expect(service.create("copy", { from: "db" })).rejects.toThrow(/failed after retries/);
    expect(record("copy").status.sourceSnapshot).toBeUndefined();
    const retried = await service.create("copy", { from: "db" });
    const id = retried.status.sourceSnapshot;
    expect(id).toMatch(/^snap-/);
    // a new leader rebuilt the record from Swarm's store: no sourceSnapshot in it
    const { sourceSnapshot: _lost, ...status } = record("copy").status;
    await catalog.put({ ...record("copy"), status });
    tasks = [task("copy", "n1")];
    await reconciler.reconcile("copy", silentLogger);
    expect(created.at(-1)?.options.snapshot).toBe(id);
    expect(ofReason("clone")).toHaveLength(1);
  });

  it.each([
    [{ from: "nope" }, "NOT_FOUND", /no such volume "nope" to clone from/],
    [{ from: "copy" }, "INVALID_ARGUMENT", /cannot be cloned from itself/],
    [{ from: "db", size: "1" }, "INVALID_ARGUMENT", /size 1GiB is smaller than volume "db" \(2GiB\)/],
    [{ from: "db", snapshot: "snap-0123456789abcdef0" }, "INVALID_ARGUMENT", /either -o from=VOLUME \(clone\) or -o snapshot=ID/],
  ])("refuses %j", async (options, code, message) => {
    await expect(service.create("copy", options)).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    expect(catalog.get("copy")).toBeUndefined();
  });

  it("refuses a source that was never mounted (no data)", async () => {
    await service.create("empty", null);
    await expect(service.create("copy", { from: "empty" })).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/has no data yet/) });
  });

  it("a restore (-o snapshot=) is never formatted either; a plain volume is fresh", async () => {
    expect((await service.create("restored", { snapshot: "snap-0123456789abcdef0" })).status.fresh).toBe(false);
    expect((await service.create("plain", null)).status.fresh).toBe(true);
  });
});

describe("docker volume rm (-o onRemove=)", () => {
  it("by default takes a final snapshot, then deletes the cloud volume", async () => {
    const dbUid = record("db").uid;
    await service.remove("db");
    expect(ofReason("final")).toHaveLength(1);
    expect(ofReason("final")[0]?.tags).toMatchObject({ "swarmvol/name": "db", "swarmvol/uid": dbUid, "swarmvol/frozen": "false" });
    expect(cloud.calls.slice(-2)).toEqual(["detach vol-1 i-n1", "delete vol-1"]);
    expect(catalog.get("db")).toBeUndefined();
  });

  it("a final snapshot that fails stops the delete: the volume stays", async () => {
    snapshots.failNext.create = unavailable("EC2 CreateSnapshot failed after retries");
    await expect(service.remove("db")).rejects.toThrow(/failed after retries/);
    expect(cloud.volumes.has("vol-1")).toBe(true);
    expect(catalog.get("db")).toBeDefined();
  });

  it("delete: no snapshot; retain: the cloud volume stays, tagged, and is never rebuilt into the catalog", async () => {
    await service.create("scratch", { onRemove: "delete" });
    tasks = [task("scratch", "n1")];
    await reconciler.reconcile("scratch", silentLogger);
    tasks = [];
    await service.remove("scratch");
    expect(ofReason("final")).toEqual([]);
    expect(cloud.volumes.has("vol-2")).toBe(false);

    await service.create("keep", { onRemove: "retain" });
    tasks = [task("keep", "n1")];
    await reconciler.reconcile("keep", silentLogger);
    tasks = [];
    await service.remove("keep");
    expect(cloud.calls).not.toContain("delete vol-3");
    expect(cloud.volumes.get("vol-3")?.tags["swarmvol/retained"]).toBe(new Date(time.now()).toISOString());
    expect(catalog.get("keep")).toBeUndefined();
    expect(await rebuildFromCloud(catalog, await cloud.describe(), silentLogger)).toEqual([]);
  });

  it("is refused while another node mounts the volume, naming that node; nothing is touched", async () => {
    registry.heartbeat("n2", { hostname: "node2", instanceId: "i-n2", zone: "z1", mounts: [{ volume: "db", epoch: 1 }] });
    await expect(service.remove("db")).rejects.toMatchObject({ code: "IN_USE", message: expect.stringMatching(/in use on node\(s\) node2 \(n2\); stop the containers using it there first/) });
    expect(ofReason("final")).toEqual([]);
    expect(cloud.volumes.has("vol-1")).toBe(true);
  });
});
