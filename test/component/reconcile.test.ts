import { beforeEach, describe, expect, it } from "vitest";
import { ClaimBook } from "../../controller/claims.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { Reconciler, type PlacementView } from "../../controller/reconcile/reconciler.js";
import { RecordingMetrics } from "../fakes/recordingMetrics.js";
import { silentLogger } from "../../core/ports.js";
import type { SwarmNode, SwarmTask } from "../../core/swarm.js";
import type { VolumeRecord } from "../../core/volume.js";
import { FakeClock } from "../fakes/clock.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";

const ttlMs = 10_000;
const policy = { fenceGraceMs: 5_000, pollMs: 1_000 };

function swarmNode(id: string, state: SwarmNode["state"] = "ready"): SwarmNode {
  return { id, version: 1, hostname: id, role: "worker", availability: "active", state, address: "", labels: {}, volumePlugins: ["swarmvol"] };
}
function task(id: string, nodeId: string, extra: Partial<SwarmTask> = {}): SwarmTask {
  return {
    id, version: 1, serviceId: "s1", serviceName: "db", slot: 1, nodeId, desiredState: "running", state: "running",
    volumes: [{ source: "db", driver: "swarmvol", target: "/data", readOnly: false, options: {} }], updatedAt: "2026-11-22T10:00:00.000Z", ...extra,
  };
}

let clock: FakeClock;
let cloud: FakeCloud;
let catalog: MemoryCatalog;
let journal: MemoryJournal;
let registry: NodeRegistry;
let claims: ClaimBook;
let tasks: SwarmTask[];
let nodes: SwarmNode[];
let reconciler: Reconciler;
const grants: string[] = [];

function heartbeat(nodeId: string, mounts: string[] = []) {
  registry.heartbeat(nodeId, { hostname: nodeId, instanceId: `i-${nodeId}`, zone: "z1", mounts: mounts.map((volume) => ({ volume, epoch: 1 })) });
}
const reconcile = () => reconciler.reconcile("db", silentLogger);
const record = () => catalog.get("db") as VolumeRecord;

beforeEach(async () => {
  clock = new FakeClock();
  cloud = new FakeCloud();
  catalog = new MemoryCatalog();
  journal = new MemoryJournal(() => clock.now());
  registry = new NodeRegistry(clock, ttlMs);
  claims = new ClaimBook(clock, 5_000);
  tasks = [];
  nodes = [swarmNode("n1"), swarmNode("n2")];
  grants.length = 0;
  const view: PlacementView = { node: (id) => nodes.find((n) => n.id === id), tasksForVolume: () => tasks };
  reconciler = new Reconciler({ catalog, cloud, journal, registry, claims, view, clock, metrics: new RecordingMetrics(), policy, onGrant: (name) => grants.push(name) });
  await catalog.put({
    uid: "u-db", createdAt: "2026-11-22T09:00:00.000Z",
    spec: { name: "db", backend: "ebs", sizeBytes: 10 * 1024 ** 3, fsType: "ext4", options: { size: "10" } },
    status: { phase: "ready", fresh: true, epoch: 0 },
  });
  heartbeat("n1");
  heartbeat("n2");
});

