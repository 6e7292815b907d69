/**
 * Reschedule on fence (ADR 0022): the term's NodeDrainer with the real NodeRegistry, on
 * manual time, over the recording NodeAvailability (whose nodes the "informer" shows as
 * written) and FakeCloud. A node that dies with a volume is asked about at its lapse,
 * drained at lapse + grace (at once if its instance is stopped), and restored when back;
 * nodes an operator set, nodes that hold nothing and slow-but-live nodes are never touched.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { NodeDrainer } from "../../controller/nodeDrain.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { unavailable } from "../../core/errors.js";
import type { NewEvent } from "../../core/events.js";
import type { PlacementPolicy } from "../../core/placement.js";
import { silentLogger } from "../../core/ports.js";
import type { SwarmNode } from "../../core/swarm.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { RecordingNodeAvailability } from "../fakes/fakeNodeAvailability.js";
import { ManualTime } from "../fakes/fakeSwarm.js";
import { MemoryCatalog } from "../fakes/memoryState.js";

const ttlMs = 3_000;
const policy: PlacementPolicy = { fenceGraceMs: 2_000, pollMs: 1_000 };
const marker = "replica-a/term-4";
const drainWrite = (id: string) => `write ${id} availability=drain swarmvol.drained-by=${marker} swarmvol.drained-from=active`;
const restoreWrite = (id: string) => `write ${id} availability=active -swarmvol.drained-by -swarmvol.drained-from`;

let time: ManualTime;
let t0: number;
let registry: NodeRegistry;
let cloud: FakeCloud;
let asked: string[];
let catalog: MemoryCatalog;
let availability: RecordingNodeAvailability;
let events: NewEvent[];
let gateOpen: boolean;
const roles: Record<string, SwarmNode["role"]> = { n1: "worker", n2: "worker", n3: "worker", m1: "manager", m2: "manager" };

/** The informer's nodes, as the fake Engine holds them now (no relist lag). */
function nodes(): SwarmNode[] {
  return [...availability.nodes.entries()].map(([id, spec]) => ({
    id, version: 1, hostname: id, role: spec.role, availability: spec.availability, state: "ready", address: "", labels: spec.labels, volumePlugins: ["swarmvol"],
  }));
}

function drainer(): NodeDrainer {
  return new NodeDrainer({
    registry, nodes, catalog, availability, clock: time, timers: time, logger: silentLogger, policy, marker, events: { record: (event) => void events.push(event) },
    cloud: { describeInstances: async (ids) => (asked.push(`+${time.now() - t0} ${ids.join(",")}`), cloud.describeInstances(ids)) },
    gate: () => {
      if (!gateOpen) throw unavailable("not the leader");
    },
  });
}

const beat = (id: string, mounts: string[] = []) => registry.heartbeat(id, { hostname: id, instanceId: `i-${id}`, zone: "z1", mounts: mounts.map((volume) => ({ volume, epoch: 1 })) });

/** Advances `ms` in 250 ms steps; the `alive` agents renew every 750 ms (a quarter of the lease). */
async function run(ms: number, alive: string[]): Promise<void> {
  for (let step = 0; step < ms; step += 250) {
    await time.advance(Math.min(250, ms - step));
    if ((time.now() - t0) % 750 === 0) for (const id of alive) beat(id);
  }
}

async function grant(volume: string, nodeId: string): Promise<void> {
  await catalog.put({
    uid: `u-${volume}`, createdAt: "2026-11-22T09:00:00.000Z", spec: { name: volume, backend: "ebs", sizeBytes: 1, fsType: "ext4", options: {} },
    status: { phase: "ready", fresh: false, epoch: 1, grantedTo: { nodeId, instanceId: `i-${nodeId}`, device: "/dev/xvdba", epoch: 1, since: "2026-11-22T09:00:00.000Z" } },
  });
}

beforeEach(async () => {
  time = new ManualTime();
  t0 = time.now();
  registry = new NodeRegistry(time, ttlMs);
  cloud = new FakeCloud();
  asked = [];
  catalog = new MemoryCatalog();
  availability = new RecordingNodeAvailability();
  events = [];
  gateOpen = true;
  for (const [id, role] of Object.entries(roles)) availability.put(id, { role });
  for (const id of Object.keys(roles)) beat(id);
  await grant("db", "n1");
});

