import { afterEach, describe, expect, it } from "vitest";
import type { SwarmTask } from "../../core/swarm.js";
import { FakeScheduler, FakeSwarm, ManualTime } from "../../test/fakes/fakeSwarm.js";
import { newEvent, newNode, newTask } from "../../test/fixtures/swarm.js";
import type { DirtyCause } from "./changes.js";
import type { Scheduler } from "./scheduler.js";
import { SwarmInformer, type SwarmInformerOptions } from "./swarmInformer.js";

// Compile-time proof that cli/ can pass node-cron itself as the Scheduler.
const _fitsNodeCron = (cron: typeof import("node-cron")): Scheduler => cron;
void _fitsNodeCron;

const running: SwarmInformer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((informer) => informer.stop()));
});

function setup(options: Partial<SwarmInformerOptions> = {}) {
  const swarm = new FakeSwarm({
    nodes: [newNode({ id: "n1" }), newNode({ id: "n2" })],
    tasks: [
      newTask({ id: "t1", nodeId: "n1", volume: "jenkins_home" }),
      newTask({ id: "t2", nodeId: "n2", volume: "mongo" }),
      newTask({ id: "t3", nodeId: "n1" }),
    ],
  });
  const time = new ManualTime();
  const scheduler = new FakeScheduler();
  const informer = new SwarmInformer({ swarm, clock: time, timers: time, scheduler, ...options });
  running.push(informer);
  const dirty: Array<[string, DirtyCause]> = [];
  informer.onVolumeDirty((volume, cause) => dirty.push([volume, cause]));
  /** Dirty reports since the last call, as "volume:reason". */
  const drain = () => dirty.splice(0).map(([volume, cause]) => `${volume}:${cause.reason}`).sort();
  return { swarm, time, scheduler, informer, drain };
}

async function started(options: Partial<SwarmInformerOptions> = {}) {
  const context = setup(options);
  context.informer.start();
  await context.time.advance(0);
  await context.informer.waitForSync();
  context.drain();
  return context;
}

describe("SwarmInformer: caches", () => {
  it("syncs on start and reports every mounted volume once", async () => {
    const { informer, time, drain } = setup();
    expect(informer.hasSynced()).toBe(false);
    informer.start();
    await time.advance(0);
    expect(informer.hasSynced()).toBe(true);
    expect(drain()).toEqual(["jenkins_home:task-added", "mongo:task-added"]);
    expect(informer.nodes().map((n) => n.id)).toEqual(["n1", "n2"]);
    expect(informer.tasks()).toHaveLength(3);
    expect(informer.tasksForVolume("jenkins_home").map((t) => t.id)).toEqual(["t1"]);
    expect(informer.tasksForVolume("nope")).toEqual([]);
    expect(informer.tasksOnNode("n1").map((t) => t.id)).toEqual(["t1", "t3"]);
    expect(informer.volumes().sort()).toEqual(["jenkins_home", "mongo"]);
  });

  it("hands out frozen objects and keeps the same instance while the version stands", async () => {
    const { informer, time, swarm, drain } = await started();
    const before = informer.task("t1") as SwarmTask;
    expect(() => { (before as { nodeId?: string }).nodeId = "n2"; }).toThrow(TypeError);
    swarm.putTask({ ...before, state: "failed" });
    await time.advance(1000);
    expect(informer.task("t1")).toBe(before);
    expect(drain()).toEqual([]);
  });

  it("waits for the first successful list before reporting synced", async () => {
    const { informer, time, swarm } = setup();
    swarm.listFailures.push(new Error("503 not a manager"));
    let synced = false;
    void informer.waitForSync().then(() => (synced = true));
    informer.start();
    await time.advance(0);
    expect([informer.hasSynced(), synced]).toEqual([false, false]);
    await time.advance(1000);
    expect([informer.hasSynced(), synced]).toEqual([true, true]);
  });

  it("keeps the last known state when a relist fails", async () => {
    const { informer, time, swarm, drain } = await started();
    swarm.removeTask("t1");
    swarm.listFailures.push(new Error("timeout"));
    await time.advance(1000);
    expect(informer.task("t1")).toBeDefined();
    await time.advance(1000);
    expect(informer.task("t1")).toBeUndefined();
    expect(drain()).toEqual(["jenkins_home:task-removed"]);
  });

  it("rejects waitForSync when stopped before the first sync", async () => {
    const { informer, swarm } = setup();
    swarm.listFailures.push(new Error("down"));
    informer.start();
    const waiting = informer.waitForSync();
    await informer.stop();
    await expect(waiting).rejects.toThrow(/stopped/);
  });
});