describe("reconcile(): a volume follows its task", () => {
  it("first placement: creates the cloud volume in the node's zone, attaches, grants, in one pass", async () => {
    tasks = [task("t1", "n1")];
    expect(await reconcile()).toEqual({});
    expect(cloud.calls).toEqual(["create db z1", "tags vol-1 swarmvol/epoch=1", "attach vol-1 i-n1"]);
    expect(record().status).toMatchObject({ backendId: "vol-1", epoch: 1, grantedTo: { nodeId: "n1", instanceId: "i-n1", epoch: 1 } });
    expect(grants).toEqual(["db"]);
    expect(journal.entries.map((entry) => `${entry.action.kind}:${entry.state}`)).toEqual(["createCloudVolume:done", "attach:done", "grant:done"]);
  });

  it("is idempotent: a second reconcile of a placed volume only describes", async () => {
    tasks = [task("t1", "n1")];
    await reconcile();
    cloud.calls.length = 0;
    expect(await reconcile()).toEqual({});
    expect(cloud.calls).toEqual(["describe vol-1"]);
  });

  it("node killed: waits while the lease and grace run, then force-detaches and moves with a higher epoch", async () => {
    tasks = [task("t1", "n1")];
    await reconcile();
    heartbeat("n1", ["db"]);
    tasks = [task("t2", "n2")];
    nodes = [swarmNode("n1", "down"), swarmNode("n2")];
    cloud.calls.length = 0;
    const waiting = await reconcile();
    expect(waiting.requeueAfterMs).toBeGreaterThan(0);
    expect(cloud.calls).toEqual(["describe vol-1"]);
    expect(record().status.condition?.reason).toBe("HolderAlive");
    clock.current += ttlMs + policy.fenceGraceMs;
    heartbeat("n2");
    cloud.calls.length = 0;
    expect(await reconcile()).toEqual({});
    expect(cloud.calls).toEqual([
      "describe vol-1", "describeInstances i-n1", "detach vol-1 i-n1 force", "tags vol-1 swarmvol/epoch=2", "attach vol-1 i-n2",
    ]);
    expect(record().status).toMatchObject({ epoch: 2, grantedTo: { nodeId: "n2", epoch: 2 } });
    expect(record().status.condition).toBeUndefined();
    expect(record().status.lastMove).toMatchObject({ fromNode: "n1", toNode: "n2", forced: true });
    expect(record().status.lastMove?.t5Attached).toBeGreaterThanOrEqual(record().status.lastMove?.t2Seen ?? Infinity);
  });

  it("node killed after its agent claimed the volume: the claim dies with the lease and the volume moves", async () => {
    tasks = [task("t1", "n1")];
    claims.claim("db", "n1");
    await reconcile();
    heartbeat("n1", ["db"]);
    tasks = [task("t1", "n1", { desiredState: "shutdown" }), task("t2", "n2", { state: "preparing" })];
    clock.current += ttlMs + policy.fenceGraceMs;
    heartbeat("n2");
    claims.claim("db", "n2");
    await reconcile();
    expect(record().status.grantedTo?.nodeId).toBe("n2");
    expect(cloud.calls).toContain("detach vol-1 i-n1 force");
  });

  it("a stopped instance is fenced at once, without waiting for the grace", async () => {
    tasks = [task("t1", "n1")];
    await reconcile();
    heartbeat("n1", ["db"]);
    clock.current += ttlMs + 1;
    heartbeat("n2");
    cloud.instances.set("i-n1", { id: "i-n1", zone: "z1", state: "stopped" });
    tasks = [task("t2", "n2")];
    await reconcile();
    expect(record().status.grantedTo?.nodeId).toBe("n2");
    expect(cloud.calls).toContain("detach vol-1 i-n1 force");
  });

  it("service update (stop-first): the old node reports the unmount, a normal detach follows", async () => {
    tasks = [task("t1", "n1")];
    await reconcile();
    tasks = [task("t1", "n1", { desiredState: "shutdown" }), task("t2", "n2")];
    heartbeat("n1", []);
    cloud.calls.length = 0;
    await reconcile();
    expect(cloud.calls).toEqual(["describe vol-1", "detach vol-1 i-n1", "tags vol-1 swarmvol/epoch=2", "attach vol-1 i-n2"]);
  });

  it("a release from the old node is applied at once: the detach does not wait for its next heartbeat", async () => {
    tasks = [task("t1", "n1")];
    await reconcile();
    heartbeat("n1", ["db"]);
    tasks = [task("t1", "n1", { desiredState: "shutdown" }), task("t2", "n2")];
    cloud.calls.length = 0;
    await reconcile();
    expect(cloud.calls).toEqual(["describe vol-1"]);
    registry.forgetMount("n1", "db");
    await reconcile();
    expect(cloud.calls).toContain("detach vol-1 i-n1");
    expect(record().status.grantedTo?.nodeId).toBe("n2");
  });

  it("a rolling update's new task (desired ready) is the target as soon as the old holder releases", async () => {
    tasks = [task("t1", "n1")];
    await reconcile();
    tasks = [task("t1", "n1", { desiredState: "shutdown" }), task("t2", "n2", { desiredState: "ready", state: "assigned" })];
    heartbeat("n1", []);
    await reconcile();
    expect(record().status.grantedTo?.nodeId).toBe("n2");
  });

  it("a partitioned holder that still mounts the volume is never detached before it is fenced", async () => {
    tasks = [task("t1", "n1")];
    await reconcile();
    heartbeat("n1", ["db"]);
    tasks = [task("t2", "n2")];
    for (let second = 0; second < ttlMs / 1000 + 4; second += 1) {
      clock.current += 1000;
      heartbeat("n2");
      await reconcile();
      expect(cloud.calls.some((call) => call.startsWith("detach"))).toBe(false);
    }
    clock.current += 2000;
    await reconcile();
    expect(cloud.calls.filter((call) => call.startsWith("detach"))).toEqual(["detach vol-1 i-n1 force"]);
  });

  it("a conflicting plain docker run on another node waits while the holder runs its task", async () => {
    tasks = [task("t1", "n1")];
    await reconcile();
    heartbeat("n1", ["db"]);
    claims.claim("db", "n2");
    cloud.calls.length = 0;
    await reconcile();
    expect(cloud.calls).toEqual(["describe vol-1"]);
    expect(record().status.grantedTo?.nodeId).toBe("n1");
  });

  it("a holder's claim that lapses unreleased (its agent died before Release) is looked at again when it lapses, so a waiting claim gets the volume", async () => {
    claims.claim("db", "n1");
    await reconcile();
    expect(record().status.grantedTo?.nodeId).toBe("n1");
    clock.current += 3_000;
    claims.claim("db", "n2");
    const kept = await reconcile();
    expect(record().status.grantedTo?.nodeId).toBe("n1");
    // The holder's claim, renewed last 3 s ago, lapses in 2 s: that is when to decide again.
    expect(kept.requeueAfterMs).toBe(2_001);
    clock.current += 2_001;
    claims.claim("db", "n2");
    await reconcile();
    expect(record().status.grantedTo?.nodeId).toBe("n2");
  });

  it("claims held by a mount never lapse, so they set no deadline", async () => {
    claims.claim("db", "n1");
    await reconcile();
    heartbeat("n1", ["db"]);
    expect(await reconcile()).toEqual({});
  });

  it("never undoes a change the API made while it was acting (fresh mark, t7)", async () => {
    tasks = [task("t1", "n1")];
    const attach = cloud.attach.bind(cloud);
    cloud.attach = async (volumeId, instanceId) => {
      const current = record();
      await catalog.put({ ...current, status: { ...current.status, fresh: false } });
      return attach(volumeId, instanceId);
    };
    await reconcile();
    expect(record().status.fresh).toBe(false);
    expect(record().status.grantedTo?.nodeId).toBe("n1");
  });

  it("times fencing apart from detaching", async () => {
    tasks = [task("t1", "n1")];
    await reconcile();
    tasks = [task("t2", "n2")];
    heartbeat("n1", ["db"]);
    await reconcile();
    clock.current += ttlMs + policy.fenceGraceMs;
    heartbeat("n2");
    const detach = cloud.detach.bind(cloud);
    cloud.detach = async (...args) => {
      clock.current += 2000;
      return detach(...args);
    };
    await reconcile();
    const move = record().status.lastMove;
    expect((move?.t4Detached ?? 0) - (move?.t3Fenced ?? 0)).toBe(2000);
  });

  it("a failed attach is journaled as failed and retried by the next reconcile", async () => {
    tasks = [task("t1", "n1")];
    cloud.failNext.attach = new Error("RequestLimitExceeded");
    await expect(reconcile()).rejects.toThrow("RequestLimitExceeded");
    expect(journal.entries.map((entry) => `${entry.action.kind}:${entry.state}`)).toEqual(["createCloudVolume:done", "attach:failed"]);
    await reconcile();
    expect(record().status.grantedTo?.nodeId).toBe("n1");
    expect(cloud.calls.filter((call) => call.startsWith("create"))).toHaveLength(1);
  });
});

