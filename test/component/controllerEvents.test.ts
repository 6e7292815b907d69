import { beforeEach, describe, expect, it } from "vitest";
import { ClaimBook } from "../../controller/claims.js";
import { Controller, type ControllerInformer } from "../../controller/controller.js";
import { MemoryEventLog } from "../../controller/events/eventLog.js";
import { RecordingCatalog } from "../../controller/events/recordingCatalog.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { Reconciler, type PlacementView } from "../../controller/reconcile/reconciler.js";
import { RecordingMetrics } from "../fakes/recordingMetrics.js";
import { silentLogger } from "../../core/ports.js";
import type { SwarmNode, SwarmTask } from "../../core/swarm.js";
import { FakeClock } from "../fakes/clock.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";

/** What the leader tells of a move, a lapse and a fence, read back from its event log. */
const ttlMs = 10_000;
const policy = { fenceGraceMs: 5_000, pollMs: 1_000 };
const swarmNode = (id: string, state: SwarmNode["state"] = "ready"): SwarmNode =>
  ({ id, version: 1, hostname: id, role: "worker", availability: "active", state, address: "", labels: {}, volumePlugins: ["swarmvol"] });
const task = (id: string, nodeId: string): SwarmTask => ({
  id, version: 1, serviceId: "s1", serviceName: "db", slot: 1, nodeId, desiredState: "running", state: "running",
  volumes: [{ source: "db", driver: "swarmvol", target: "/data", readOnly: false, options: {} }], updatedAt: "2026-11-22T10:00:00.000Z",
});

let clock: FakeClock;
let catalog: MemoryCatalog;
let registry: NodeRegistry;
let log: MemoryEventLog;
let tasks: SwarmTask[];
let nodes: SwarmNode[];
let reconciler: Reconciler;

const heartbeat = (nodeId: string, mounts: string[] = []) =>
  registry.heartbeat(nodeId, { hostname: nodeId, instanceId: `i-${nodeId}`, zone: "z1", mounts: mounts.map((volume) => ({ volume, epoch: 1 })) });
const told = () => log.read({ since: "1-0", limit: 100 }).events.map((event) => `${event.type}${event.data.phase ? ` ${String(event.data.phase)}` : ""}${event.node ? ` ${event.node}` : ""}`);

beforeEach(async () => {
  clock = new FakeClock();
  catalog = new MemoryCatalog();
  registry = new NodeRegistry(clock, ttlMs);
  log = new MemoryEventLog({ now: () => clock.now(), term: 1 });
  tasks = [];
  nodes = [swarmNode("n1"), swarmNode("n2")];
  const view: PlacementView = { node: (id) => nodes.find((n) => n.id === id), tasksForVolume: () => tasks };
  reconciler = new Reconciler({
    catalog: new RecordingCatalog(catalog, log), cloud: new FakeCloud(), journal: new MemoryJournal(() => clock.now()), registry,
    claims: new ClaimBook(clock, 5_000), view, clock, metrics: new RecordingMetrics(), policy, events: log,
  });
  await new RecordingCatalog(catalog, log).put({
    uid: "u-db", createdAt: "2026-11-22T09:00:00.000Z",
    spec: { name: "db", backend: "ebs", sizeBytes: 10 * 1024 ** 3, fsType: "ext4", options: { size: "10" } },
    status: { phase: "ready", fresh: true, epoch: 0 },
  });
  heartbeat("n1");
  heartbeat("n2");
});

describe("the leader's events", () => {
  it("tell a placement, then a forced move phase by phase, the lapse once, and the condition on the way", async () => {
    tasks = [task("t1", "n1")];
    await reconciler.reconcile("db", silentLogger);
    expect(told()).toEqual(["volume.created", "move.phase t2_seen n1", "move.phase t5_attached n1", "volume.placed n1", "move.done n1"]);
    heartbeat("n1", ["db"]);
    tasks = [task("t2", "n2")];
    nodes = [swarmNode("n1", "down"), swarmNode("n2")];
    await reconciler.reconcile("db", silentLogger);
    clock.current += ttlMs + policy.fenceGraceMs;
    heartbeat("n2");
    await reconciler.reconcile("db", silentLogger);
    await reconciler.reconcile("db", silentLogger);
    expect(told().slice(5)).toEqual([
      "move.phase t2_seen n2", "condition.changed n1", "node.lapsed n1", "condition.changed n1", "move.phase t3_fenced n2",
      "move.phase t4_detached n2", "move.phase t5_attached n2", "volume.placed n2", "move.done n2",
    ]);
    const done = log.read({ limit: 1 }).events[0];
    expect(done).toMatchObject({ type: "move.done", volume: "db", data: { fromNode: "n1", toNode: "n2", forced: true } });
  });

  it("tell operator fences and unfences from the controller", async () => {
    const informer = { nodes: () => nodes, node: () => undefined, tasksForVolume: () => [] } as unknown as ControllerInformer;
    const controller = new Controller({
      informer, catalog, cloud: new FakeCloud(), journal: new MemoryJournal(), clock, logger: silentLogger, metrics: new RecordingMetrics(), policy,
      leaseTtlMs: ttlMs, claimTtlMs: 5_000, buildSpec: () => { throw new Error("unused"); }, events: log, ownsInformer: false,
    });
    await controller.fence("n1");
    await controller.unfence("n1");
    expect(told().slice(-2)).toEqual(["node.fenced n1", "node.unfenced n1"]);
    await controller.stop();
  });
});
