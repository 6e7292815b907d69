/**
 * An operator's move outlives its leader (ADR 0023): leader A accepts a move and dies in
 * the middle of it; leader B, restoring the holds from Swarm's store at the start of its
 * term, finishes it, or ends it at the bound A set, exactly once: the volume is attached
 * to the target once in all (never a second attach), and a hold's end is told once.
 *
 * Whole Controllers (MoveService, MoveHolds, the queue, the Reconciler) over a shared
 * recording cloud and a fake Swarm store, each term with its own catalog cache (restored
 * from the store and the cloud, as controller/replica.ts does at a takeover) and journal.
 * A "dies" at a named crash point of the move (core/crashPoints.ts) and is stopped.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Controller, type ControllerInformer } from "../../controller/controller.js";
import { MemoryEventLog } from "../../controller/events/eventLog.js";
import { ReplicatedCatalog, restoreCatalog } from "../../controller/replicatedCatalog.js";
import { cloudTags } from "../../core/cloud.js";
import type { ControllerCrashStep } from "../../core/crashPoints.js";
import { silentLogger } from "../../core/ports.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { FakeClusterStore } from "../fakes/fakeClusterStore.js";
import { ManualTime } from "../fakes/fakeSwarm.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { RecordingCrashPoints } from "../fakes/recordingCrashPoints.js";
import { RecordingMetrics } from "../fakes/recordingMetrics.js";
import { swarmNode } from "../support/moveWorld.js";

const holdMs = 60_000;
const nodes = [swarmNode("n1"), swarmNode("n2"), swarmNode("n3")];
/** No Swarm task uses the volume: an idle volume the operator moves. */
const informer = {
  nodes: () => nodes, node: (id: string) => nodes.find((node) => node.id === id), tasksForVolume: () => [],
  start: () => undefined, stop: async () => undefined, waitForSync: async () => undefined, onVolumeDirty: () => () => undefined, onResync: () => () => undefined,
} as unknown as ControllerInformer;

interface Term {
  controller: Controller;
  catalog: ReplicatedCatalog;
  log: MemoryEventLog;
  crash: RecordingCrashPoints;
}

let time: ManualTime;
let cloud: FakeCloud;
let store: FakeClusterStore;
let terms: Term[] = [];

afterEach(async () => {
  for (const term of terms) await term.controller.stop();
  terms = [];
});

/** db: formatted, stored in Swarm, its EBS volume attached to n1 at epoch 1; nothing uses it. */
async function world(): Promise<void> {
  time = new ManualTime();
  cloud = new FakeCloud();
  store = new FakeClusterStore();
  const volume = await cloud.create({ uid: "u-db", name: "db", sizeBytes: 1 << 30, zone: "z1", options: {} });
  await cloud.setTags(volume.id, { [cloudTags.epoch]: "1" });
  await cloud.attach(volume.id, "i-n1");
  await store.putVolume({ uid: "u-db", createdAt: "2026-11-22T09:00:00.000Z", spec: { name: "db", backend: "ebs", sizeBytes: 1 << 30, fsType: "ext4", options: {} }, formatted: true });
  cloud.calls.length = 0;
}

/** Lets the term's queue run until nothing is ready or in flight (delayed keys wait for time), and its hold writes land. */
async function settle(term: Term): Promise<void> {
  for (let round = 0; round < 50 && (round === 0 || term.controller.queue.depth > 0 || term.controller.queue.inFlight().length > 0); round += 1) {
    await time.advance(0);
  }
  await term.controller.holds.flushed();
}

/** A takeover: the catalog restored from the store and the cloud, a new term started on it (its holds restored first). */
async function takeOver(crashAt?: ControllerCrashStep): Promise<Term> {
  const catalog = new ReplicatedCatalog(new MemoryCatalog(), store);
  const described = await cloud.describe();
  await restoreCatalog(catalog, store, described, silentLogger);
  const log = new MemoryEventLog({ now: () => time.now(), term: terms.length + 1 });
  const crash = new RecordingCrashPoints(crashAt);
  const controller = new Controller({
    informer, catalog, cloud, journal: new MemoryJournal(() => time.now()), clock: time, timers: time, logger: silentLogger, metrics: new RecordingMetrics(),
    policy: { fenceGraceMs: 5_000, pollMs: 1_000, idleDetachMs: 3_600_000 }, leaseTtlMs: 10_000, claimTtlMs: 5_000, buildSpec: () => { throw new Error("unused"); },
    ownsInformer: false, events: log, moveHoldMs: holdMs, moveHolds: store, crashPoints: crash, workers: 1,
  });
  for (const node of nodes) await controller.service.heartbeat(node.id, { hostname: node.hostname, instanceId: `i-${node.id}`, zone: "z1", mounts: [] });
  const term = { controller, catalog, log, crash };
  terms.push(term);
  await controller.start(described);
  await settle(term);
  return term;
}

