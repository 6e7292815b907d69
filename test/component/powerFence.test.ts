/**
 * Power fencing end to end on the controller side (ADR 0012): the real Reconciler, registry
 * and PowerFencer over the recording FakeCloud, on a FakeClock (sleeps move time at once).
 * A frozen agent: its lease lapses, it never self-fences, its task moves to another node.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { ClaimBook } from "../../controller/claims.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { PowerFencer } from "../../controller/powerFence.js";
import { Reconciler, type PlacementView } from "../../controller/reconcile/reconciler.js";
import { unavailable } from "../../core/errors.js";
import { RecordingMetrics } from "../fakes/recordingMetrics.js";
import type { PlacementPolicy } from "../../core/placement.js";
import { silentLogger } from "../../core/ports.js";
import type { SwarmNode, SwarmTask } from "../../core/swarm.js";
import type { VolumeRecord } from "../../core/volume.js";
import { FakeClock } from "../fakes/clock.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";

const ttlMs = 6_000;
const policy: PlacementPolicy = { fenceGraceMs: 4_000, pollMs: 1_000, fenceMode: "power" };

function swarmNode(id: string): SwarmNode {
  return { id, version: 1, hostname: id, role: "worker", availability: "active", state: "ready", address: "", labels: {}, volumePlugins: ["swarmvol"] };
}
function task(id: string, nodeId: string, volume: string): SwarmTask {
  return {
    id, version: 1, serviceId: `s-${volume}`, serviceName: volume, slot: 1, nodeId, desiredState: "running", state: "running",
    volumes: [{ source: volume, driver: "swarmvol", target: "/data", readOnly: false, options: {} }], updatedAt: "2026-11-22T10:00:00.000Z",
  };
}

let clock: FakeClock;
let cloud: FakeCloud;
let catalog: MemoryCatalog;
let registry: NodeRegistry;
let tasks: Record<string, SwarmTask[]>;
let reconciler: Reconciler;
let metrics: RecordingMetrics;

function heartbeat(nodeId: string, mounts: string[] = []) {
  registry.heartbeat(nodeId, { hostname: nodeId, instanceId: `i-${nodeId}`, zone: "z1", mounts: mounts.map((volume) => ({ volume, epoch: 1 })) });
}
const reconcile = (name = "db") => reconciler.reconcile(name, silentLogger);
const record = (name = "db") => catalog.get(name) as VolumeRecord;
const stops = () => cloud.calls.filter((call) => call.startsWith("stop"));

async function addVolume(name: string): Promise<void> {
  await catalog.put({
    uid: `u-${name}`, createdAt: "2026-11-22T09:00:00.000Z",
    spec: { name, backend: "ebs", sizeBytes: 1024 ** 3, fsType: "ext4", options: {} },
    status: { phase: "ready", fresh: false, epoch: 0 },
  });
}

/** Volumes placed on n1 and mounted there; then n1's agent freezes and their tasks move to n2. */
async function freezeHolderOf(...names: string[]): Promise<void> {
  for (const name of names) {
    await addVolume(name);
    tasks[name] = [task(`t1-${name}`, "n1", name)];
    await reconcile(name);
  }
  heartbeat("n1", names);
  for (const name of names) tasks[name] = [task(`t2-${name}`, "n2", name)];
  clock.current += ttlMs + 1;
  heartbeat("n2");
  cloud.calls.length = 0;
}

beforeEach(() => {
  clock = new FakeClock();
  cloud = new FakeCloud();
  catalog = new MemoryCatalog();
  registry = new NodeRegistry(clock, ttlMs);
  metrics = new RecordingMetrics();
  tasks = {};
  const nodes = [swarmNode("n1"), swarmNode("n2")];
  const view: PlacementView = { node: (id) => nodes.find((n) => n.id === id), tasksForVolume: (name) => tasks[name] ?? [] };
  const fencer = new PowerFencer({ power: cloud, registry, clock, logger: silentLogger, metrics, settings: { timeoutMs: 5_000, pollMs: 1_000 } });
  reconciler = new Reconciler({
    catalog, cloud, journal: new MemoryJournal(() => clock.now()), registry, claims: new ClaimBook(clock, 5_000), view, clock, metrics, policy, fencer,
  });
  heartbeat("n1");
  heartbeat("n2");
});

