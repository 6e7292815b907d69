/**
 * Issue 11, zones: a task Swarm places in another availability zone. A whole Controller
 * (informer over a scripted Swarm, queue, reconciler, volume and snapshot services) on
 * fakes and manual time, nodes n1 in us-east-1a and n2 in us-east-1b:
 * - `zonePolicy=pinned` (the default) keeps the volume where it is, with the ZoneMismatch
 *   condition and its event naming the constraint that fixes the stack file;
 * - `zonePolicy=follow` detaches the old volume (released or fenced, as in any move),
 *   snapshots it, creates the volume in us-east-1b from the snapshot, attaches it there
 *   with a raised epoch, and deletes the old one only once the new one is mounted.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Controller } from "../../controller/controller.js";
import { MemoryEventLog } from "../../controller/events/eventLog.js";
import { cloudTags } from "../../core/cloud.js";
import type { SwarmTask } from "../../core/swarm.js";
import { newNode, newTask, newTaskVolume } from "../fixtures/swarm.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { FakeSnapshots } from "../fakes/fakeSnapshots.js";
import { FakeSwarm, ManualTime } from "../fakes/fakeSwarm.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { RecordingMetrics } from "../fakes/recordingMetrics.js";
import { runRenewing } from "../support/renewals.js";
import { fakeController, startOnManualTime } from "../support/fakeController.js";

const leaseTtlMs = 6_000;
const policy = { fenceGraceMs: 4_000, pollMs: 1_000 };
const zoneOf: Record<string, string> = { n1: "us-east-1a", n2: "us-east-1b" };

let time: ManualTime;
let swarm: FakeSwarm;
let cloud: FakeCloud;
let snapshots: FakeSnapshots;
let catalog: MemoryCatalog;
let events: MemoryEventLog;
let metrics: RecordingMetrics;
let controller: Controller;
/** What each node's agent reports mounted (volume → epoch). */
let mounts: Record<string, Record<string, number>>;

const dbTask = (id: string, nodeId: string, extra: Partial<SwarmTask> = {}) => newTask({ id, nodeId, volumes: [newTaskVolume("db")], ...extra });
const mutations = () => cloud.calls.filter((call) => !/^(describe|listSnapshots|waitSnapshot)/.test(call));
const heartbeat = (nodeId: string) => controller.service.heartbeat(nodeId, {
  hostname: nodeId, instanceId: `i-${nodeId}`, zone: zoneOf[nodeId] as string,
  mounts: Object.entries(mounts[nodeId] ?? {}).map(([volume, epoch]) => ({ volume, epoch })),
});

const run = (ms: number, alive: readonly string[]) => runRenewing(time, ms, alive, heartbeat);

/** db created with `options`, placed on n1 and mounted there (formatted), its cloud calls forgotten. */
async function placedOnN1(options: Record<string, string>): Promise<void> {
  await controller.service.create("db", { size: "1", ...options });
  swarm.putTask(dbTask("t1", "n1"));
  await run(2_000, ["n1", "n2"]);
  await controller.service.markFormatted("db");
  mounts.n1 = { db: 1 };
  await run(1_000, ["n1", "n2"]);
  cloud.calls.length = 0;
}

/** Swarm moves the task to n2; n1's agent unmounts and releases. */
async function taskToN2(): Promise<void> {
  swarm.updateTask("t1", { desiredState: "shutdown" });
  swarm.putTask(dbTask("t2", "n2", { state: "preparing" }));
  mounts.n1 = {};
  controller.service.release("db", "n1");
}

beforeEach(async () => {
  time = new ManualTime();
  swarm = new FakeSwarm({ nodes: [newNode({ id: "n1" }), newNode({ id: "n2" })] });
  cloud = new FakeCloud();
  snapshots = new FakeSnapshots(() => time.now(), true, cloud.calls);
  catalog = new MemoryCatalog();
  events = new MemoryEventLog({ now: () => time.now(), term: 1 });
  metrics = new RecordingMetrics();
  mounts = {};
  controller = fakeController(time, swarm, { catalog, cloud, policy, leaseTtlMs, metrics, snapshots, events });
  await startOnManualTime(controller, time, heartbeat);
});