/** Lets `ms` of time pass with the term leading and every agent renewing its lease each 5 s. */
async function liveFor(term: Term, ms: number): Promise<void> {
  for (let passed = 0; passed < ms; passed += 5_000) {
    for (const node of nodes) await term.controller.service.heartbeat(node.id, { hostname: node.hostname, instanceId: `i-${node.id}`, zone: "z1", mounts: [] });
    await time.advance(5_000);
    await settle(term);
  }
}

/** A leader accepts the move of db to n2 and dies at `step`; the next one comes after the hold's bound. */
async function diedPastBound(step: ControllerCrashStep): Promise<{ id: string }> {
  await world();
  const a = await takeOver(step);
  const accepted = await a.controller.moves.start("db", { to: "n2", withService: false });
  await settle(a);
  await die(a);
  time.current += holdMs + 1_000;
  return accepted;
}

/** Kills the term where it stands (its queue stops; nothing it would still do happens). */
async function die(term: Term): Promise<void> {
  await term.controller.stop();
  terms = terms.filter((other) => other !== term);
}

const attachesTo = (instanceId: string) => cloud.calls.filter((call) => call.startsWith("attach ") && call.endsWith(` ${instanceId}`)).length;
const attachments = () => [...cloud.volumes.values()].flatMap((volume) => volume.attachments.map((attachment) => attachment.instanceId));
const holdEnds = (term: Term) => term.log.read({ limit: 100 }).events.filter((event) => event.data.phase === "hold_ended").map((event) => event.data.reason);

/** The move's steps a leader can die at (those the reconciler reaches; the EC2 requests' own need a real EC2 client). */
const deaths: ControllerCrashStep[] = [
  "controller.move.fenced", "controller.detach.observed", "controller.attach.epochRaised", "controller.attach.observed",
  "controller.grant.beforeWrite", "controller.grant.written",
];