describe("SwarmInformer: dirty volumes from polling", () => {
  it("reports a task that moved to another node", async () => {
    const { informer, time, swarm, drain } = await started();
    swarm.updateTask("t1", { nodeId: "n2" });
    await time.advance(999);
    expect(drain()).toEqual([]);
    await time.advance(1);
    expect(drain()).toEqual(["jenkins_home:task-changed"]);
    expect(informer.tasksOnNode("n2").map((t) => t.id)).toEqual(["t1", "t2"]);
  });

  it("reports desired state shutdown, then the task leaving the cache once it stopped", async () => {
    const { informer, time, swarm, drain } = await started();
    swarm.updateTask("t1", { desiredState: "shutdown" });
    await time.advance(1000);
    expect(drain()).toEqual(["jenkins_home:task-changed"]);
    expect(informer.tasksForVolume("jenkins_home")[0]?.desiredState).toBe("shutdown");
    swarm.updateTask("t1", { state: "shutdown" });
    await time.advance(1000);
    expect(drain()).toEqual(["jenkins_home:task-removed"]);
    expect(informer.tasksForVolume("jenkins_home")).toEqual([]);
  });

  it("reports every volume on a node that goes down or is drained", async () => {
    const { time, swarm, drain } = await started();
    swarm.updateNode("n1", { state: "down" });
    await time.advance(1000);
    expect(drain()).toEqual(["jenkins_home:node-changed"]);
    swarm.updateNode("n2", { availability: "drain" });
    await time.advance(1000);
    expect(drain()).toEqual(["mongo:node-changed"]);
  });

  it("keeps reporting to the other handlers when one throws", async () => {
    const { informer, time, swarm, drain } = await started();
    informer.onVolumeDirty(() => { throw new Error("bad handler"); });
    swarm.removeTask("t2");
    await time.advance(1000);
    expect(drain()).toEqual(["mongo:task-removed"]);
  });
});

describe("SwarmInformer: events, reconnects and resync", () => {
  it("relists within eventDelayMs of an event, once for a burst", async () => {
    const { time, swarm, drain } = await started();
    const lists = swarm.calls.listTasks;
    swarm.updateNode("n1", { state: "down" });
    for (let i = 0; i < 5; i += 1) swarm.session.emit(newEvent({ id: "n1" }));
    await time.advance(99);
    expect(swarm.calls.listTasks).toBe(lists);
    await time.advance(1);
    expect(swarm.calls.listTasks).toBe(lists + 1);
    expect(drain()).toEqual(["jenkins_home:node-changed"]);
  });

  it("reconnects after 1, 2, 4, 8, 16, 30, 30 s and resets after an event", async () => {
    const { time, swarm } = setup();
    swarm.onWatch = (session) => session.end();
    const delays: number[] = [];
    const informer = new SwarmInformer({ swarm, clock: time, timers: time, delay: (ms, signal) => (delays.push(ms), time.sleep(ms, signal)) });
    running.push(informer);
    informer.start();
    await time.advance(91_000);
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    swarm.onWatch = (session) => { session.emit(newEvent()); session.end(); };
    await time.advance(30_000);
    expect(delays.slice(8)).toEqual([1000]);
    swarm.onWatch = (session) => session.fail(new Error("connection reset"));
    await time.advance(1000);
    expect(delays.slice(8)).toEqual([1000, 2000]);
  });

  it("relists after every reconnect (events may have been missed)", async () => {
    const { time, swarm, informer } = await started({ pollIntervalMs: 60_000 });
    const lists = swarm.calls.listTasks;
    swarm.session.end();
    await time.advance(1000);
    expect(swarm.calls.watchEvents).toBe(2);
    await time.advance(100);
    expect(swarm.calls.listTasks).toBe(lists + 1);
    expect(informer.hasSynced()).toBe(true);
  });

  it("reports every volume dirty and calls onResync on the cron resync", async () => {
    const { scheduler, informer, time, drain } = await started();
    let resyncs = 0;
    informer.onResync(() => (resyncs += 1));
    expect(scheduler.jobs.map((job) => job.expression)).toEqual(["* * * * *"]);
    scheduler.fire();
    await time.advance(0);
    expect(drain()).toEqual(["jenkins_home:resync", "mongo:resync"]);
    expect(resyncs).toBe(1);
  });

  it("stops while waiting to reconnect, even though the clock's sleep rejects on abort", async () => {
    const { time, swarm, informer } = setup();
    swarm.onWatch = (session) => session.end();
    informer.start();
    await time.advance(0);
    expect(time.sleeps).toEqual([1000]);
    await expect(informer.stop()).resolves.toBeUndefined();
    expect(time.pending).toBe(0);
  });

  it("stops polling, the cron job and the event stream on stop", async () => {
    const { scheduler, informer, time, swarm } = await started();
    const session = swarm.session;
    await informer.stop();
    const lists = swarm.calls.listTasks;
    await time.advance(60_000);
    expect(swarm.calls.listTasks).toBe(lists);
    expect(session.signal.aborted).toBe(true);
    expect(scheduler.jobs[0]?.stopped).toBe(true);
    expect(time.pending).toBe(0);
  });
});
