/**
 * Crash safety of a relocation (zonePolicy=follow, ADR 0024): the controller is killed
 * before and after every side effect of the flow (each catalog write, journal write, cloud
 * and snapshot mutation) and a new process resumes it: either the same replica over its
 * catalog file, or a new leader that lost it and restores the catalog from Swarm's store
 * and the cloud's tags. Whatever the step, the flow must end with exactly one volume, in
 * the new zone, attached only to the new node and granted there at a raised epoch, one
 * relocation snapshot, and the old volume deleted only after the new one was mounted.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ClaimBook } from "../../controller/claims.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { Reconciler, type PlacementView } from "../../controller/reconcile/reconciler.js";
import { ReplicatedCatalog, restoreCatalog } from "../../controller/replicatedCatalog.js";
import { FreezeBroker } from "../../controller/snapshots/freezeBroker.js";
import { SnapshotService } from "../../controller/snapshots/snapshotService.js";
import { cloudTags, type CloudSnapshots, type CloudVolumes } from "../../core/cloud.js";
import type { Journal } from "../../core/journal.js";
import { silentLogger, type Catalog } from "../../core/ports.js";
import type { VolumeRecord } from "../../core/volume.js";
import { newNode, newTask, newTaskVolume } from "../fixtures/swarm.js";
import { FakeClock } from "../fakes/clock.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { FakeClusterStore } from "../fakes/fakeClusterStore.js";
import { FakeSnapshots } from "../fakes/fakeSnapshots.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { RecordingMetrics } from "../fakes/recordingMetrics.js";

class Crash extends Error {}
interface Counter { step: number; crashAt: number }

/** Throws a Crash before (even steps) or after (odd steps) each listed method: where a kill -9 can land around a write. */
function withFaultPoints<T extends object>(target: T, verbs: readonly string[], counter: Counter): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (!verbs.includes(String(property))) return value.bind(object);
      return async (...args: unknown[]) => {
        if (counter.step++ === counter.crashAt) throw new Crash(`before ${String(property)}`);
        const result = await (value as (...a: unknown[]) => unknown).apply(object, args);
        if (counter.step++ === counter.crashAt) throw new Crash(`after ${String(property)}`);
        return result;
      };
    },
  });
}

/** What outlives a controller process: its catalog file and journal, the cloud, Swarm's store, and the agent on n2. */
interface World {
  catalog: Catalog;
  journal: MemoryJournal;
  cloud: FakeCloud;
  snapshots: FakeSnapshots;
  store: FakeClusterStore;
  /** The epoch n2's agent mounted the volume at, once it has. */
  mountedOnN2?: number;
}

const clock = new FakeClock();
const zones: Record<string, string> = { n1: "us-east-1a", n2: "us-east-1b" };
const tasks = [newTask({ id: "t2", nodeId: "n2", volumes: [newTaskVolume("db")] })];
const view: PlacementView = { node: (id) => newNode({ id }), tasksForVolume: () => tasks };
const spec = { name: "db", backend: "ebs", sizeBytes: 1024 ** 3, fsType: "ext4" as const, options: { size: "1", zonePolicy: "follow" } };

/** db formatted and used on n1 (us-east-1a) at epoch 1, its task now on n2 (us-east-1b), n1 released. */
async function startingWorld(): Promise<World> {
  const cloud = new FakeCloud();
  const world: World = { catalog: new MemoryCatalog(), journal: new MemoryJournal(() => clock.now()), cloud, snapshots: new FakeSnapshots(() => clock.now(), true, cloud.calls), store: new FakeClusterStore() };
  const old = await cloud.create({ uid: "u-db", name: "db", sizeBytes: spec.sizeBytes, zone: "us-east-1a", options: spec.options });
  await cloud.setTags(old.id, { [cloudTags.epoch]: "1" });
  await cloud.attach(old.id, "i-n1");
  const record: VolumeRecord = {
    uid: "u-db", createdAt: "2026-11-22T09:00:00.000Z", spec,
    status: { phase: "ready", fresh: false, epoch: 1, backendId: old.id, zone: "us-east-1a", grantedTo: { nodeId: "n1", instanceId: "i-n1", device: "/dev/xvdba", epoch: 1, since: "t" } },
  };
  await world.catalog.put(record);
  await world.store.putVolume({ uid: record.uid, createdAt: record.createdAt, spec, formatted: true });
  cloud.calls.length = 0;
  return world;
}

