import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { HeartbeatRequest } from "../../api/contract.js";
import { unavailable } from "../../core/errors.js";
import { silentLogger, type LocalContainers, type Logger } from "../../core/ports.js";
import { FakeClock } from "../../test/fakes/clock.js";
import { FakeNode } from "../../test/fakes/fakeDevices.js";
import { MemoryCatalog, MemoryMountTable } from "../../test/fakes/memoryState.js";
import { RecordingMetrics } from "../../test/fakes/recordingMetrics.js";
import { SteppedClock } from "../../test/fakes/steppedClock.js";
import { VolumeDriver } from "../driver.js";
import { LocalDirectory } from "../localDirectory.js";
import type { CallOptions } from "../../api/client/apiClient.js";
import { LeaseKeeper, type LeaseKeeperOptions } from "./leaseKeeper.js";

/** The controller's heartbeat endpoint: up or down, with a ttl, revokes and a latency. */
class FakeHeartbeats {
  readonly calls: string[] = [];
  readonly bodies: HeartbeatRequest[] = [];
  down = false;
  hang = false;
  ttlMs = 10_000;
  revoke: string[] = [];
  freeze: Array<{ volume: string; id: string; maxMs: number }> = [];
  latencyMs = 0;
  /** Answers this late on the clock (failing at the call's timeout if that comes first). */
  slowMs = 0;
  constructor(private readonly clock: SteppedClock, private readonly t0: number) {}

  readonly api: LeaseKeeperOptions["api"] = {
    heartbeat: async (nodeId: string, request: HeartbeatRequest, options?: CallOptions) => {
      this.calls.push(`${nodeId} t=${this.clock.now() - this.t0} timeout=${options?.timeoutMs}`);
      this.bodies.push(structuredClone(request));
      if (this.hang) {
        return new Promise((_resolve, reject) => options?.signal?.addEventListener("abort", () => reject(unavailable("cancelled"))));
      }
      this.clock.current += this.latencyMs;
      if (this.slowMs > 0) {
        const timeoutMs = options?.timeoutMs ?? this.slowMs;
        await this.clock.sleep(Math.min(this.slowMs, timeoutMs), options?.signal);
        if (this.slowMs > timeoutMs) throw unavailable(`controller at http://10.0.0.1:7750 unreachable: no answer within ${timeoutMs} ms`);
      }
      if (this.down) throw unavailable("controller at http://10.0.0.1:7750 unreachable: connect ECONNREFUSED");
      return { ttlMs: this.ttlMs, revoke: this.revoke, ...(this.freeze.length > 0 ? { freeze: this.freeze } : {}) };
    },
  };
}

function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    debug: () => {},
    info: (_obj, msg) => lines.push(`info ${msg}`),
    warn: (_obj, msg) => lines.push(`warn ${msg}`),
    error: (_obj, msg) => lines.push(`error ${msg}`),
    child: () => logger,
  };
  return logger;
}

async function setup() {
  const clock = new SteppedClock();
  const t0 = clock.now();
  const node = new FakeNode();
  const catalog = new MemoryCatalog();
  const mounts = new MemoryMountTable();
  const directory = new LocalDirectory({ catalog, backend: node.backend, clock: new FakeClock(), logger: silentLogger, newUid: () => `u${catalog.records.size}` });
  const driver = new VolumeDriver({ directory, attacher: directory, mounts, filesystem: node.filesystem, logger: silentLogger, mountsDir: "/mnt/sv" });
  for (const [name, epoch] of [["db", 2], ["logs", 5]] as const) {
    const created = await directory.create(name, null);
    await catalog.put({ ...created, status: { ...created.status, epoch } });
    await driver.mount(name, `mount-${name}`);
  }
  node.actions.length = 0;
  const running = [
    { id: "c1", name: "db.1.x", volumes: ["db"] },
    { id: "c2", name: "app.1.y", volumes: ["db", "logs"] },
    { id: "c3", name: "unrelated", volumes: ["other"] },
  ];
  const containers: LocalContainers = {
    usingVolumes: async (names) => {
      node.actions.push(`containers using ${names.join(",")}`);
      return running.filter((c) => c.volumes.some((v) => names.includes(v)));
    },
    kill: async (id) => void node.actions.push(`kill ${id}`),
  };
  const heartbeats = new FakeHeartbeats(clock, t0);
  const logs: string[] = [];
  const metrics = new RecordingMetrics();
  const keeper = new LeaseKeeper({
    api: heartbeats.api, nodeId: async () => "node-a", identity: { hostname: "worker-1", instanceId: "i-0a", zone: "eu-west-1a" },
    mounts, containers, fencer: driver, clock, logger: recordingLogger(logs), metrics,
  });
  return { clock, t0, node, mounts, driver, heartbeats, logs, keeper, metrics };
}