describe("a move whose leader dies", () => {
  it.each(deaths)("dying at %s: the next leader finishes it, attaching once", async (step) => {
    await world();
    const a = await takeOver(step);
    const accepted = await a.controller.moves.start("db", { to: "host-n2", withService: false });
    expect(store.calls).toContain(`putMoveHold(db:${accepted.id})`);
    await settle(a);
    expect(a.crash.steps).toContain(step);
    await die(a);

    const b = await takeOver();
    const move = b.controller.moves.get("db");
    expect([move.id, move.state, move.holdUntil]).toEqual([accepted.id, "arrived", accepted.holdUntil]);
    expect(b.catalog.get("db")?.status.grantedTo?.nodeId).toBe("n2");
    expect(attachesTo("i-n2")).toBe(1);
    expect(attachments()).toEqual(["i-n2"]);
    expect(b.controller.holds.standing).toBe(1);
  });

  it("past its bound when the next leader comes: that leader ends it as lapsed, once, and moves nothing", async () => {
    const accepted = await diedPastBound("controller.detach.observed");

    const b = await takeOver();
    const move = b.controller.moves.get("db");
    expect([move.id, move.state, move.ended?.reason]).toEqual([accepted.id, "abandoned", "lapsed"]);
    expect(attachesTo("i-n2")).toBe(0);
    expect(holdEnds(b)).toEqual(["lapsed"]);
    expect((await store.listMoveHolds()).map((hold) => hold.ended?.reason)).toEqual(["lapsed"]);
    await die(b);

    // A third leader finds the end recorded: it tells no second end and answers the move as it went.
    const c = await takeOver();
    expect(c.controller.moves.get("db")).toMatchObject({ id: accepted.id, state: "abandoned", ended: { reason: "lapsed" } });
    expect(holdEnds(c)).toEqual([]);
    expect(attachesTo("i-n2")).toBe(0);
  });

  // The grant is not durable (ADR 0010): past the bound, no standing hold makes the next
  // leader grant again, so only the hold's recorded arrival, or the cloud, can say it arrived.
  it.each<ControllerCrashStep>(["controller.attach.observed", "controller.grant.beforeWrite", "controller.grant.written"])(
    "dying at %s, past its bound when the next leader comes: that leader proves the arrival from the cloud, ends the hold once, and moves nothing",
    async (step) => {
      const accepted = await diedPastBound(step);

      const b = await takeOver();
      const move = b.controller.moves.get("db");
      expect([move.id, move.state, move.ended?.reason, move.arrivedAt !== undefined]).toEqual([accepted.id, "arrived", "lapsed", true]);
      expect([attachesTo("i-n2"), attachments()]).toEqual([1, ["i-n2"]]);
      expect(holdEnds(b)).toEqual(["lapsed"]);
      await die(b);

      // A third leader reads the arrival from the store, even when the cloud no longer shows it.
      const stored = await store.listMoveHolds();
      expect(stored.map((hold) => [hold.id, hold.arrivedAt !== undefined, hold.ended?.reason])).toEqual([[accepted.id, true, "lapsed"]]);
      await cloud.detach([...cloud.volumes.keys()][0] ?? "", "i-n2", { force: false });
      const c = await takeOver();
      expect(c.controller.moves.get("db")).toMatchObject({ id: accepted.id, state: "arrived", ended: { reason: "lapsed" } });
    },
  );

  it("dying at controller.attach.epochRaised, past its bound: the volume never reached the target, so the move is abandoned", async () => {
    await diedPastBound("controller.attach.epochRaised");

    const b = await takeOver();
    expect(b.controller.moves.get("db")).toMatchObject({ state: "abandoned", ended: { reason: "lapsed" } });
    expect(b.controller.moves.get("db").arrivedAt).toBeUndefined();
    expect(attachesTo("i-n2")).toBe(0);
  });

  it("a leader that lives: it stores the arrival at the grant, and removes the ended hold from the store once it stops answering it", async () => {
    await world();
    const a = await takeOver();
    const accepted = await a.controller.moves.start("db", { to: "n2", withService: false });
    await settle(a);
    expect((await store.listMoveHolds()).map((hold) => [hold.id, hold.arrivedAt !== undefined, hold.ended])).toEqual([[accepted.id, true, undefined]]);

    await liveFor(a, holdMs + 5_000);
    expect((await store.listMoveHolds()).map((hold) => hold.ended?.reason)).toEqual(["lapsed"]);
    expect(a.controller.moves.get("db")).toMatchObject({ state: "arrived", ended: { reason: "lapsed" } });

    // Ten minutes after its end the hold is no longer answered, and its config is gone, without any takeover.
    await liveFor(a, 600_000 + 5_000);
    expect(store.calls).toContain(`removeMoveHold(db:${accepted.id})`);
    expect(await store.listMoveHolds()).toEqual([]);
    expect(() => a.controller.moves.get("db")).toThrow(/no move of volume "db" known to the leader/);
    expect(attachments()).toEqual(["i-n2"]);
  });

  it("two moves: the volume's status keeps the first, with its phase times, among the earlier moves", async () => {
    await world();
    const a = await takeOver();
    await a.controller.moves.start("db", { to: "n2", withService: false });
    await settle(a);
    const first = a.catalog.get("db")?.status.lastMove;
    expect(first).toMatchObject({ toNode: "n2", t5Attached: expect.any(Number) });
    await a.controller.moves.start("db", { to: "n3", withService: false });
    await settle(a);
    const status = a.catalog.get("db")?.status;
    expect([status?.lastMove?.toNode, status?.earlierMoves]).toEqual(["n3", [first]]);
  });

  it("a hold whose volume is gone, or that ended long ago, is removed from the store instead of restored", async () => {
    await world();
    const a = await takeOver();
    await a.controller.moves.start("db", { to: "n2", withService: false });
    await settle(a);
    await store.putMoveHold({ ...(await store.listMoveHolds())[0]!, volume: "gone", id: "m-gone" });
    await die(a);
    time.current += holdMs + 700_000;

    const b = await takeOver();
    expect(store.calls.filter((call) => call.startsWith("removeMoveHold"))).toEqual(["removeMoveHold(gone:m-gone)"]);
    expect(b.controller.moves.get("db")).toMatchObject({ ended: { reason: "lapsed" } });
    await die(b);
    time.current += 700_000;
    const c = await takeOver();
    expect(await store.listMoveHolds()).toEqual([]);
    expect(() => c.controller.moves.get("db")).toThrow(/no move of volume "db" known to the leader/);
  });
});
