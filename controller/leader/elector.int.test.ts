/**
 * Three electors on a real one-node swarm's Raft store (Debian docker.io, its own dockerd,
 * no iptables): the real DockerSwarmStore, real compare-and-swap on Version.Index, real
 * monotonic time. Every 20 ms the test counts the electors whose gate is open: never two.
 * Time bounds here are only generous waits for "eventually"; how fast is the benchmark's.
 */
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { monotonicClock } from "../../core/clock.js";
import { silentLogger } from "../../core/ports.js";
import { shouldSkip } from "../../test/support/requirements.js";
import { CuttableLeaseStore } from "../../test/fakes/cuttableLeaseStore.js";
import { startSingleNodeSwarm, type SingleNodeSwarm } from "../../test/support/singleHost.js";
import { DockerSwarmStore } from "../swarm/swarmStore.js";
import { LeaderElector } from "./elector.js";

const skip = shouldSkip("leader election on a real swarm", ["dockerd", "docker"]);

describe.skipIf(skip)("leader election on a real single-node swarm", () => {
  let swarm: SingleNodeSwarm | undefined;
  let store: DockerSwarmStore;
  const replicas: Array<{ name: string; elector: LeaderElector; link: CuttableLeaseStore }> = [];
  let violation: string | undefined;
  let sampler: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    swarm = await startSingleNodeSwarm("swarmvol-elect-it-", 22_000 + (process.pid % 18_000));
    store = new DockerSwarmStore({ docker: new Docker({ socketPath: swarm.socketPath, timeout: 15_000 }) });
    for (const name of ["a", "b", "c"]) {
      const link = new CuttableLeaseStore(store);
      const elector = new LeaderElector({
        store: link, self: name, selfUrl: `http://${name}:7750`, clock: monotonicClock, logger: silentLogger,
        onStartedLeading: async () => undefined, onStoppedLeading: async () => undefined,
      });
      replicas.push({ name, elector, link });
    }
    sampler = setInterval(() => {
      const acting = replicas.filter((r) => !r.link.cut && r.elector.canAct()).map((r) => r.name);
      if (acting.length > 1) violation ??= `two replicas acting at once: ${acting.join(", ")}`;
    }, 20);
  });

  afterAll(async () => {
    clearInterval(sampler);
    for (const r of replicas) r.link.cut = true;
    await Promise.all(replicas.map((r) => r.elector.stop()));
    await swarm?.stop();
  });

  const live = () => replicas.filter((r) => !r.link.cut);
  async function eventually(what: string, check: () => boolean, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const leader = () => live().find((r) => r.elector.isLeader());

  it("three candidates started together: one leads, the others name it", async () => {
    for (const r of replicas) r.elector.start();
    await eventually("a leader", () => leader() !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const first = leader();
    expect(live().filter((r) => r.elector.isLeader())).toHaveLength(1);
    for (const r of live()) expect(r.elector.leaderUrl()).toBe(`http://${first?.name}:7750`);
    expect(violation).toBeUndefined();
  });

  it("the leader crashes (no release): another takes over, and the record counts the transition", async () => {
    const old = leader();
    const before = (await store.readLease())?.value.transitions ?? 0;
    if (old) old.link.cut = true;
    await eventually("a new leader", () => leader() !== undefined && leader() !== old);
    expect((await store.readLease())?.value).toMatchObject({ holder: leader()?.name, transitions: before + 1 });
    expect(violation).toBeUndefined();
  });

  it("the leader stops gracefully: it releases and the last standby leads", async () => {
    const old = leader();
    await old?.elector.stop();
    if (old) old.link.cut = true;
    await eventually("the last replica leads", () => leader() !== undefined && leader() !== old);
    expect(live()).toHaveLength(1);
    expect(violation).toBeUndefined();
  });
});
