/**
 * ADR 0013's gap, closed: a leader that dies while the cloud holds its detach (or attach)
 * stuck leaves the next leader an attachment it did not start. The next leader must finish
 * it: force the stuck detach at most one deadline after it could know of it, and never
 * before the fencing rules allow; undo a stuck attach one deadline after the cloud says it
 * began. Leader A and leader B share Swarm's store and the cloud, each with its own cache,
 * registry and reconciler (a term each), as controller/replica.ts builds them.
 */
import { describe, expect, it } from "vitest";
import { ClaimBook } from "../../controller/claims.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { Reconciler } from "../../controller/reconcile/reconciler.js";
import { ReplicatedCatalog, restoreCatalog } from "../../controller/replicatedCatalog.js";
import { cloudTags } from "../../core/cloud.js";
import { nodeLabels } from "../../core/clusterStore.js";
import type { PlacementPolicy } from "../../core/placement.js";
import { silentLogger } from "../../core/ports.js";
import type { SwarmNode, SwarmTask } from "../../core/swarm.js";
import type { VolumeRecord } from "../../core/volume.js";
import { FakeClock } from "../fakes/clock.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { FakeClusterStore } from "../fakes/fakeClusterStore.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { RecordingMetrics } from "../fakes/recordingMetrics.js";

const ttlMs = 6_000;
const policy: PlacementPolicy = { fenceGraceMs: 4_000, pollMs: 1_000, stuckTransitionMs: 5_000 };
const labelled = (id: string): SwarmNode => ({
  id, version: 1, hostname: id, role: "worker", availability: "active", state: "ready", address: "",
  labels: { [nodeLabels.instanceId]: `i-${id}`, [nodeLabels.zone]: "z1" }, volumePlugins: ["swarmvol"],
});
const nodes = [labelled("n1"), labelled("n2")];
/** The task moved from n1 to n2: the volume must follow it. */
const task: SwarmTask = {
  id: "t2", version: 1, serviceId: "s", serviceName: "db", slot: 1, nodeId: "n2", desiredState: "running", state: "assigned",
  volumes: [{ source: "db", target: "/data", readOnly: false, options: {}, driver: "swarmvol" }], updatedAt: "2026-12-02T10:00:00.000Z",
};
const beat = (id: string, mounts: Array<{ volume: string; epoch: number }> = []) => ({ hostname: id, instanceId: `i-${id}`, zone: "z1", mounts });

/** One term of leadership: its own cache of the catalog, registry (born now) and reconciler. */
function term(clock: FakeClock, cloud: FakeCloud, store: FakeClusterStore) {
  const catalog = new ReplicatedCatalog(new MemoryCatalog(), store);
  const registry = new NodeRegistry(clock, ttlMs);
  const reconciler = new Reconciler({
    catalog, cloud, journal: new MemoryJournal(() => clock.now()), registry, claims: new ClaimBook(clock, 5_000), clock,
    metrics: new RecordingMetrics(), policy, view: { node: (id) => nodes.find((n) => n.id === id), nodes: () => nodes, tasksForVolume: () => [task] },
  });
  return { catalog, registry, reconcile: () => reconciler.reconcile("db", silentLogger) };
}

/** Leader A holds the lease; db is attached to n1 and granted there at epoch 3. */
async function world() {
  const clock = new FakeClock();
  const cloud = new FakeCloud();
  const store = new FakeClusterStore();
  const a = term(clock, cloud, store);
  const created = await cloud.create({ uid: "u-db", name: "db", sizeBytes: 1, zone: "z1", options: {} });
  await cloud.attach(created.id, "i-n1");
  await cloud.setTags(created.id, { [cloudTags.epoch]: "3" });
  const record: VolumeRecord = {
    uid: "u-db", createdAt: "2026-12-01T00:00:00.000Z", spec: { name: "db", backend: "ebs", sizeBytes: 1, fsType: "ext4", options: {} },
    status: { phase: "ready", fresh: false, epoch: 3, backendId: created.id, zone: "z1", grantedTo: { nodeId: "n1", instanceId: "i-n1", device: "/dev/xvdba", epoch: 3, since: "t" } },
  };
  await a.catalog.put(record);
  cloud.calls.length = 0;
  /** B wins the lease after A died: it restores from Swarm's store and the cloud, then starts its term. */
  const takeOver = async () => {
    const b = term(clock, cloud, store);
    await restoreCatalog(b.catalog, store, await cloud.describe(), silentLogger);
    cloud.calls.length = 0;
    return b;
  };
  return { clock, cloud, a, takeOver, volumeId: created.id };
}

