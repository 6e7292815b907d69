/**
 * What a new leader must know and does not remember: the catalog restored from Swarm's
 * store and the cloud's tags (controller/replicatedCatalog.ts), and node identity from
 * Swarm's labels (controller/nodeRegistry.ts). Includes the restart bug of issue 9: a
 * controller that lost its state while a node was dead must still free that node's volume.
 */
import { describe, expect, it } from "vitest";
import { ClaimBook } from "../../controller/claims.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { Reconciler } from "../../controller/reconcile/reconciler.js";
import { ReplicatedCatalog, restoreCatalog } from "../../controller/replicatedCatalog.js";
import { cloudTags, specTagOf, type CloudVolume } from "../../core/cloud.js";
import { nodeLabels } from "../../core/clusterStore.js";
import { ErrorCode, unavailable } from "../../core/errors.js";
import { RecordingMetrics } from "../fakes/recordingMetrics.js";
import { silentLogger } from "../../core/ports.js";
import type { SwarmNode, SwarmTask } from "../../core/swarm.js";
import type { VolumeRecord } from "../../core/volume.js";
import { FakeClock } from "../fakes/clock.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { FakeClusterStore } from "../fakes/fakeClusterStore.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";

const spec = (name: string, options: Record<string, string> = { size: "5", type: "io2" }) =>
  ({ name, backend: "ebs", sizeBytes: 5 * 1024 ** 3, fsType: "xfs" as const, options });
const record = (name: string, uid: string, status: Partial<VolumeRecord["status"]> = {}): VolumeRecord =>
  ({ uid, createdAt: "2026-11-30T08:00:00.000Z", spec: spec(name), status: { phase: "ready", fresh: true, epoch: 0, ...status } });

describe("ReplicatedCatalog", () => {
  it("a new volume is stored in Swarm before the local write; a store failure acknowledges nothing", async () => {
    const store = new FakeClusterStore();
    const local = new MemoryCatalog();
    const catalog = new ReplicatedCatalog(local, store);
    store.failNext("putVolume", unavailable("no Raft quorum"));
    await expect(catalog.put(record("a", "u-a"))).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    expect(local.get("a")).toBeUndefined();
    await catalog.put(record("a", "u-a"));
    expect(store.calls.filter((call) => call.startsWith("putVolume"))).toHaveLength(2);
    expect(local.get("a")?.status.replicated).toBe(true);
  });

  it("status steps stay local; the fresh mark clearing and a remove go to Swarm", async () => {
    const store = new FakeClusterStore();
    const catalog = new ReplicatedCatalog(new MemoryCatalog(), store);
    await catalog.put(record("a", "u-a"));
    const current = catalog.get("a") as VolumeRecord;
    await catalog.put({ ...current, status: { ...current.status, epoch: 3, backendId: "vol-1" } });
    expect(store.calls.filter((call) => call.startsWith("putVolume"))).toHaveLength(1);
    await catalog.put({ ...current, status: { ...current.status, fresh: false } });
    expect((await store.listVolumes())[0]?.formatted).toBe(true);
    await catalog.remove("a");
    expect(await store.listVolumes()).toEqual([]);
    expect(catalog.get("a")).toBeUndefined();
  });

  it("a replica that may not write refuses before touching Swarm or the cache", async () => {
    const store = new FakeClusterStore();
    const catalog = new ReplicatedCatalog(new MemoryCatalog(), store, () => {
      throw unavailable("not the leader");
    });
    await expect(catalog.put(record("a", "u-a"))).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    expect(store.calls).toEqual([]);
  });
});