describe("NodeDrainer: a node that dies holding a volume", () => {
  it("asks EC2 at its lapse, drains it at lapse + grace with swarmvol's labels and an event, never before", async () => {
    drainer().start();
    await run(2_750, ["n2", "m1", "m2"]);
    expect(asked).toEqual([]);
    await run(250, ["n2", "m1", "m2"]);
    expect(asked).toEqual(["+3000 i-n1"]);
    await run(1_750, ["n2", "m1", "m2"]);
    expect(availability.calls).toEqual([]);
    await run(250, ["n2", "m1", "m2"]);
    expect(availability.calls).toEqual([drainWrite("n1")]);
    expect(asked).toEqual(["+3000 i-n1", "+4000 i-n1"]);
    expect(availability.nodes.get("n1")).toMatchObject({ availability: "drain", labels: { "swarmvol.drained-by": marker, "swarmvol.drained-from": "active" } });
    expect(events.map((event) => `${event.type} ${event.node}`)).toEqual(["node.drained n1"]);
    await run(5_000, ["n2", "m1", "m2"]);
    expect(availability.calls).toHaveLength(1);
  });

  it("drains it at the lapse, without the grace, when EC2 says its instance is stopped", async () => {
    cloud.instances.set("i-n1", { id: "i-n1", zone: "z1", state: "stopped" });
    drainer().start();
    await run(3_000, ["n2", "m1", "m2"]);
    expect(availability.calls).toEqual([drainWrite("n1")]);
  });

  it("restores it once its agent is heard again with a live lease", async () => {
    drainer().start();
    await run(5_000, ["n2", "m1", "m2"]);
    beat("n1");
    await run(1_000, ["n1", "n2", "m1", "m2"]);
    expect(availability.calls).toEqual([drainWrite("n1"), restoreWrite("n1")]);
    expect(availability.nodes.get("n1")).toEqual({ role: "worker", availability: "active", labels: {} });
    expect(events.at(-1)).toMatchObject({ type: "node.restored", node: "n1", data: { availability: "active" } });
  });

  it("if an operator changed its availability meanwhile, only swarmvol's labels go; if they removed the label, nothing", async () => {
    drainer().start();
    await run(5_000, ["n2", "m1", "m2"]);
    availability.operator("n1", { availability: "pause" });
    beat("n1");
    await run(1_000, ["n1", "n2", "m1", "m2"]);
    expect(availability.calls.at(-1)).toBe("write n1 -swarmvol.drained-by -swarmvol.drained-from");
    expect(availability.nodes.get("n1")).toMatchObject({ availability: "pause", labels: {} });
  });

  it("an operator who took the label off keeps the node drained", async () => {
    drainer().start();
    await run(5_000, ["n2", "m1", "m2"]);
    availability.operator("n1", { labels: {} });
    beat("n1");
    await run(3_000, ["n1", "n2", "m1", "m2"]);
    expect(availability.calls).toEqual([drainWrite("n1")]);
    expect(availability.nodes.get("n1")?.availability).toBe("drain");
  });

  it("tries a failed write again at the next round", async () => {
    availability.failNext = unavailable("docker unreachable");
    drainer().start();
    await run(6_000, ["n2", "m1", "m2"]);
    expect(availability.calls).toEqual(["failed n1", drainWrite("n1")]);
  });

  it("does nothing without the leader's gate", async () => {
    gateOpen = false;
    drainer().start();
    await run(8_000, ["n2", "m1", "m2"]);
    expect(availability.calls).toEqual([]);
  });
});

describe("NodeDrainer never touches", () => {
  it.each([["drain"], ["pause"]] as const)("a node an operator set to %s, even fenced with a volume", async (set) => {
    availability.operator("n1", { availability: set });
    drainer().start();
    await run(8_000, ["n2", "m1", "m2"]);
    expect(availability.calls).toEqual([]);
  });

  it("a fenced node that holds no volume (it is not even asked about)", async () => {
    drainer().start();
    await run(8_000, ["n1", "m1", "m2"]);
    expect([asked, availability.calls]).toEqual([[], []]);
  });

  it("a live node whose heartbeats stall for most of its lease and grace (a slow moment): asked about, never drained", async () => {
    drainer().start();
    await run(4_750, ["n2", "m1", "m2"]);
    beat("n1");
    await run(10_000, ["n1", "n2", "m1", "m2"]);
    expect(asked).toEqual(["+3000 i-n1", "+4000 i-n1"]);
    expect(availability.calls).toEqual([]);
  });

  it("the last active manager", async () => {
    await grant("db", "m1");
    availability.operator("m2", { availability: "drain" });
    drainer().start();
    await run(8_000, ["n1", "n2", "m2"]);
    expect(availability.calls).toEqual([]);
  });

  it("anything once stopped", async () => {
    const stopping = drainer();
    stopping.start();
    await run(1_000, ["n1", "n2", "m1", "m2"]);
    await stopping.stop();
    expect(time.pending).toBe(0);
    await run(8_000, ["n2", "m1", "m2"]);
    expect(availability.calls).toEqual([]);
  });

  it("a manager while another is active: that one is drained like a worker", async () => {
    await grant("db", "m1");
    drainer().start();
    await run(5_000, ["n1", "n2", "m2"]);
    expect(availability.calls).toEqual([drainWrite("m1")]);
  });
});

describe("NodeDrainer across a leader change", () => {
  const identity = { "swarmvol.instance-id": "i-n1", "swarmvol.zone": "z1" };

  it("a new leader finds a node an earlier term drained and restores it only once its agent reports to it", async () => {
    availability.operator("n1", { availability: "drain", labels: { ...identity, "swarmvol.drained-by": "replica-b/term-3", "swarmvol.drained-from": "active" } });
    registry = new NodeRegistry(time, ttlMs); // born at the takeover: nobody heard yet
    for (const id of ["n2", "m1", "m2"]) beat(id);
    drainer().start();
    await run(10_000, ["n2", "m1", "m2"]);
    expect(availability.calls).toEqual([]);
    beat("n1");
    await run(1_000, ["n1", "n2", "m1", "m2"]);
    expect(availability.calls).toEqual([restoreWrite("n1")]);
    expect(availability.nodes.get("n1")).toMatchObject({ availability: "active", labels: identity });
  });

  it("a new leader drains a dead holder only at takeover + ttl + grace (it has no heartbeat history)", async () => {
    availability.operator("n1", { labels: identity });
    registry = new NodeRegistry(time, ttlMs);
    for (const id of ["n2", "m1", "m2"]) beat(id);
    drainer().start();
    await run(4_750, ["n2", "m1", "m2"]);
    expect(availability.calls).toEqual([]);
    await run(250, ["n2", "m1", "m2"]);
    expect(availability.calls).toEqual([drainWrite("n1")]);
  });
});
