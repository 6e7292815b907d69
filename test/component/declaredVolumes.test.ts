/**
 * A stack file's `driver: swarmvol` volume with `driver_opts` reaches Swarm's task as a
 * mount that names swarmvol and carries the options. dockerd on the node asks Create only
 * after Swarm prepared the task's network, seconds after the placement; a whole Controller
 * (informer over a scripted Swarm, queue, reconciler, volume service) on fakes and manual
 * time must create such a volume from the placed task and pre-attach it there before any
 * Create arrives, and Docker's Create must then find that record (ADR 0029).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Controller } from "../../controller/controller.js";
import type { VolumeRecord } from "../../core/volume.js";
import { newNode, newTask, newTaskVolume } from "../fixtures/swarm.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { FakeSwarm, ManualTime } from "../fakes/fakeSwarm.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { fakeController, startOnManualTime } from "../support/fakeController.js";
import { runRenewing } from "../support/renewals.js";

const policy = { fenceGraceMs: 4_000, pollMs: 1_000 };

/** A catalog whose writes land a moment later, as a durable one's do (lowdb: write, fsync, rename). */
class SlowCatalog extends MemoryCatalog {
  override async put(record: VolumeRecord): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    await super.put(record);
  }
}

let time: ManualTime;
let swarm: FakeSwarm;
let cloud: FakeCloud;
let catalog: MemoryCatalog;
let controller: Controller;

const mutations = () => cloud.calls.filter((call) => !call.startsWith("describe"));

const heartbeat = (nodeId: string) => controller.service.heartbeat(nodeId, { hostname: nodeId, instanceId: `i-${nodeId}`, zone: "z1", mounts: [] });

const run = (ms: number) => runRenewing(time, ms, ["n1", "n2"], heartbeat);

const declaring = (id: string, nodeId: string | undefined, options: Record<string, string>, volume = "burst_v1") =>
  newTask({ id, nodeId, state: "preparing", volumes: [newTaskVolume(volume, { options })] });

async function startController(slowCatalog = false): Promise<void> {
  time = new ManualTime();
  swarm = new FakeSwarm({ nodes: [newNode({ id: "n1" }), newNode({ id: "n2" })] });
  cloud = new FakeCloud();
  catalog = slowCatalog ? new SlowCatalog() : new MemoryCatalog();
  controller = fakeController(time, swarm, { catalog, cloud, policy, leaseTtlMs: 6_000 });
  await startOnManualTime(controller, time, heartbeat);
}

afterEach(async () => {
  await controller.stop();
});

describe("volumes a placed task declares", () => {
  beforeEach(() => startController());

  it("are created with the mount's options and pre-attached where the task is, before Docker's Create", async () => {
    swarm.putTask(declaring("t1", "n1", { size: "1" }));
    await run(2_000);
    const record = catalog.get("burst_v1");
    expect(record?.spec).toMatchObject({ name: "burst_v1", sizeBytes: 1024 ** 3, options: { size: "1" } });
    expect(record?.status).toMatchObject({ phase: "ready", fresh: true, grantedTo: { nodeId: "n1", epoch: 1 } });
    expect(mutations()).toEqual(["create burst_v1 z1", "tags vol-1 swarmvol/epoch=1", "attach vol-1 i-n1"]);

    // Docker's Create on n1 then finds the same record: no second volume.
    const created = await controller.service.create("burst_v1", { size: "1" });
    expect(created.uid).toBe(record?.uid);
    await run(1_000);
    expect(mutations()).toEqual(["create burst_v1 z1", "tags vol-1 swarmvol/epoch=1", "attach vol-1 i-n1"]);
  });

  it("are left to Docker when no node is assigned yet, when tasks disagree on the options, or when the options are refused", async () => {
    swarm.putTask(declaring("t1", undefined, { size: "1" }, "unplaced"));
    swarm.putTask(declaring("t2", "n1", { size: "1" }, "shared"));
    swarm.putTask(declaring("t3", "n2", { size: "2" }, "shared"));
    swarm.putTask(declaring("t4", "n1", { size: "lots" }, "refused"));
    await run(3_000);
    expect(catalog.list()).toEqual([]);
    expect(mutations()).toEqual([]);
  });

  it("are not made again from a task told to stop (the stack was removed)", async () => {
    swarm.putTask({ ...declaring("t1", "n1", { size: "1" }), desiredState: "shutdown" });
    await run(2_000);
    expect(catalog.get("burst_v1")).toBeUndefined();
  });
});

describe("Create from Docker and from a declaration at once", () => {
  beforeEach(() => startController(true));

  it("makes one record: the second create finds the first's", async () => {
    const [a, b] = await Promise.all([controller.service.create("db", { size: "1" }), controller.service.create("db", { size: "1" })]);
    expect(a.uid).toBe(b.uid);
    expect(catalog.get("db")?.uid).toBe(a.uid);
  });
});
