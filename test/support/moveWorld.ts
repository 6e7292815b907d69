import { Credentials } from "../../api/credentials.js";
import { moveRoutes } from "../../api/moveRoutes.js";
import { withOpenApi } from "../../api/openapi.js";
import { readRoutes } from "../../api/routes.js";
import { ApiServer } from "../../api/server.js";
import { Controller, type ControllerInformer } from "../../controller/controller.js";
import { MemoryEventLog } from "../../controller/events/eventLog.js";
import { PromControllerMetrics } from "../../controller/metrics.js";
import { silentLogger } from "../../core/ports.js";
import type { SwarmNode, SwarmTask } from "../../core/swarm.js";
import type { VolumeRecord } from "../../core/volume.js";
import { FakeClock } from "../fakes/clock.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { FakeClusterStore } from "../fakes/fakeClusterStore.js";
import { FakeSwarmServices } from "../fakes/fakeSwarmServices.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { RecordingMetrics } from "../fakes/recordingMetrics.js";

/**
 * A leader for move tests: a real ApiServer (read and move routes) in front of a real
 * Controller (MoveService, holds, Reconciler) on a recording cloud and recording Swarm
 * services, its moves kept in a fake Swarm store. The test plays Swarm (`tasks`, `nodes`)
 * and the agents (`heartbeat`) and runs each reconcile itself. Volume `db` starts attached
 * and granted to n1 (task t0 there).
 */
export const moveSecret = "s3cret";

export const swarmNode = (id: string, extra: Partial<SwarmNode> = {}): SwarmNode =>
  ({ id, version: 1, hostname: `host-${id}`, role: "worker", availability: "active", state: "ready", address: "", labels: {}, volumePlugins: ["swarmvol"], ...extra });

export const task = (id: string, nodeId: string, extra: Partial<SwarmTask> = {}): SwarmTask => ({
  id, version: 1, serviceId: "s1", serviceName: "web", slot: 1, nodeId, desiredState: "running", state: "running",
  volumes: [{ source: "db", driver: "swarmvol", target: "/data", readOnly: false, options: {} }], updatedAt: "2026-11-22T10:00:00.000Z", ...extra,
});

export interface MoveWorld {
  clock: FakeClock;
  cloud: FakeCloud;
  catalog: MemoryCatalog;
  services: FakeSwarmServices;
  /** Where every term keeps its moves (Swarm's store). */
  store: FakeClusterStore;
  log: MemoryEventLog;
  /** The leader's current term; replace it to play a new leader. */
  controller: Controller;
  base: string;
  tasks: SwarmTask[];
  nodes: SwarmNode[];
  /** A new leader's term, its moves not restored yet (it answers UNAVAILABLE until `holds.restore`). */
  newTerm(): Controller;
  heartbeat(nodeId: string, mounts?: string[], zone?: string): Promise<unknown>;
  reconcile(): Promise<{ requeueAfterMs?: number }>;
  record(): VolumeRecord;
  stop(): Promise<void>;
}

export async function startMoveWorld(): Promise<MoveWorld> {
  const clock = new FakeClock();
  const catalog = new MemoryCatalog();
  const log = new MemoryEventLog({ now: () => clock.now(), term: 1 });
  const world = { clock, cloud: new FakeCloud(), catalog, services: new FakeSwarmServices(), store: new FakeClusterStore(), log, tasks: [task("t0", "n1")], nodes: [swarmNode("n1"), swarmNode("n2"), swarmNode("n3")] } as MoveWorld;
  const informer = { nodes: () => world.nodes, node: (id: string) => world.nodes.find((node) => node.id === id), tasksForVolume: () => world.tasks } as unknown as ControllerInformer;
  world.newTerm = () => new Controller({
    informer, catalog, cloud: world.cloud, journal: new MemoryJournal(), clock, logger: silentLogger, metrics: new RecordingMetrics(), services: world.services,
    policy: { fenceGraceMs: 5_000, pollMs: 1_000, idleDetachMs: 30_000 }, leaseTtlMs: 10_000, claimTtlMs: 5_000, buildSpec: () => { throw new Error("unused"); },
    events: log, ownsInformer: false, moveHoldMs: 60_000, moveHolds: world.store,
  });
  world.controller = world.newTerm();
  await world.controller.holds.restore(() => true);
  const server = new ApiServer({
    routes: withOpenApi([
      ...readRoutes({ catalog, metrics: new PromControllerMetrics({ defaultMetrics: false }).exposition, health: () => ({ mode: "controller" }) }),
      ...moveRoutes(() => world.controller.moves),
    ]),
    logger: silentLogger, credentials: new Credentials(moveSecret),
  });
  world.base = `http://127.0.0.1:${await server.listen("127.0.0.1", 0)}`;
  world.heartbeat = (nodeId, mounts = [], zone = "z1") => world.controller.service.heartbeat(nodeId, {
    hostname: `host-${nodeId}`, instanceId: `i-${nodeId}`, zone, mounts: mounts.map((volume) => ({ volume, epoch: catalog.get(volume)?.status.epoch ?? 0 })),
  });
  world.reconcile = () => world.controller.reconciler.reconcile("db", silentLogger);
  world.record = () => catalog.get("db") as VolumeRecord;
  world.stop = async () => {
    await server.close();
    await world.controller.stop();
  };
  await catalog.put({
    uid: "u-db", createdAt: "2026-11-22T09:00:00.000Z", spec: { name: "db", backend: "ebs", sizeBytes: 1 << 30, fsType: "ext4", options: {} },
    status: { phase: "ready", fresh: false, epoch: 0 },
  });
  for (const id of ["n1", "n2", "n3"]) await world.heartbeat(id);
  await world.reconcile();
  world.cloud.calls.length = 0;
  return world;
}