describe("reconcile(): a volume nobody wants any more", () => {
  beforeEach(() => {
    const view: PlacementView = { node: (id) => nodes.find((n) => n.id === id), tasksForVolume: () => tasks };
    reconciler = new Reconciler({ catalog, cloud, journal, registry, claims, view, clock, metrics: new RecordingMetrics(), policy: { ...policy, idleDetachMs: 30_000 } });
  });

  it("stays attached for idleDetachMs, then is detached and its grant withdrawn; the next task gets it back with a higher epoch", async () => {
    tasks = [task("t1", "n1")];
    await reconcile();
    expect(record().status.grantedTo?.nodeId).toBe("n1");
    tasks = [task("t1", "n1", { desiredState: "shutdown", state: "shutdown" })];
    const waiting = await reconcile();
    expect(waiting.requeueAfterMs).toBe(30_000);
    expect(record().status.idleSince).toBe(clock.now());
    clock.current += 30_000;
    heartbeat("n1");
    heartbeat("n2");
    cloud.calls.length = 0;
    await reconcile();
    expect(cloud.calls).toEqual(["describe vol-1", "detach vol-1 i-n1"]);
    expect(record().status.grantedTo).toBeUndefined();
    tasks = [task("t2", "n2")];
    await reconcile();
    expect(record().status).toMatchObject({ grantedTo: { nodeId: "n2", epoch: 2 }, epoch: 2 });
    expect(record().status.idleSince).toBeUndefined();
  });

  it("a task that comes back before idleDetachMs keeps the volume where it is, with no cloud call", async () => {
    tasks = [task("t1", "n1")];
    await reconcile();
    tasks = [];
    await reconcile();
    clock.current += 10_000;
    heartbeat("n1");
    tasks = [task("t2", "n1")];
    cloud.calls.length = 0;
    await reconcile();
    expect(cloud.calls).toEqual(["describe vol-1"]);
    expect(record().status.idleSince).toBeUndefined();
    expect(record().status.grantedTo?.nodeId).toBe("n1");
  });
});