const forced = (cloud: FakeCloud, volumeId: string) => cloud.calls.filter((call) => call === `detach ${volumeId} i-n1 force`);

describe("a new leader finishes a transition its dead predecessor left stuck in the cloud", () => {
  /** A sees n1 release db and asks for a plain detach; the cloud sticks it and A dies waiting. */
  async function stuckDetach() {
    const w = await world();
    w.a.registry.heartbeat("n1", beat("n1"));
    w.a.registry.heartbeat("n2", beat("n2"));
    w.cloud.stickNext.detach = true;
    void w.a.reconcile();
    await new Promise((resolve) => setImmediate(resolve));
    expect(w.cloud.calls).toEqual([`describe ${w.volumeId}`, `detach ${w.volumeId} i-n1`]);
    expect((await w.cloud.describe([w.volumeId]))[0]?.attachments).toMatchObject([{ instanceId: "i-n1", state: "detaching" }]);
    w.clock.current += 1_500; // A is gone; B takes the lease a little later
    return w;
  }

  it("forces it one deadline after it first saw it, once the holder (heard again) has released the volume", async () => {
    const { clock, cloud, takeOver, volumeId } = await stuckDetach();
    const b = await takeOver();
    b.registry.heartbeat("n1", beat("n1"));
    b.registry.heartbeat("n2", beat("n2"));
    await b.reconcile();
    clock.current += policy.stuckTransitionMs! - 1;
    await b.reconcile();
    expect(forced(cloud, volumeId)).toEqual([]);
    clock.current += 1;
    b.registry.heartbeat("n1", beat("n1"));
    b.registry.heartbeat("n2", beat("n2"));
    await b.reconcile();
    expect(forced(cloud, volumeId)).toHaveLength(1);
    expect(cloud.calls).toContain(`attach ${volumeId} i-n2`);
    expect(b.catalog.get("db")?.status).toMatchObject({ epoch: 4, grantedTo: { nodeId: "n2", instanceId: "i-n2" } });
  });

  it("does not force it while the holder is unheard and may still hold it mounted, only once it is fenced (takeover + ttl + grace)", async () => {
    const { clock, cloud, takeOver, volumeId } = await stuckDetach();
    const b = await takeOver();
    const takeover = clock.now();
    const renewTarget = () => b.registry.heartbeat("n2", beat("n2"));
    for (const at of [0, policy.stuckTransitionMs!, ttlMs + policy.fenceGraceMs - 1]) {
      clock.current = takeover + at;
      renewTarget();
      await b.reconcile();
      expect({ at, forced: forced(cloud, volumeId) }).toEqual({ at, forced: [] });
      expect(b.catalog.get("db")?.status.condition?.reason).toBe(at >= policy.stuckTransitionMs! ? "HolderAlive" : undefined);
    }
    clock.current = takeover + ttlMs + policy.fenceGraceMs;
    renewTarget();
    await b.reconcile();
    expect(forced(cloud, volumeId)).toHaveLength(1);
    expect(b.catalog.get("db")?.status.grantedTo?.nodeId).toBe("n2");
  });

  it("undoes an attach stuck attaching one deadline after the cloud says it began, not one deadline after the takeover", async () => {
    const { clock, cloud, a, takeOver, volumeId } = await world();
    cloud.volumes.get(volumeId)!.attachments = [];
    a.registry.heartbeat("n2", beat("n2"));
    const startedAt = clock.now();
    cloud.stickNext.attach = startedAt;
    void a.reconcile();
    await new Promise((resolve) => setImmediate(resolve));
    expect(cloud.calls).toContain(`attach ${volumeId} i-n2`);
    clock.current += 3_000;
    const b = await takeOver();
    b.registry.heartbeat("n2", beat("n2"));
    await b.reconcile();
    expect(cloud.calls.filter((call) => call.startsWith("detach"))).toEqual([]);
    clock.current = startedAt + policy.stuckTransitionMs!;
    b.registry.heartbeat("n2", beat("n2"));
    await b.reconcile();
    expect(cloud.calls.filter((call) => call.startsWith("detach") || call.startsWith("attach"))).toEqual([`detach ${volumeId} i-n2`, `attach ${volumeId} i-n2`]);
    expect(b.catalog.get("db")?.status.grantedTo?.nodeId).toBe("n2");
  });
});
