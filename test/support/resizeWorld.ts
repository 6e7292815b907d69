import { Credentials } from "../../api/credentials.js";
import type { HeartbeatResponse } from "../../api/contract.js";
import { withOpenApi } from "../../api/openapi.js";
import { resizeRoutes } from "../../api/resizeRoutes.js";
import { readRoutes } from "../../api/routes.js";
import { ApiServer } from "../../api/server.js";
import { Controller, type ControllerInformer } from "../../controller/controller.js";
import { MemoryEventLog } from "../../controller/events/eventLog.js";
import { PromControllerMetrics } from "../../controller/metrics.js";
import { ReplicatedCatalog, restoreCatalog } from "../../controller/replicatedCatalog.js";
import type { SwarmvolEvent } from "../../core/events.js";
import { silentLogger } from "../../core/ports.js";
import type { SwarmNode, SwarmTask } from "../../core/swarm.js";
import type { FsType, VolumeRecord } from "../../core/volume.js";
import { FilesystemGrowth } from "../../plugin/cluster/filesystemGrowth.js";
import { FakeClock } from "../fakes/clock.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { FakeClusterStore } from "../fakes/fakeClusterStore.js";
import { FakeFilesystemGrower } from "../fakes/fakeFilesystemGrower.js";
import { FakeResize } from "../fakes/fakeResize.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog, MemoryMountTable } from "../fakes/memoryState.js";
import { RecordingMetrics } from "../fakes/recordingMetrics.js";

export const GiB = 1024 ** 3;
export const resizeSecret = "s3cret";
/** The device node n1's agent sees the volume as. */
export const device = "/dev/xvdba";

const swarmNode = (id: string): SwarmNode =>
  ({ id, version: 1, hostname: `host-${id}`, role: "worker", availability: "active", state: "ready", address: "", labels: {}, volumePlugins: ["swarmvol"] });

/**
 * A leader for resize tests: a real ApiServer (read and resize routes) in front of a real
 * Controller (ResizeService, GrowBroker, Reconciler) over a ReplicatedCatalog on a fake
 * Swarm store, a recording cloud and CloudResize; and node n1's agent half (the real
 * FilesystemGrowth on a mount table and a recording grower). The test plays Swarm (task t0
 * on n1), the heartbeats (`heartbeat` hands the answer's grows to the agent) and each
 * reconcile. Volume `db` (20 GiB) starts attached and granted to n1.
 */
export interface ResizeWorld {
  clock: FakeClock;
  cloud: FakeCloud;
  resize: FakeResize;
  store: FakeClusterStore;
  catalog: ReplicatedCatalog;
  log: MemoryEventLog;
  controller: Controller;
  journal: MemoryJournal;
  base: string;
  /** n1's agent. */
  mounts: MemoryMountTable;
  grower: FakeFilesystemGrower;
  growth: FilesystemGrowth;
  /** n1 heartbeats, reporting its mounts and its grow reports; the answer's grows go to its FilesystemGrowth. */
  heartbeat(mounted: boolean): Promise<HeartbeatResponse>;
  /** Placement then resize, as the queue runs them. */
  reconcile(): Promise<{ requeueAfterMs?: number }>;
  /** A new leader on another replica: its own empty cache, restored from the store and the cloud. */
  takeOver(): Promise<void>;
  record(): VolumeRecord;
  events(type?: string): SwarmvolEvent[];
  stop(): Promise<void>;
}