describe("restoreCatalog", () => {
  it("rebuilds from Swarm (real options, fsType, creation time), the cloud (id, zone, epoch) and tags; migrates and drops", async () => {
    const store = new FakeClusterStore({ volumes: [
      { uid: "u-never", createdAt: "2026-11-30T08:00:00.000Z", spec: spec("never-attached"), formatted: false },
      { uid: "u-used", createdAt: "2026-11-29T08:00:00.000Z", spec: spec("used"), formatted: true },
    ] });
    const local = new MemoryCatalog();
    await local.put(record("removed-elsewhere", "u-gone", { replicated: true }));
    await local.put(record("pre-ha", "u-old", { fresh: false }));
    await local.put(record("used", "u-used", { epoch: 2, grantedTo: { nodeId: "n1", instanceId: "i-1", device: "/dev/xvdf", epoch: 2, since: "x" } }));
    const catalog = new ReplicatedCatalog(local, store);
    const tagsOnly = specTagOf({ fsType: "xfs", createdAt: "2026-11-01T00:00:00.000Z", options: { size: "7", iops: "3000" } });
    const cloud: CloudVolume[] = [
      { id: "vol-used", zone: "z2", sizeBytes: 1, state: "in-use" as const, attachments: [], tags: { [cloudTags.name]: "used", [cloudTags.uid]: "u-used", [cloudTags.epoch]: "5" } },
      { id: "vol-tags", zone: "z1", sizeBytes: 7 * 1024 ** 3, state: "available" as const, attachments: [],
        tags: { [cloudTags.name]: "tags-only", [cloudTags.uid]: "u-tags", [cloudTags.epoch]: "4", [cloudTags.spec]: tagsOnly as string } },
    ];
    const result = await restoreCatalog(catalog, store, cloud, silentLogger);
    expect(result).toMatchObject({ fromStore: 2, fromTags: ["tags-only"], migrated: ["pre-ha"], dropped: ["removed-elsewhere"] });
    expect(catalog.get("never-attached")).toMatchObject({ createdAt: "2026-11-30T08:00:00.000Z", spec: { fsType: "xfs", options: { size: "5", type: "io2" } }, status: { fresh: true, epoch: 0 } });
    // The cloud's epoch wins over the cache's, and the cache's grant for an older move is gone.
    expect(catalog.get("used")?.status).toMatchObject({ backendId: "vol-used", zone: "z2", epoch: 5, fresh: false });
    expect(catalog.get("used")?.status.grantedTo).toBeUndefined();
    expect(catalog.get("tags-only")).toMatchObject({ createdAt: "2026-11-01T00:00:00.000Z", spec: { fsType: "xfs", options: { size: "7", iops: "3000" } }, status: { fresh: false, epoch: 4, backendId: "vol-tags" } });
    expect(catalog.get("removed-elsewhere")).toBeUndefined();
    expect((await store.listVolumes()).map((volume) => volume.spec.name).sort()).toEqual(["never-attached", "pre-ha", "tags-only", "used"]);
  });
});

describe("a new leader with no heartbeat history", () => {
  const ttlMs = 6_000;
  const policy = { fenceGraceMs: 4_000, pollMs: 1_000 };
  const swarmNode = (id: string, state: SwarmNode["state"], labels: Record<string, string> = {}): SwarmNode =>
    ({ id, version: 1, hostname: id, role: "worker", availability: "active", state, address: "", labels, volumePlugins: ["swarmvol"] });
  const task: SwarmTask = {
    id: "t2", version: 1, serviceId: "s", serviceName: "db", slot: 1, nodeId: "n2", desiredState: "running", state: "assigned",
    volumes: [{ source: "db", driver: "swarmvol", target: "/data", readOnly: false, options: {} }], updatedAt: "2026-12-02T10:00:00.000Z",
  };

  async function world() {
    const clock = new FakeClock();
    const cloud = new FakeCloud();
    const catalog = new MemoryCatalog();
    const created = await cloud.create({ uid: "u-db", name: "db", sizeBytes: 1, zone: "z1", options: {} });
    await cloud.attach(created.id, "i-n1");
    await cloud.setTags(created.id, { [cloudTags.epoch]: "3" });
    await catalog.put(record("db", "u-db", { fresh: false, epoch: 3, backendId: created.id, zone: "z1" }));
    // n1 died while no controller ran: only its labels say it is i-n1.
    const nodes = [swarmNode("n1", "down", { [nodeLabels.instanceId]: "i-n1", [nodeLabels.zone]: "z1" }), swarmNode("n2", "ready")];
    const registry = new NodeRegistry(clock, ttlMs);
    registry.heartbeat("n2", { hostname: "n2", instanceId: "i-n2", zone: "z1", mounts: [] });
    const reconciler = new Reconciler({
      catalog, cloud, journal: new MemoryJournal(() => clock.now()), registry, claims: new ClaimBook(clock, 5_000), clock, metrics: new RecordingMetrics(), policy,
      view: { node: (id) => nodes.find((n) => n.id === id), nodes: () => nodes, tasksForVolume: () => [task] },
    });
    return { clock, cloud, catalog, reconcile: () => reconciler.reconcile("db", silentLogger) };
  }

  it("treats the unheard holder as live (mounts unknown: no plain detach) until takeover + ttl + grace", async () => {
    const { cloud, catalog, reconcile } = await world();
    cloud.calls.length = 0;
    const result = await reconcile();
    expect(result.requeueAfterMs).toBeGreaterThan(0);
    expect(cloud.calls.some((call) => call.startsWith("detach"))).toBe(false);
    expect(catalog.get("db")?.status.condition?.reason).toBe("HolderAlive");
  });

  it("then fences it by its label, force-detaches and attaches where the task landed, with a higher epoch", async () => {
    const { clock, cloud, catalog, reconcile } = await world();
    clock.current += ttlMs + policy.fenceGraceMs;
    cloud.calls.length = 0;
    await reconcile();
    expect(cloud.calls).toContain("detach vol-1 i-n1 force");
    expect(cloud.calls).toContain("attach vol-1 i-n2");
    expect(catalog.get("db")?.status).toMatchObject({ epoch: 4, grantedTo: { nodeId: "n2" } });
  });
});