let t: Awaited<ReturnType<typeof setup>>;
beforeEach(async () => (t = await setup()));
afterEach(async () => t.keeper.stop());

const fenceBoth = [
  "containers using db,logs", "kill c1", "kill c2", "unmount /mnt/sv/db", "unmount /mnt/sv/logs",
];

describe("LeaseKeeper", () => {
  it("renews every 2 s, reporting identity and mounts with their epochs", async () => {
    t.keeper.start();
    await t.clock.settle();
    await t.clock.advance(4000);
    expect(t.heartbeats.calls).toEqual(["node-a t=0 timeout=2000", "node-a t=2000 timeout=8000", "node-a t=4000 timeout=8000"]);
    expect(t.heartbeats.bodies[0]).toEqual({
      hostname: "worker-1", instanceId: "i-0a", zone: "eu-west-1a", mounts: [{ volume: "db", epoch: 2 }, { volume: "logs", epoch: 5 }],
    });
    expect(t.keeper.status()).toEqual({ live: true, expiresAt: t.t0 + 14_000, consecutiveFailures: 0 });
    expect(t.node.actions).toEqual([]);
  });

  it("reports each mount's own phase times (t6 verified, t7 mounted) when the mount table has them", async () => {
    const db = t.mounts.get("db");
    if (!db) throw new Error("db is not mounted");
    await t.mounts.set("db", { ...db, verifiedAt: t.t0 - 3_000, mountedAt: t.t0 - 2_500 });
    t.keeper.start();
    await t.clock.settle();
    expect(t.heartbeats.bodies[0]?.mounts).toEqual([{ volume: "db", epoch: 2, verifiedAt: t.t0 - 3_000, mountedAt: t.t0 - 2_500 }, { volume: "logs", epoch: 5 }]);
  });

  it("a node id learned late (dockerd still starting) does not make the first lease born lapsed", async () => {
    let learned: Promise<string> | undefined;
    const keeper = new LeaseKeeper({
      api: t.heartbeats.api, nodeId: () => (learned ??= t.clock.sleep(7_000).then(() => "node-a")),
      identity: { hostname: "worker-1", instanceId: "i-0a", zone: "eu-west-1a" },
      mounts: t.mounts, containers: { usingVolumes: async () => [], kill: async () => undefined }, fencer: t.driver, clock: t.clock, logger: silentLogger,
    });
    keeper.start();
    await t.clock.advance(7_000);
    expect(keeper.status()).toMatchObject({ live: true, expiresAt: t.t0 + 7_000 + 10_000 });
    await t.clock.advance(2_000);
    expect(keeper.isLive()).toBe(true);
    expect(t.mounts.list().map(([name]) => name)).toEqual(["db", "logs"]);
    await keeper.stop();
  });

  it("lapses ttl after the last successful SEND, then kills the writers before unmounting", async () => {
    t.keeper.start();
    await t.clock.settle();
    t.heartbeats.down = true;
    await t.clock.advance(9999);
    expect(t.keeper.isLive()).toBe(true);
    expect(t.node.actions).toEqual([]);
    await t.clock.advance(1);
    expect(t.keeper.isLive()).toBe(false);
    expect(t.node.actions).toEqual(fenceBoth);
    expect(t.mounts.list()).toEqual([]);
    expect(t.logs).toContain("error lease with the controller lapsed: fencing this node's swarmvol volumes");
    expect((await t.driver.get("db")).Status).toMatchObject({ fenced: expect.stringContaining("lease lapsed (controller at") });
  });

  it("counts renewals ok and failed, and one self-fence per lapse however long it lasts", async () => {
    t.keeper.start();
    await t.clock.settle();
    t.heartbeats.down = true;
    await t.clock.advance(14_000);
    expect(t.metrics.renewals[0]).toBe(true);
    expect(t.metrics.renewals.slice(1).every((ok) => !ok)).toBe(true);
    expect(t.metrics.selfFences).toEqual([{ reason: "lapsed", volumes: 2 }]);
    t.heartbeats.down = false;
    await t.clock.advance(2000);
    expect(t.metrics.renewals.at(-1)).toBe(true);
    expect(t.metrics.selfFences).toHaveLength(1);
  });

  it("keeps trying while lapsed and is live again after one successful heartbeat", async () => {
    t.keeper.start();
    await t.clock.settle();
    t.heartbeats.down = true;
    await t.clock.advance(10_000);
    const callsAtLapse = t.heartbeats.calls.length;
    await t.clock.advance(4000);
    expect(t.heartbeats.calls.length).toBe(callsAtLapse + 2);
    expect(t.node.actions).toEqual(fenceBoth);
    t.heartbeats.down = false;
    await t.clock.advance(2000);
    expect(t.keeper.isLive()).toBe(true);
    expect(t.heartbeats.bodies.at(-1)?.mounts).toEqual([]);
    expect(t.logs).toContain("warn lease renewed: this node may mount volumes again");
    await t.driver.mount("db", "again");
    expect(t.mounts.get("db")?.epoch).toBe(2);
  });

  it("counts the ttl from the send time and wakes at the expiry, not at the next renewal", async () => {
    t.heartbeats.ttlMs = 3000;
    t.heartbeats.latencyMs = 500;
    t.keeper.start();
    await t.clock.settle();
    expect(t.keeper.status().expiresAt).toBe(t.t0 + 3000);
    t.heartbeats.down = true;
    t.heartbeats.latencyMs = 0;
    await t.clock.advance(2000); // the answer came at t=500; the next round is at t=2500, 500 ms before expiry
    expect(t.heartbeats.calls.at(-1)).toBe("node-a t=2500 timeout=500");
    await t.clock.advance(499);
    expect(t.node.actions).toEqual([]);
    await t.clock.advance(1);
    expect(t.node.actions).toEqual(fenceBoth);
  });

  it("keeps its lease with a controller that answers every heartbeat 2.9 s late (a loaded manager): waits for the answer, sends the next at once", async () => {
    t.heartbeats.ttlMs = 6000;
    t.keeper.start();
    await t.clock.settle();
    t.heartbeats.slowMs = 2900;
    for (let step = 0; step < 120; step++) {
      await t.clock.advance(250);
      expect(t.keeper.isLive()).toBe(true);
    }
    expect(t.keeper.status().consecutiveFailures).toBe(0);
    expect(t.node.actions).toEqual([]);
  });

  it("rides out a 3 s controller takeover that begins at a renewal: retries every 250 ms and never fences", async () => {
    // The 6 s lease counts from the send at t=0. Retrying only every renewal (2 s) would
    // fail at 2000 and 4000 and next wake at 6000, the lease's end: a takeover would fence.
    t.heartbeats.ttlMs = 6000;
    t.keeper.start();
    await t.clock.settle();
    t.heartbeats.down = true;
    await t.clock.advance(2000);
    while (t.clock.now() - t.t0 < 5000) {
      await t.clock.advance(250);
      expect(t.keeper.isLive()).toBe(true);
    }
    t.heartbeats.down = false; // the new leader serves from t=5000 on
    await t.clock.advance(250);
    expect(t.keeper.status()).toEqual({ live: true, expiresAt: t.t0 + 5250 + 6000, consecutiveFailures: 0 });
    expect(t.heartbeats.calls.slice(1, 4)).toEqual(["node-a t=2000 timeout=4000", "node-a t=2250 timeout=3750", "node-a t=2500 timeout=3500"]);
    expect(t.heartbeats.calls).toContain("node-a t=4500 timeout=1500");
    await t.clock.advance(10_000);
    expect(t.heartbeats.calls.at(-1)).toBe("node-a t=15250 timeout=4000");
    expect(t.node.actions).toEqual([]);
    expect(t.mounts.list()).toHaveLength(2);
  });

  it("a controller gap longer than the lease fences at the lease's end, counted from the last successful send", async () => {
    t.heartbeats.ttlMs = 6000;
    t.keeper.start();
    await t.clock.settle();
    t.heartbeats.down = true;
    await t.clock.advance(5999);
    expect([t.keeper.isLive(), t.node.actions]).toEqual([true, []]);
    await t.clock.advance(1);
    expect(t.keeper.isLive()).toBe(false);
    expect(t.node.actions).toEqual(fenceBoth);
    const lapsedCalls = t.heartbeats.calls.length;
    await t.clock.advance(4000);
    expect(t.heartbeats.calls.length).toBe(lapsedCalls + 2); // lapsed: back to one try per renewal
  });

  it("fences only the volumes the controller revokes", async () => {
    t.heartbeats.revoke = ["db", "not-mounted-here"];
    t.keeper.start();
    await t.clock.settle();
    expect(t.node.actions).toEqual(["containers using db", "kill c1", "kill c2", "unmount /mnt/sv/db"]);
    expect([...t.mounts.entries.keys()]).toEqual(["logs"]);
    expect(t.keeper.isLive()).toBe(true);
    expect(t.logs).toContain("error controller revoked volumes mounted here: fencing them");
    expect(t.metrics.selfFences).toEqual([{ reason: "revoked", volumes: 1 }]);
  });

  it("hands the freezes a heartbeat answer asks for to onFreeze, and keeps renewing meanwhile", async () => {
    const asked: string[] = [];
    const keeper = new LeaseKeeper({
      api: t.heartbeats.api, nodeId: async () => "node-a", identity: { hostname: "worker-1", instanceId: "i-0a", zone: "eu-west-1a" },
      mounts: t.mounts, containers: { usingVolumes: async () => [], kill: async () => undefined }, fencer: t.driver, clock: t.clock, logger: silentLogger,
      onFreeze: (requests) => asked.push(...requests.map((request) => `${request.volume}:${request.id}`)),
    });
    keeper.start();
    await t.clock.settle();
    expect(asked).toEqual([]);
    t.heartbeats.freeze = [{ volume: "db", id: "f1", maxMs: 10_000 }];
    await t.clock.advance(2000);
    expect(asked).toEqual(["db:f1"]);
    t.heartbeats.freeze = [];
    await t.clock.advance(2000);
    expect(asked).toEqual(["db:f1"]);
    expect(t.heartbeats.calls).toHaveLength(3);
    await keeper.stop();
  });

  it("retries an unmount that failed (busy) on the next round", async () => {
    t.keeper.start();
    await t.clock.settle();
    t.heartbeats.down = true;
    t.node.failNext.unmount = new Error("umount: target is busy");
    await t.clock.advance(10_000);
    expect([...t.mounts.entries.keys()]).toEqual(["db"]);
    expect(t.logs).toContain("error volumes still mounted after fencing; retrying next round");
    t.node.actions.length = 0;
    await t.clock.advance(2000);
    expect(t.node.actions).toEqual(["containers using db", "kill c1", "kill c2", "unmount /mnt/sv/db"]);
    expect(t.mounts.list()).toEqual([]);
  });

  it("with no lease yet: fences after a failed first heartbeat only if something is mounted", async () => {
    t.heartbeats.down = true;
    t.keeper.start();
    await t.clock.settle();
    expect(t.node.actions).toEqual(fenceBoth);
    const fresh = await setup();
    fresh.keeper.start();
    await fresh.clock.settle();
    expect(fresh.node.actions).toEqual([]);
    await fresh.keeper.stop();
  });

  it("stop ends the loop, cancels a heartbeat in flight and does not fence", async () => {
    t.heartbeats.hang = true;
    t.keeper.start();
    await t.clock.settle();
    await t.keeper.stop();
    expect(t.clock.pending).toBe(0);
    await t.clock.advance(60_000);
    expect(t.heartbeats.calls).toHaveLength(1);
    expect(t.node.actions).toEqual([]);
    expect(t.mounts.list()).toHaveLength(2);
  });

  it("stop during the wait between renewals resolves at once", async () => {
    t.keeper.start();
    await t.clock.settle();
    expect(t.clock.pending).toBe(1);
    await t.keeper.stop();
    expect(t.clock.pending).toBe(0);
  });

  it("checks its options", () => {
    expect(() => new LeaseKeeper({ ...({} as LeaseKeeperOptions), renewMs: -1 })).toThrow(/`renewMs` must be a positive number/);
  });
});
