import { describe, expect, it } from "vitest";
import { ClaimBook } from "../../controller/claims.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { rebuildFromCloud } from "../../controller/rebuild.js";
import { Reconciler, type PlacementView } from "../../controller/reconcile/reconciler.js";
import type { CloudVolumes } from "../../core/cloud.js";
import type { Journal } from "../../core/journal.js";
import { RecordingMetrics } from "../fakes/recordingMetrics.js";
import { silentLogger, type Catalog } from "../../core/ports.js";
import type { SwarmNode, SwarmTask } from "../../core/swarm.js";
import { FakeClock } from "../fakes/clock.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";

class Crash extends Error {}

/**
 * Wraps every side effect of the controller (catalog writes, journal writes, cloud
 * mutations) and throws a Crash at step `crashAt`, before (even steps) or after (odd
 * steps) the effect — the two moments a kill -9 can land around any write.
 */
function withFaultPoints<T extends object>(target: T, verbs: readonly string[], counter: { step: number; crashAt: number }): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== "function" || !verbs.includes(String(property))) return typeof value === "function" ? value.bind(object) : value;
      return async (...args: unknown[]) => {
        if (counter.step++ === counter.crashAt) throw new Crash(`before ${String(property)}`);
        const result = await (value as (...a: unknown[]) => unknown).apply(object, args);
        if (counter.step++ === counter.crashAt) throw new Crash(`after ${String(property)}`);
        return result;
      };
    },
  });
}

const node = (id: string): SwarmNode => ({ id, version: 1, hostname: id, role: "worker", availability: "active", state: "ready", address: "", labels: {}, volumePlugins: [] });
const task = (nodeId: string): SwarmTask => ({
  id: `t-${nodeId}`, version: 1, serviceId: "s", serviceName: "db", slot: 1, nodeId, desiredState: "running", state: "running",
  volumes: [{ source: "db", driver: "swarmvol", target: "/d", readOnly: false, options: {} }], updatedAt: "2026-11-22T10:00:00.000Z",
});

interface Persisted {
  catalog: MemoryCatalog;
  journal: MemoryJournal;
  cloud: FakeCloud;
}

/** A controller process: fresh in-memory parts over the persisted ones, agents re-heartbeating. */
function controllerProcess(state: Persisted, clock: FakeClock, tasks: SwarmTask[], counter?: { step: number; crashAt: number }) {
  const registry = new NodeRegistry(clock, 10_000);
  registry.heartbeat("n1", { hostname: "n1", instanceId: "i-n1", zone: "z1", mounts: [] });
  registry.heartbeat("n2", { hostname: "n2", instanceId: "i-n2", zone: "z1", mounts: [] });
  const view: PlacementView = { node: (id) => node(id), tasksForVolume: () => tasks };
  const wrap = <T extends object>(target: T, verbs: string[]) => (counter ? withFaultPoints(target, verbs, counter) : target);
  return new Reconciler({
    catalog: wrap<Catalog>(state.catalog, ["put", "remove"]),
    journal: wrap<Journal>(state.journal, ["begin", "finish"]),
    cloud: wrap<CloudVolumes>(state.cloud, ["create", "attach", "detach", "setTags", "delete"]),
    registry, claims: new ClaimBook(clock, 5_000), view, clock, metrics: new RecordingMetrics(), policy: { fenceGraceMs: 5_000, pollMs: 1_000 },
  });
}

async function converge(reconciler: Reconciler): Promise<void> {
  for (let round = 0; round < 6; round += 1) await reconciler.reconcile("db", silentLogger);
}

function freshState(): Persisted {
  const state = { catalog: new MemoryCatalog(), journal: new MemoryJournal(), cloud: new FakeCloud() };
  state.catalog.records.set("db", {
    uid: "u-db", createdAt: "2026-11-22T09:00:00.000Z", spec: { name: "db", backend: "ebs", sizeBytes: 1, fsType: "ext4", options: {} },
    status: { phase: "ready", fresh: true, epoch: 0 },
  });
  return state;
}

function expectSafe(state: Persisted, target: string, minEpoch: number) {
  const volumes = [...state.cloud.volumes.values()];
  expect(volumes).toHaveLength(1);
  expect(volumes[0]?.attachments.map((attachment) => attachment.instanceId)).toEqual([`i-${target}`]);
  const status = state.catalog.get("db")?.status;
  expect(status?.grantedTo?.nodeId).toBe(target);
  expect(status?.epoch).toBeGreaterThanOrEqual(minEpoch);
  expect(volumes[0]?.tags["swarmvol/epoch"]).toBe(String(status?.epoch));
}

describe("crash safety: kill -9 of the controller at every step of a placement and of a move", () => {
  it("first placement converges from a crash at any step", async () => {
    for (let crashAt = 0; crashAt < 40; crashAt += 1) {
      const state = freshState();
      const clock = new FakeClock();
      const counter = { step: 0, crashAt };
      await converge(controllerProcess(state, clock, [task("n1")], counter)).catch((err) => {
        if (!(err instanceof Crash)) throw err;
      });
      await converge(controllerProcess(state, clock, [task("n1")]));
      expectSafe(state, "n1", 1);
    }
  });

  it("a move from a released node converges from a crash at any step, never double-attached", async () => {
    for (let crashAt = 0; crashAt < 40; crashAt += 1) {
      const state = freshState();
      const clock = new FakeClock();
      await converge(controllerProcess(state, clock, [task("n1")]));
      const counter = { step: 0, crashAt };
      const attachCounts: number[] = [];
      const original = state.cloud.attach.bind(state.cloud);
      state.cloud.attach = async (volumeId, instanceId) => {
        attachCounts.push(state.cloud.volumes.get(volumeId)?.attachments.length ?? 0);
        return original(volumeId, instanceId);
      };
      await converge(controllerProcess(state, clock, [task("n2")], counter)).catch((err) => {
        if (!(err instanceof Crash)) throw err;
      });
      await converge(controllerProcess(state, clock, [task("n2")]));
      expectSafe(state, "n2", 2);
      expect(attachCounts.every((count) => count === 0)).toBe(true);
    }
  });
});

describe("catalog rebuild from cloud tags", () => {
  it("restores a lost catalog entry, never fresh, with the epoch from the tag, and placement resumes", async () => {
    const state = freshState();
    const clock = new FakeClock();
    await converge(controllerProcess(state, clock, [task("n1")]));
    const lost = new MemoryCatalog();
    expect(await rebuildFromCloud(lost, await state.cloud.describe(), silentLogger)).toEqual(["db"]);
    expect(lost.get("db")?.status).toMatchObject({ fresh: false, epoch: 1, backendId: "vol-1", phase: "ready" });
    const rebuilt = { ...state, catalog: lost };
    await converge(controllerProcess(rebuilt, clock, [task("n1")]));
    expectSafe(rebuilt, "n1", 1);
  });
});
