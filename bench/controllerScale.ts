import { ClaimBook } from "../controller/claims.js";
import { CloudVolumeCache } from "../controller/cloudCache.js";
import { NodeRegistry } from "../controller/nodeRegistry.js";
import { WorkQueue } from "../controller/queue.js";
import { Reconciler } from "../controller/reconcile/reconciler.js";
import { PromControllerMetrics } from "../controller/metrics.js";
import { silentLogger } from "../core/ports.js";
import type { SwarmNode, SwarmTask } from "../core/swarm.js";
import { FakeCloud } from "../test/fakes/fakeCloud.js";
import { MemoryJournal } from "../test/fakes/memoryJournal.js";
import { MemoryCatalog } from "../test/fakes/memoryState.js";
import { systemClock } from "../cli/runtime.js";
import { summarise, type BenchResult } from "./stats.js";

const policy = { fenceGraceMs: 5_000, pollMs: 1_000 };

interface World {
  reconciler: Reconciler;
  cache: CloudVolumeCache;
  cloud: FakeCloud;
  registry: NodeRegistry;
  tasks: Map<string, SwarmTask>;
  volumes: string[];
}

/** A placed cluster: every volume attached and granted to the node its one task runs on. */
async function buildWorld(volumeCount: number, nodeCount: number): Promise<World> {
  const catalog = new MemoryCatalog();
  const cloud = new FakeCloud();
  const registry = new NodeRegistry(systemClock, 3_600_000);
  const nodes = new Map<string, SwarmNode>();
  const tasks = new Map<string, SwarmTask>();
  for (let n = 0; n < nodeCount; n += 1) {
    const id = `node${n}`;
    nodes.set(id, { id, version: 1, hostname: id, role: "worker", availability: "active", state: "ready", address: "", labels: {}, volumePlugins: ["swarmvol"] });
  }
  const mountsByNode = new Map<string, Array<{ volume: string; epoch: number }>>();
  const volumes: string[] = [];
  for (let v = 0; v < volumeCount; v += 1) {
    const name = `vol${v}`;
    const nodeId = `node${v % nodeCount}`;
    volumes.push(name);
    const created = await cloud.create({ uid: `u${v}`, name, sizeBytes: 1, zone: "z1", options: {} });
    await cloud.attach(created.id, `i-${nodeId}`);
    catalog.records.set(name, {
      uid: `u${v}`, createdAt: "2026-11-22T00:00:00.000Z", spec: { name, backend: "ebs", sizeBytes: 1, fsType: "ext4", options: {} },
      status: { phase: "ready", fresh: false, epoch: 1, backendId: created.id, zone: "z1", grantedTo: { nodeId, instanceId: `i-${nodeId}`, device: "/dev/xvdba", epoch: 1, since: "t" } },
    });
    tasks.set(name, { id: `t${v}`, version: 1, serviceId: `s${v}`, serviceName: `svc${v}`, slot: 1, nodeId, desiredState: "running", state: "running", volumes: [{ source: name, driver: "swarmvol", target: "/d", readOnly: false, options: {} }], updatedAt: "2026-11-22T00:00:00.000Z" });
    mountsByNode.set(nodeId, [...(mountsByNode.get(nodeId) ?? []), { volume: name, epoch: 1 }]);
  }
  for (const [nodeId, mounts] of mountsByNode) registry.heartbeat(nodeId, { hostname: nodeId, instanceId: `i-${nodeId}`, zone: "z1", mounts });
  cloud.calls.length = 0;
  const cache = new CloudVolumeCache(60_000);
  const view = { node: (id: string) => nodes.get(id), tasksForVolume: (name: string) => { const task = tasks.get(name); return task ? [task] : []; } };
  const reconciler = new Reconciler({ catalog, cloud, journal: new MemoryJournal(), registry, claims: new ClaimBook(systemClock, 5_000), view, clock: systemClock, metrics: new PromControllerMetrics({ defaultMetrics: false }), policy, cache });
  return { reconciler, cache, cloud, registry, tasks, volumes };
}

/** CPU milliseconds of one full resync: a bulk describe primes the cache, then every volume is reconciled. */
async function fullResyncCpuMs(world: World): Promise<number> {
  const before = process.cpuUsage();
  world.cache.prime(await world.cloud.describe(), Date.now());
  for (const name of world.volumes) await world.reconciler.reconcile(name, silentLogger);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** Moves `rate` tasks per second to another node for `seconds`; returns add→reconciled latencies in ms. */
async function eventToAction(world: World, rate: number, seconds: number, nodeCount: number): Promise<number[]> {
  const started = new Map<string, number>();
  const latencies: number[] = [];
  const queue = new WorkQueue({
    clock: systemClock, workers: 4, logger: silentLogger,
    handler: async (name) => {
      const result = await world.reconciler.reconcile(name, silentLogger);
      const at = started.get(name);
      if (at !== undefined) latencies.push(performance.now() - at);
      started.delete(name);
      return result;
    },
  });
  queue.start();
  for (let index = 0; index < rate * seconds; index += 1) {
    const name = world.volumes[(index * 7919) % world.volumes.length] as string;
    const task = world.tasks.get(name) as SwarmTask;
    const from = task.nodeId as string;
    const to = `node${(Number(from.slice(4)) + 1) % nodeCount}`;
    world.tasks.set(name, { ...task, nodeId: to, id: `${task.id}x`, version: task.version + 1 });
    const lease = world.registry.lease(from);
    world.registry.heartbeat(from, { hostname: from, instanceId: `i-${from}`, zone: "z1", mounts: (lease?.mounts ?? []).filter((mount) => mount.volume !== name) });
    started.set(name, performance.now());
    queue.add(name);
    await new Promise((resolve) => setTimeout(resolve, 1000 / rate));
  }
  await queue.shutdown({ drain: true });
  return latencies;
}

export async function benchControllerScale(): Promise<BenchResult[]> {
  const growth: string[] = [];
  const cpu: number[] = [];
  for (const volumes of [2_500, 5_000, 10_000]) {
    const world = await buildWorld(volumes, 1_000);
    await fullResyncCpuMs(world);
    const samples = [await fullResyncCpuMs(world), await fullResyncCpuMs(world), await fullResyncCpuMs(world)];
    growth.push(`${volumes}: ${Math.round(Math.min(...samples))} ms`);
    if (volumes === 10_000) cpu.push(...samples);
  }
  // RSS of one 10k-volume world after a resync, with the earlier worlds collected
  // (npm run bench passes --expose-gc; without it the figure also counts their garbage).
  (globalThis as { gc?: () => void }).gc?.();
  const world = await buildWorld(10_000, 1_000);
  await fullResyncCpuMs(world);
  (globalThis as { gc?: () => void }).gc?.();
  const rssMb = process.memoryUsage().rss / 1024 ** 2;
  const latencies = await eventToAction(world, 100, 10, 1_000);
  return [
    summarise("controller.resync.cpu", "Full resync CPU, 10k volumes/1k nodes/10k tasks (fakes)", "ms", cpu, { stat: "p50", max: 500 }, `growth: ${growth.join(", ")}`),
    summarise("controller.rss", "Controller RSS with 10k volumes (fakes)", "MB", [rssMb], { stat: "p50", max: 250 }),
    summarise("controller.event-to-action", "Task change → volume moved, 100 changes/s (fakes)", "ms", latencies, { stat: "p99", max: 100 }),
  ];
}
