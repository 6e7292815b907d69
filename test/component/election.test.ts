/**
 * The leader election of controller replicas (controller/leader/elector.ts) on a fake of
 * Swarm's store with real compare-and-swap, every replica on its own view of one stepped
 * clock. After every 10 ms of simulated time the test counts the replicas whose mutation
 * gate is open: never more than one, whatever the scenario.
 */
import { afterEach, describe, expect, it } from "vitest";
import { LeaderElector } from "../../controller/leader/elector.js";
import type { Clock } from "../../core/ports.js";
import { silentLogger } from "../../core/ports.js";
import { CuttableLeaseStore } from "../fakes/cuttableLeaseStore.js";
import { FakeClusterStore } from "../fakes/fakeClusterStore.js";
import { SteppedClock } from "../fakes/steppedClock.js";

/** A replica's own monotonic clock: the shared one, run `rate` times as fast from a start offset. */
function ownClock(base: SteppedClock, offset: number, rate = 1): Clock {
  const start = base.now();
  return { now: () => offset + start + (base.now() - start) * rate, sleep: (ms, signal) => base.sleep(ms / rate, signal) };
}

interface Replica {
  name: string;
  elector: LeaderElector;
  link: CuttableLeaseStore;
  started: number;
  stopped: number;
  dead: boolean;
}

let replicas: Replica[] = [];
let clock: SteppedClock;
let store: FakeClusterStore;
let wall = Date.parse("2026-12-02T10:00:00Z");

function replica(name: string, options: { offset?: number; rate?: number; reluctant?: () => boolean } = {}): Replica {
  const link = new CuttableLeaseStore(store);
  const entry: Replica = { name, link, started: 0, stopped: 0, dead: false } as Replica;
  entry.elector = new LeaderElector({
    store: link, self: name, selfUrl: `http://${name}:7750`, clock: ownClock(clock, options.offset ?? 0, options.rate),
    wallClock: () => wall, logger: silentLogger,
    ...(options.reluctant ? { reluctant: options.reluctant } : {}),
    onStartedLeading: async () => void (entry.started += 1),
    onStoppedLeading: async () => void (entry.stopped += 1),
  });
  replicas.push(entry);
  entry.elector.start();
  return entry;
}

/** Moves time in 10 ms steps; throws the moment two live replicas may act at once. */
async function run(ms: number): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += 10) {
    await clock.advance(10);
    const acting = replicas.filter((r) => !r.dead && r.elector.canAct()).map((r) => r.name);
    if (acting.length > 1) throw new Error(`two leaders at ${clock.now()}: ${acting.join(", ")}`);
  }
}

const leaders = () => replicas.filter((r) => !r.dead && r.elector.isLeader()).map((r) => r.name);

/** Crash: the process is gone (no release); its gate no longer counts. */
function crash(r: Replica): void {
  r.dead = true;
  r.link.cut = true;
  void r.elector.stop();
}

beforeEachReset();
function beforeEachReset(): void {
  afterEach(async () => {
    for (const r of replicas) r.link.cut = true;
    await Promise.all(replicas.map((r) => r.elector.stop()));
    replicas = [];
  });
}

function setUp(): void {
  clock = new SteppedClock();
  store = new FakeClusterStore();
  wall = Date.parse("2026-12-02T10:00:00Z");
}