afterEach(async () => {
  await controller.stop();
});

const told = (type: string) => events.read({ since: "1-0", limit: 500 }).events.filter((event) => event.type === type);

describe("zonePolicy=pinned (the default)", () => {
  it("a task in another zone leaves the volume where it is, with ZoneMismatch and an event naming the constraint", async () => {
    await placedOnN1({});
    await taskToN2();
    await run(5_000, ["n1", "n2"]);
    expect(mutations()).toEqual([]);
    expect(catalog.get("db")?.status).toMatchObject({ backendId: "vol-1", zone: "us-east-1a", condition: { reason: "ZoneMismatch" } });
    const [event] = told("condition.changed").filter((e) => e.data.reason === "ZoneMismatch");
    expect(event?.message).toContain("add the constraint node.labels.swarmvol.zone==us-east-1a to the service (placement.constraints in the stack file)");
  });
});

describe("zonePolicy=follow", () => {
  it("detach, snapshot, create in the new zone from it, attach with a raised epoch; the old volume is deleted only after the new one is mounted", async () => {
    await placedOnN1({ zonePolicy: "follow" });
    await taskToN2();
    await run(3_000, ["n1", "n2"]);
    const [snapshot] = [...snapshots.snapshots.values()];
    expect(snapshot?.tags).toMatchObject({ [cloudTags.name]: "db", "swarmvol/reason": "relocation", [cloudTags.epoch]: "1" });
    expect(mutations()).toEqual([
      "detach vol-1 i-n1", "createSnapshot vol-1 relocation", `create db us-east-1b from ${snapshot?.id}`, "tags vol-2 swarmvol/epoch=2", "attach vol-2 i-n2",
    ]);
    expect(cloud.volumes.get("vol-2")?.tags[cloudTags.relocatedFrom]).toBe("vol-1");
    expect(catalog.get("db")?.status).toMatchObject({
      backendId: "vol-2", zone: "us-east-1b", epoch: 2, fresh: false, grantedTo: { nodeId: "n2", epoch: 2 },
      relocation: { fromVolumeId: "vol-1", fromZone: "us-east-1a", toZone: "us-east-1b", snapshotId: snapshot?.id, toVolumeId: "vol-2" },
    });
    expect(cloud.volumes.has("vol-1")).toBe(true);

    mounts.n2 = { db: 2 };
    await run(2_000, ["n1", "n2"]);
    expect(mutations().slice(5)).toEqual(["delete vol-1"]);
    const status = catalog.get("db")?.status;
    expect(status?.relocation).toBeUndefined();
    const move = status?.lastMove;
    expect(move).toMatchObject({ fromNode: "n1", toNode: "n2", fromZone: "us-east-1a", toZone: "us-east-1b", forced: false });
    const stamps = [move?.t2Seen, move?.t3Fenced, move?.t4Detached, move?.t4aSnapshotted, move?.t4bCreated, move?.t5Attached, move?.t7Mounted];
    expect(stamps.every((at) => typeof at === "number")).toBe(true);
    expect([...stamps].sort((a, b) => (a as number) - (b as number))).toEqual(stamps);
    expect(metrics.phases.filter((p) => p.kind === "relocation").map((p) => p.phase)).toEqual(["t3_fenced", "t4_detached", "t4a_snapshotted", "t4b_created", "t5_attached", "t7_mounted"]);
    const phases = told("move.phase").map((e) => e.data.phase);
    expect(phases).toEqual(expect.arrayContaining(["t4a_snapshotted", "t4b_created"]));
    expect(told("condition.changed").map((e) => e.data.reason)).toEqual(["Relocating", null]);
  });

  it("a volume made for this move that never became the volume (its create's answer lost, the task gone to a third zone) is deleted with the old one", async () => {
    await placedOnN1({ zonePolicy: "follow" });
    const uid = catalog.get("db")?.uid ?? "";
    const stray = await cloud.create({ uid, name: "db", sizeBytes: 1 << 30, zone: "us-east-1c", options: {}, relocation: { fromVolumeId: "vol-1", epoch: 1, key: "lost" } });
    const other = await cloud.create({ uid: "another-uid", name: "web", sizeBytes: 1 << 30, zone: "us-east-1c", options: {}, relocation: { fromVolumeId: "vol-1", epoch: 1, key: "k" } });
    await taskToN2();
    await run(3_000, ["n1", "n2"]);
    expect(cloud.volumes.has(stray.id)).toBe(true);
    mounts.n2 = { db: 2 };
    await run(2_000, ["n1", "n2"]);
    expect(mutations().filter((call) => call.startsWith("delete"))).toEqual([`delete ${stray.id}`, "delete vol-1"]);
    expect(cloud.volumes.has(other.id)).toBe(true);
    expect(catalog.get("db")?.status).toMatchObject({ backendId: expect.not.stringMatching(new RegExp(`^${stray.id}$`)), zone: "us-east-1b" });
  });

  it("a dead holder is fenced first (forced detach after the lease and the grace), then the volume follows", async () => {
    await placedOnN1({ zonePolicy: "follow" });
    swarm.updateNode("n1", { state: "down" });
    swarm.updateTask("t1", { desiredState: "shutdown" });
    swarm.putTask(dbTask("t2", "n2", { state: "preparing" }));
    await run(leaseTtlMs + policy.fenceGraceMs - 2_000, ["n2"]);
    expect(mutations()).toEqual([]);
    expect(catalog.get("db")?.status.condition?.reason).toBe("HolderAlive");
    await run(4_000, ["n2"]);
    expect(mutations().slice(0, 3)).toEqual(["detach vol-1 i-n1 force", "createSnapshot vol-1 relocation", expect.stringMatching(/^create db us-east-1b from snap-/)]);
    expect(catalog.get("db")?.status).toMatchObject({ backendId: "vol-2", grantedTo: { nodeId: "n2" }, lastMove: { forced: true, toZone: "us-east-1b" } });
  });

  it("a volume never formatted (no data) is recreated empty and fresh, without a snapshot", async () => {
    await controller.service.create("db", { size: "1", zonePolicy: "follow" });
    swarm.putTask(dbTask("t1", "n1"));
    await run(2_000, ["n1", "n2"]);
    cloud.calls.length = 0;
    await taskToN2();
    await run(3_000, ["n1", "n2"]);
    expect(mutations()).toEqual(["detach vol-1 i-n1", "create db us-east-1b from nothing", "tags vol-2 swarmvol/epoch=2", "attach vol-2 i-n2"]);
    expect(catalog.get("db")?.status).toMatchObject({ fresh: true, backendId: "vol-2" });
  });

  it("the new volume never mounted: the old one is kept, and deleted with the volume", async () => {
    await placedOnN1({ zonePolicy: "follow" });
    await taskToN2();
    await run(3_000, ["n1", "n2"]);
    swarm.updateTask("t2", { desiredState: "shutdown" });
    await run(3_000, ["n1", "n2"]);
    expect(cloud.volumes.has("vol-1")).toBe(true);
    await controller.service.remove("db");
    expect(cloud.volumes.size).toBe(0);
  });

  it("an invalid zonePolicy is refused at create with both values named", async () => {
    await expect(controller.service.create("bad", { zonePolicy: "roam" })).rejects.toThrow('invalid zonePolicy "roam": use pinned (the default) or follow');
    expect(catalog.get("bad")).toBeUndefined();
  });
});
