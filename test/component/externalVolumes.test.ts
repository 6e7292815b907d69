/**
 * A stack file's `external: true` volume reaches Swarm's task as a mount with no driver.
 * A whole Controller (informer over a scripted Swarm, queue, reconciler, volume service) on
 * fakes and manual time must treat such a mount exactly like a driver mount when the
 * catalog holds the name (pre-attach with no claim, forced move when its node dies), leave
 * alone one the catalog does not hold, and pick the task up when the catalog learns the
 * volume after the task appeared (core/wants.ts, ADR 0015).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Controller } from "../../controller/controller.js";
import type { SwarmTask } from "../../core/swarm.js";
import { newNode, newTask, newTaskVolume } from "../fixtures/swarm.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { FakeSwarm, ManualTime } from "../fakes/fakeSwarm.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { runRenewing } from "../support/renewals.js";
import { fakeController, startOnManualTime } from "../support/fakeController.js";

const leaseTtlMs = 6_000;
const policy = { fenceGraceMs: 4_000, pollMs: 1_000 };

let time: ManualTime;
let swarm: FakeSwarm;
let cloud: FakeCloud;
let catalog: MemoryCatalog;
let controller: Controller;
let reconciled: string[];

/** A task whose mount names no driver, as `docker stack deploy` makes it for an external volume. */
const externalTask = (id: string, nodeId: string, volume = "pgdata", extra: Partial<SwarmTask> = {}): SwarmTask =>
  newTask({ id, nodeId, volumes: [newTaskVolume(volume, { driver: "unnamed" })], ...extra });

/** The cloud calls that change something (describes left out). */
const mutations = () => cloud.calls.filter((call) => !call.startsWith("describe"));

const heartbeat = (nodeId: string, mounts: Array<{ volume: string; epoch: number }> = []) =>
  controller.service.heartbeat(nodeId, { hostname: nodeId, instanceId: `i-${nodeId}`, zone: "z1", mounts });

const run = (ms: number, alive: readonly string[]) => runRenewing(time, ms, alive, heartbeat);

beforeEach(async () => {
  time = new ManualTime();
  swarm = new FakeSwarm({ nodes: [newNode({ id: "n1" }), newNode({ id: "n2" })] });
  cloud = new FakeCloud();
  catalog = new MemoryCatalog();
  controller = fakeController(time, swarm, { catalog, cloud, policy, leaseTtlMs });
  reconciled = [];
  const reconcile = controller.reconciler.reconcile.bind(controller.reconciler);
  controller.reconciler.reconcile = (name, logger) => (reconciled.push(name), reconcile(name, logger));
  await startOnManualTime(controller, time, heartbeat);
});

afterEach(async () => {
  await controller.stop();
});

describe("external (driverless) volume mounts", () => {
  it("of a catalog volume: pre-attached where Swarm puts the task, with no claim, and moved when its node dies", async () => {
    await controller.service.create("pgdata", { size: "1" });
    swarm.putTask(externalTask("t1", "n1"));
    await run(2_000, ["n1", "n2"]);
    expect(mutations()).toEqual(["create pgdata z1", "tags vol-1 swarmvol/epoch=1", "attach vol-1 i-n1"]);
    expect(catalog.get("pgdata")?.status.grantedTo).toMatchObject({ nodeId: "n1", epoch: 1 });
    expect(controller.service.wanted("pgdata", "n1")).toEqual({ wanted: true });

    await heartbeat("n1", [{ volume: "pgdata", epoch: 1 }]);
    swarm.updateNode("n1", { state: "down" });
    swarm.updateTask("t1", { desiredState: "shutdown" });
    swarm.putTask(externalTask("t2", "n2", "pgdata", { state: "preparing" }));
    cloud.calls.length = 0;
    await run(leaseTtlMs + policy.fenceGraceMs + 3_000, ["n2"]);
    expect(mutations()).toEqual(["detach vol-1 i-n1 force", "tags vol-1 swarmvol/epoch=2", "attach vol-1 i-n2"]);
    expect(catalog.get("pgdata")?.status).toMatchObject({ epoch: 2, grantedTo: { nodeId: "n2" }, lastMove: { fromNode: "n1", toNode: "n2", forced: true } });
  });

  it("of a name the catalog does not hold: another driver's volume, never created, claimed nor reconciled", async () => {
    swarm.putTask(externalTask("t1", "n1", "cache"));
    await run(3_000, ["n1", "n2"]);
    expect(mutations()).toEqual([]);
    expect(catalog.get("cache")).toBeUndefined();
    expect(reconciled).not.toContain("cache");
  });

  it("the catalog learns the volume after the task: the volume is queued at once and pre-attached there", async () => {
    swarm.putTask(externalTask("t1", "n1"));
    await run(3_000, ["n1", "n2"]);
    expect(mutations()).toEqual([]);
    await controller.service.create("pgdata", { size: "1" });
    await time.advance(0);
    expect(mutations()).toEqual(["create pgdata z1", "tags vol-1 swarmvol/epoch=1", "attach vol-1 i-n1"]);
    expect(catalog.get("pgdata")?.status.grantedTo?.nodeId).toBe("n1");
  });
});