describe("leader election", () => {
  it("one candidate creates the record, leads, and renews every renew period", async () => {
    setUp();
    const a = replica("a");
    await run(3_000);
    expect(leaders()).toEqual(["a"]);
    const lease = store.peekLease();
    expect(lease?.value).toMatchObject({ holder: "a", holderUrl: "http://a:7750", transitions: 0, leaseDurationMs: 2000, renewPeriodMs: 500 });
    const renewals = store.calls.filter((call) => call.startsWith("updateLease")).length;
    expect(renewals).toBeGreaterThanOrEqual(5);
    expect(a.started).toBe(1);
  });

  it("two candidates at once: the store's CAS lets exactly one of them win", async () => {
    setUp();
    replica("a");
    replica("b");
    await run(3_000);
    expect(leaders()).toHaveLength(1);
    expect(store.calls.filter((call) => call.startsWith("createLease")).length).toBe(2);
  });

  it("after a crash another replica leads, no sooner than one lease after the last renewal and within about a lease and two polls", async () => {
    setUp();
    replica("a");
    await run(1_000);
    const b = replica("b");
    replica("c");
    await run(2_000);
    expect(leaders()).toEqual(["a"]);
    const lastRenewal = store.peekLease()?.version;
    crash(replicas[0] as Replica);
    const crashedAt = clock.now();
    let takeover: number | undefined;
    for (let waited = 0; waited < 4_000 && takeover === undefined; waited += 10) {
      await run(10);
      if (leaders().length === 1) takeover = clock.now();
    }
    expect(takeover).toBeDefined();
    expect((takeover as number) - crashedAt).toBeGreaterThanOrEqual(2000 - 500);
    expect((takeover as number) - crashedAt).toBeLessThanOrEqual(2000 + 2 * 250 + 50);
    expect(store.peekLease()?.value.transitions).toBe(1);
    expect(store.peekLease()?.version).not.toBe(lastRenewal);
    expect([b.started, replicas[2]?.started].reduce((x, y) => (x ?? 0) + (y ?? 0), 0)).toBe(1);
  });

  it("a partitioned leader closes its gate before the standby can take over, and stays a standby once healed", async () => {
    setUp();
    const a = replica("a");
    await run(1_000);
    const b = replica("b");
    await run(1_000);
    a.link.cut = true;
    const cutAt = clock.now();
    let gateClosedAt: number | undefined;
    let tookOverAt: number | undefined;
    for (let waited = 0; waited < 7_000; waited += 10) {
      await run(10);
      if (gateClosedAt === undefined && !a.elector.canAct()) gateClosedAt = clock.now();
      if (tookOverAt === undefined && b.elector.canAct()) tookOverAt = clock.now();
    }
    expect(gateClosedAt).toBeDefined();
    expect(tookOverAt).toBeDefined();
    expect(gateClosedAt as number).toBeLessThanOrEqual(cutAt + 2000 - 500 + 10);
    expect(tookOverAt as number).toBeGreaterThan(gateClosedAt as number);
    expect(a.stopped).toBe(1);
    a.link.cut = false;
    await run(3_000);
    expect(leaders()).toEqual(["b"]);
  });

  it("a renewal delayed in the store past the deadline loses to the candidate by CAS, and the old leader steps down", async () => {
    setUp();
    const a = replica("a");
    await run(1_000);
    const b = replica("b");
    await run(500);
    a.link.slowWrites = { ms: 2_500, clock };
    await run(4_000);
    a.link.slowWrites = undefined;
    await run(1_000);
    expect(leaders()).toEqual(["b"]);
    expect(a.stopped).toBeGreaterThanOrEqual(1);
    expect(b.started).toBe(1);
  });

  it("one renewal landing past the deadline pauses the lone leader: its gate closes, then reopens in the same term (no restore)", async () => {
    setUp();
    const a = replica("a");
    await run(1_000);
    a.link.slowWrites = { ms: 2_500, clock };
    await run(600);
    a.link.slowWrites = undefined;
    let closedFor = 0;
    for (let waited = 0; waited < 4_000; waited += 10) {
      await run(10);
      if (!a.elector.canAct()) closedFor += 10;
    }
    expect(closedFor).toBeGreaterThan(0);
    expect(closedFor).toBeLessThan(2_500);
    expect(leaders()).toEqual(["a"]);
    expect(a.started).toBe(1);
    expect(a.stopped).toBe(0);
    expect(store.peekLease()?.value.transitions).toBe(0);
  });

  it("renewals that never land in time end the paused term after the pause limit", async () => {
    setUp();
    const a = replica("a");
    await run(1_000);
    a.link.slowWrites = { ms: 1_600, clock };
    let stoppedAt: number | undefined;
    const slowFrom = clock.now();
    for (let waited = 0; waited < 8_000 && stoppedAt === undefined; waited += 10) {
      await run(10);
      if (a.stopped > 0) stoppedAt = clock.now();
    }
    expect(stoppedAt).toBeDefined();
    expect((stoppedAt as number) - slowFrom).toBeGreaterThanOrEqual(1_500 + 4_000 - 500);
    expect((stoppedAt as number) - slowFrom).toBeLessThanOrEqual(1_500 + 4_000 + 2_000);
    a.link.slowWrites = undefined;
    await run(2_000);
  });

  it("a clock running 10 % fast or slow, or a wall-clock step, never lets two replicas act at once", async () => {
    setUp();
    replica("fast", { rate: 1.1, offset: 5_000_000 });
    await run(1_000);
    replica("slow", { rate: 0.9, offset: -77 });
    for (let round = 0; round < 4; round += 1) {
      await run(2_500);
      wall += round % 2 === 0 ? 3_600_000 : -7_200_000;
      const holder = replicas.find((r) => r.elector.canAct());
      if (holder) crash(holder);
      if (round === 1) replica("late", { rate: 1.05 });
    }
    await run(3_000);
    expect(leaders().length).toBeLessThanOrEqual(1);
  });

  it("stop() releases the lease: a standby takes over within a poll, not a lease", async () => {
    setUp();
    const a = replica("a");
    await run(1_000);
    const b = replica("b");
    await run(1_000);
    const stopping = a.elector.stop();
    const stoppedAt = clock.now();
    await run(20);
    await stopping;
    let tookOverAt: number | undefined;
    for (let waited = 0; waited < 2_000 && tookOverAt === undefined; waited += 10) {
      await run(10);
      if (b.elector.isLeader()) tookOverAt = clock.now();
    }
    expect(tookOverAt).toBeDefined();
    expect((tookOverAt as number) - stoppedAt).toBeLessThanOrEqual(300);
    expect(store.peekLease()?.value).toMatchObject({ holder: "b", transitions: 1 });
    expect(a.stopped).toBe(1);
  });

  it("a reluctant replica (on Swarm's Raft leader) lets another lead when both start together", async () => {
    setUp();
    replica("raft-leader", { reluctant: () => true });
    replica("other");
    await run(4_000);
    expect(leaders()).toEqual(["other"]);
  });

  it("a reluctant replica still leads when it is the only one", async () => {
    setUp();
    replica("alone", { reluctant: () => true });
    await run(3_000);
    expect(leaders()).toEqual(["alone"]);
  });

  it("leadership shows in the API only once the restore resolved, and the leader URL is named to standbys", async () => {
    setUp();
    let finishRestore: () => void = () => undefined;
    const restoring = new Promise<void>((resolve) => (finishRestore = resolve));
    const a = new LeaderElector({
      store, self: "a", selfUrl: "http://a:7750", clock, logger: silentLogger,
      onStartedLeading: () => restoring, onStoppedLeading: async () => undefined,
    });
    replicas.push({ name: "a", elector: a, link: new CuttableLeaseStore(store), started: 0, stopped: 0, dead: false });
    a.start();
    const b = replica("b");
    await run(500);
    expect(a.canAct()).toBe(true);
    expect(a.isLeader()).toBe(false);
    finishRestore();
    await run(20);
    expect(a.isLeader()).toBe(true);
    expect(a.leaderUrl()).toBe("http://a:7750");
    expect(b.elector.leaderUrl()).toBe("http://a:7750");
  });
});