describe("power fencing a frozen agent's node", () => {
  it("stops the instance, waits for stopped, then force-detaches and moves the volume with a higher epoch", async () => {
    await freezeHolderOf("db");
    expect(await reconcile()).toEqual({});
    expect(cloud.calls).toEqual([
      "describe vol-1", "describeInstances i-n1", "stop i-n1", "describeInstances i-n1",
      "detach vol-1 i-n1 force", "tags vol-1 swarmvol/epoch=2", "attach vol-1 i-n2",
    ]);
    expect(record().status).toMatchObject({ epoch: 2, grantedTo: { nodeId: "n2", epoch: 2 }, lastMove: { fromNode: "n1", toNode: "n2", forced: true } });
    expect(metrics.powerFences.map((fence) => fence.outcome)).toEqual(["stopped"]);
  });

  it("does not stop a node whose lease is still live, whatever Swarm says", async () => {
    await freezeHolderOf("db");
    heartbeat("n1", ["db"]);
    await reconcile();
    expect(stops()).toEqual([]);
    expect(record().status.condition?.reason).toBe("HolderAlive");
  });

  it("stops once per node and lapse, however many of its volumes must move", async () => {
    await freezeHolderOf("db", "jenkins");
    await Promise.all([reconcile("db"), reconcile("jenkins")]);
    expect(stops()).toEqual(["stop i-n1"]);
    expect(record("db").status.grantedTo?.nodeId).toBe("n2");
    expect(record("jenkins").status.grantedTo?.nodeId).toBe("n2");
  });

  it("never force-detaches when the stop times out; says how to fix it; does not stop again for that lapse", async () => {
    cloud.stopOutcome = "hangs";
    await freezeHolderOf("db");
    const result = await reconcile();
    expect(cloud.calls.some((call) => call.startsWith("detach"))).toBe(false);
    expect(record().status.grantedTo?.nodeId).toBe("n1");
    expect(record().status.condition).toMatchObject({ reason: "FenceFailed" });
    expect(record().status.condition?.message).toContain("`swarmvol fence n1`");
    expect(result.requeueAfterMs).toBe(10_000);
    cloud.calls.length = 0;
    await reconcile();
    expect(stops()).toEqual([]);
    expect(cloud.calls.some((call) => call.startsWith("detach"))).toBe(false);
  });

  it("moves once the instance reads stopped later after all", async () => {
    cloud.stopOutcome = "hangs";
    await freezeHolderOf("db");
    await reconcile();
    cloud.instances.set("i-n1", { id: "i-n1", zone: "z1", state: "stopped" });
    await reconcile();
    expect(record().status.grantedTo?.nodeId).toBe("n2");
    expect(stops()).toEqual(["stop i-n1"]);
  });

  it("a refused stop holds the volume until the operator fences the node", async () => {
    cloud.stopOutcome = unavailable("EC2 StopInstances failed after retries: RequestLimitExceeded");
    await freezeHolderOf("db");
    await reconcile();
    expect(record().status.condition?.message).toContain("RequestLimitExceeded");
    expect(cloud.calls.some((call) => call.startsWith("detach"))).toBe(false);
    registry.fence("n1");
    await reconcile();
    expect(record().status.grantedTo?.nodeId).toBe("n2");
    expect(cloud.calls).toContain("detach vol-1 i-n1 force");
  });

  it("needs no stop for an instance that is already stopped", async () => {
    await freezeHolderOf("db");
    cloud.instances.set("i-n1", { id: "i-n1", zone: "z1", state: "terminated" });
    await reconcile();
    expect(stops()).toEqual([]);
    expect(record().status.grantedTo?.nodeId).toBe("n2");
  });
});