export async function startResizeWorld(fsType: FsType = "xfs"): Promise<ResizeWorld> {
  const clock = new FakeClock();
  const cloud = new FakeCloud();
  const store = new FakeClusterStore({ nodes: ["n1"] });
  const log = new MemoryEventLog({ now: () => clock.now(), term: 1 });
  const mounts = new MemoryMountTable();
  const grower = new FakeFilesystemGrower();
  const growth = new FilesystemGrowth({ mounts, filesystem: { probe: async () => fsType }, grower, logger: silentLogger });
  const world = { clock, cloud, resize: new FakeResize(cloud), store, log, mounts, grower, growth, journal: new MemoryJournal() } as ResizeWorld;
  world.catalog = new ReplicatedCatalog(new MemoryCatalog(), store);
  const tasks: SwarmTask[] = [{
    id: "t0", version: 1, serviceId: "s1", serviceName: "pg", slot: 1, nodeId: "n1", desiredState: "running", state: "running",
    volumes: [{ source: "db", driver: "swarmvol", target: "/data", readOnly: false, options: {} }], updatedAt: "2026-11-22T10:00:00.000Z",
  }];
  const nodes = [swarmNode("n1")];
  const informer = { nodes: () => nodes, node: (id: string) => nodes.find((node) => node.id === id), tasksForVolume: () => tasks } as unknown as ControllerInformer;
  const newTerm = () => new Controller({
    informer, catalog: world.catalog, cloud, journal: world.journal, clock, logger: silentLogger, metrics: new RecordingMetrics(), resize: world.resize,
    policy: { fenceGraceMs: 5_000, pollMs: 1_000, idleDetachMs: 600_000 }, leaseTtlMs: 10_000, claimTtlMs: 5_000, buildSpec: () => { throw new Error("unused"); },
    events: log, ownsInformer: false,
  });
  world.controller = newTerm();
  const server = new ApiServer({
    routes: withOpenApi([
      ...readRoutes({ catalog: world.catalog, metrics: new PromControllerMetrics({ defaultMetrics: false }).exposition, health: () => ({ mode: "controller" }) }),
      ...resizeRoutes(() => world.controller.resizes),
    ]),
    logger: silentLogger, credentials: new Credentials(resizeSecret),
  });
  world.base = `http://127.0.0.1:${await server.listen("127.0.0.1", 0)}`;
  world.heartbeat = async (mounted) => {
    const grown = growth.reports();
    const answer = await world.controller.service.heartbeat("n1", {
      hostname: "host-n1", instanceId: "i-n1", zone: "z1", mounts: mounted ? [{ volume: "db", epoch: world.record().status.epoch }] : [], ...(grown.length > 0 ? { grown } : {}),
    });
    if (grown.length > 0) growth.delivered(grown);
    if (answer.grow) growth.handle(answer.grow);
    // The grow runs on its own, as the agent's does: let it finish.
    for (let turn = 0; turn < 10; turn += 1) await Promise.resolve();
    return answer;
  };
  world.reconcile = async () => {
    const placed = await world.controller.reconciler.reconcile("db", silentLogger);
    const resized = (await world.controller.resizes?.reconcile("db")) ?? {};
    return resized.requeueAfterMs !== undefined ? resized : placed;
  };
  world.takeOver = async () => {
    await world.controller.stop();
    world.catalog = new ReplicatedCatalog(new MemoryCatalog(), store);
    await restoreCatalog(world.catalog, store, await cloud.describe(), silentLogger);
    world.controller = newTerm();
  };
  world.record = () => world.catalog.get("db") as VolumeRecord;
  world.events = (type) => log.read({ limit: 1000 }).events.filter((event) => type === undefined || event.type === type);
  world.stop = async () => {
    await server.close();
    await world.controller.stop();
  };
  await world.catalog.put({
    uid: "u-db", createdAt: "2026-11-22T09:00:00.000Z", spec: { name: "db", backend: "ebs", sizeBytes: 20 * GiB, fsType, options: { size: "20" } },
    status: { phase: "ready", fresh: false, epoch: 0 },
  });
  await world.heartbeat(false);
  await world.reconcile();
  grower.devices.set(device, 20 * GiB);
  return world;
}

/** n1's agent mounts `db` (the mount table entry a Mount writes). */
export async function mountOnN1(world: ResizeWorld): Promise<void> {
  await world.mounts.set("db", { ids: ["m1"], device, mountRoot: "/var/lib/swarmvol/mounts/db", epoch: world.record().status.epoch });
  await world.heartbeat(true);
}