/** One controller process over the world; a new leader first restores its catalog from Swarm's store and the cloud. */
async function controllerProcess(world: World, options: { counter?: Counter; newLeader?: boolean } = {}) {
  if (options.newLeader) {
    world.catalog = new ReplicatedCatalog(new MemoryCatalog(), world.store);
    // EC2 lists in no promised order: newest first here, so the old volume is the last one seen with the uid.
    await restoreCatalog(world.catalog as ReplicatedCatalog, world.store, (await world.cloud.describe()).reverse(), silentLogger);
  }
  const registry = new NodeRegistry(clock, 10_000);
  const wrap = <T extends object>(target: T, verbs: string[]) => (options.counter ? withFaultPoints(target, verbs, options.counter) : target);
  const catalog = wrap<Catalog>(world.catalog, ["put", "remove"]);
  const journal = wrap<Journal>(world.journal, ["begin", "finish"]);
  const snapshotService = new SnapshotService({
    catalog, snapshots: wrap<CloudSnapshots>(world.snapshots, ["createSnapshot", "deleteSnapshot"]), registry, broker: new FreezeBroker(clock, randomUUID),
    journal, clock, logger: silentLogger, newId: randomUUID,
  });
  const reconciler = new Reconciler({
    catalog, journal, cloud: wrap<CloudVolumes>(world.cloud, ["create", "attach", "detach", "setTags", "delete"]),
    registry, claims: new ClaimBook(clock, 5_000), view, clock, metrics: new RecordingMetrics(), policy: { fenceGraceMs: 5_000, pollMs: 1_000 },
    relocationSnapshot: (record, volumeId, key) => snapshotService.forRelocation(record, volumeId, key),
  });
  return { reconciler, registry };
}

/** The agents' heartbeats; n2's agent mounts the volume once it is granted there at the current epoch, and keeps it mounted. */
function agentsReport(world: World, registry: NodeRegistry): void {
  const status = world.catalog.get("db")?.status;
  if (world.mountedOnN2 === undefined && status?.grantedTo?.nodeId === "n2" && status.grantedTo.epoch === status.epoch) {
    world.mountedOnN2 = status.epoch;
    world.cloud.calls.push(`mounted on n2 at epoch ${status.epoch}`);
  }
  registry.heartbeat("n1", { hostname: "n1", instanceId: "i-n1", zone: zones.n1 as string, mounts: [] });
  const mounts = world.mountedOnN2 === undefined ? [] : [{ volume: "db", epoch: world.mountedOnN2 }];
  registry.heartbeat("n2", { hostname: "n2", instanceId: "i-n2", zone: zones.n2 as string, mounts });
}

/** Reconciles db round after round; false when a Crash ended the process. */
async function converge(world: World, process: Awaited<ReturnType<typeof controllerProcess>>): Promise<boolean> {
  try {
    for (let round = 0; round < 8; round += 1) {
      agentsReport(world, process.registry);
      await process.reconciler.reconcile("db", silentLogger);
    }
    return true;
  } catch (err) {
    if (err instanceof Crash) return false;
    throw err;
  }
}

function expectRelocated(world: World, why: string): void {
  const volumes = [...world.cloud.volumes.values()];
  expect(volumes.map((v) => [v.zone, v.attachments.map((a) => a.instanceId), v.tags[cloudTags.relocatedFrom]]), why).toEqual([["us-east-1b", ["i-n2"], "vol-1"]]);
  const [current] = volumes;
  const status = world.catalog.get("db")?.status;
  expect(status, why).toMatchObject({ backendId: current?.id, zone: "us-east-1b", fresh: false, grantedTo: { nodeId: "n2" } });
  expect(status?.epoch, why).toBeGreaterThanOrEqual(2);
  expect(current?.tags[cloudTags.epoch], why).toBe(String(status?.epoch));
  expect(status?.relocation, why).toBeUndefined();
  expect([...world.snapshots.snapshots.values()].map((s) => [s.volumeId, s.tags["swarmvol/reason"]]), why).toEqual([["vol-1", "relocation"]]);
  const calls = world.cloud.calls;
  const at = (prefix: string) => calls.findIndex((call) => call.startsWith(prefix));
  expect(at("detach vol-1 i-n1"), why).toBeLessThan(at("createSnapshot vol-1"));
  expect(at("createSnapshot vol-1"), why).toBeLessThan(at("create db us-east-1b"));
  expect(at("mounted on n2"), why).toBeGreaterThan(-1);
  expect(at("delete vol-1"), why).toBeGreaterThan(at("mounted on n2"));
}

describe("crash safety of a relocation: kill -9 of the controller before and after every step", () => {
  it("the uninterrupted flow relocates (the reference the crashes are compared with)", async () => {
    const world = await startingWorld();
    expect(await converge(world, await controllerProcess(world))).toBe(true);
    expectRelocated(world, "no crash");
  });

  it.each([
    { resumedBy: "the same replica over its catalog", newLeader: false },
    { resumedBy: "a new leader that restores the catalog from Swarm's store and the cloud's tags", newLeader: true },
  ])("converges from a crash at any step, resumed by $resumedBy", async ({ newLeader }) => {
    let crashes = 0;
    for (let crashAt = 0; crashAt < 400; crashAt += 1) {
      const world = await startingWorld();
      const counter = { step: 0, crashAt };
      const crashed = !(await converge(world, await controllerProcess(world, { counter })));
      if (!crashed) break;
      crashes += 1;
      expect(await converge(world, await controllerProcess(world, { newLeader }))).toBe(true);
      expectRelocated(world, `crash at step ${crashAt}`);
    }
    // Every side effect of the flow was crashed at, before and after it: dozens of points.
    expect(crashes).toBeGreaterThan(40);
  });
});
