/**
 * The controller's GET /metrics after real moves: a whole Controller (informer over a
 * scripted Swarm, queue, reconciler, volume service) on fakes and manual time places a
 * volume, loses its node and moves it; the exposition served by the API is parsed and
 * must have counted each phase under the right kind and mode.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseExposition, sumOf, type Exposition } from "../../api/exposition.js";
import { readRoutes } from "../../api/routes.js";
import { Credentials } from "../../api/credentials.js";
import { ApiServer } from "../../api/server.js";
import { Controller } from "../../controller/controller.js";
import { SwarmInformer } from "../../controller/informer/swarmInformer.js";
import { instrumentCloud } from "../../controller/instrumentedCloud.js";
import { PromControllerMetrics } from "../../controller/metrics.js";
import { silentLogger } from "../../core/ports.js";
import type { SwarmNode, SwarmTask } from "../../core/swarm.js";
import { buildEbsSpec } from "../../storage/ebs/options.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { FakeSwarm, ManualTime } from "../fakes/fakeSwarm.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { runRenewing } from "../support/renewals.js";

const leaseTtlMs = 6_000;
const policy = { fenceGraceMs: 4_000, pollMs: 1_000 };

function node(id: string, state: SwarmNode["state"] = "ready"): SwarmNode {
  return { id, version: 1, hostname: id, role: "worker", availability: "active", state, address: "", labels: {}, volumePlugins: ["swarmvol"] };
}

function task(id: string, nodeId: string, extra: Partial<SwarmTask> = {}): SwarmTask {
  return {
    id, version: 1, serviceId: "s1", serviceName: "db", slot: 1, nodeId, desiredState: "running", state: "running",
    volumes: [{ source: "db", driver: "swarmvol", target: "/data", readOnly: false, options: {} }], updatedAt: "2026-11-22T10:00:00.000Z", ...extra,
  };
}

let time: ManualTime;
let swarm: FakeSwarm;
let metrics: PromControllerMetrics;
let controller: Controller;
let api: ApiServer;
let base: string;

const heartbeat = (nodeId: string, mounts: Array<{ volume: string; epoch: number }> = []) =>
  controller.service.heartbeat(nodeId, { hostname: nodeId, instanceId: `i-${nodeId}`, zone: "z1", mounts });

const run = (ms: number, alive: readonly string[]) => runRenewing(time, ms, alive, heartbeat);

async function scrape(): Promise<Exposition> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe(metrics.registry.contentType);
  return parseExposition(await response.text());
}

beforeEach(async () => {
  time = new ManualTime();
  swarm = new FakeSwarm({ nodes: [node("n1"), node("n2")] });
  metrics = new PromControllerMetrics({ defaultMetrics: false });
  const informer = new SwarmInformer({ swarm, clock: time, timers: time, pollIntervalMs: 500 });
  const catalog = new MemoryCatalog();
  controller = new Controller({
    informer, catalog, cloud: instrumentCloud(new FakeCloud(), metrics, time), journal: new MemoryJournal(() => time.now()),
    clock: time, logger: silentLogger, metrics, policy, leaseTtlMs, claimTtlMs: 5_000, buildSpec: buildEbsSpec, timers: time,
  });
  api = new ApiServer({ routes: readRoutes({ catalog, metrics: metrics.exposition, health: () => ({ mode: "controller" }) }), logger: silentLogger, credentials: new Credentials("t") });
  base = `http://127.0.0.1:${await api.listen("127.0.0.1", 0)}`;
  const started = controller.start();
  await time.advance(0);
  await started;
});

afterEach(async () => {
  await controller.stop();
  await api.close();
});

/** First placement on n1 (mounted there), then n1 dies and the volume moves to n2 by force. */
async function placeThenFailOver(beforeMounted: () => Promise<void> = async () => {}): Promise<void> {
  await controller.service.create("db", { size: "1" });
  await heartbeat("n1");
  await heartbeat("n2");
  swarm.putTask(task("t1", "n1"));
  await run(2_000, ["n1", "n2"]);
  expect(controller.service.wanted("db", "n1")).toEqual({ wanted: true });
  await heartbeat("n1", [{ volume: "db", epoch: 1 }]);
  await run(2_000, ["n2"]);
  swarm.updateNode("n1", { state: "down" });
  swarm.updateTask("t1", { desiredState: "shutdown" });
  swarm.putTask(task("t2", "n2", { state: "preparing" }));
  await run(leaseTtlMs + policy.fenceGraceMs + 3_000, ["n2"]);
  await beforeMounted();
  await heartbeat("n2", [{ volume: "db", epoch: 2 }]);
  await time.advance(0);
}

describe("controller metrics, read back from GET /metrics", () => {
  it("counts every phase of a first placement and of a forced failover, each under its kind and mode", async () => {
    await placeThenFailOver();
    const scraped = await scrape();
    const phase = (name: string, kind: string, mode: string) => sumOf(scraped, "swarmvol_move_phase_seconds_count", { phase: name, kind, mode });
    expect(phase("t5_attached", "first", "planned")).toBe(1);
    expect(phase("t7_mounted", "first", "planned")).toBe(1);
    expect(phase("t3_fenced", "first", "planned")).toBe(0);
    for (const name of ["t3_fenced", "t4_detached", "t5_attached", "t7_mounted"]) expect(phase(name, "failover", "forced")).toBe(1);
    expect(sumOf(scraped, "swarmvol_move_duration_seconds_count")).toBe(2);
    // The forced move waited out the rest of n1's lease and the whole grace before fencing (manual time).
    const fencedAfter = sumOf(scraped, "swarmvol_move_phase_seconds_sum", { phase: "t3_fenced", kind: "failover" });
    expect(fencedAfter).toBeGreaterThan(policy.fenceGraceMs / 1000);
    expect(sumOf(scraped, "swarmvol_move_phase_seconds_bucket", { phase: "t3_fenced", kind: "failover", le: "+Inf" })).toBe(1);
  });

  it("counts cloud calls by operation and code, actions, reconciles and node leases", async () => {
    await placeThenFailOver();
    const scraped = await scrape();
    expect(sumOf(scraped, "swarmvol_cloud_calls_total", { operation: "attach", code: "ok" })).toBe(2);
    expect(sumOf(scraped, "swarmvol_cloud_calls_total", { operation: "detach", code: "ok" })).toBe(1);
    expect(sumOf(scraped, "swarmvol_cloud_call_duration_seconds_count", { operation: "create" })).toBe(1);
    expect(sumOf(scraped, "swarmvol_actions_total", { action: "grant", code: "ok" })).toBe(2);
    expect(sumOf(scraped, "swarmvol_reconcile_duration_seconds_count", { outcome: "ok" })).toBeGreaterThan(0);
    expect(sumOf(scraped, "swarmvol_node_leases", { state: "fenced" })).toBe(1);
    expect(sumOf(scraped, "swarmvol_node_leases", { state: "live" })).toBe(1);
    expect(scraped.types.get("swarmvol_move_phase_seconds")).toBe("histogram");
    expect(scraped.types.get("swarmvol_queue_depth")).toBe("gauge");
  });

  it("shows a move attached but not yet mounted as open in its phase, with its age, until t7", async () => {
    let open: Exposition | undefined;
    await placeThenFailOver(async () => void (open = await scrape()));
    expect(sumOf(open!, "swarmvol_moves_open", { phase: "t5_attached" })).toBe(1);
    expect(sumOf(open!, "swarmvol_moves_open_oldest_seconds", { phase: "t5_attached" })).toBeGreaterThan(policy.fenceGraceMs / 1000);
    expect((await scrape()).samples.filter((sample) => sample.name === "swarmvol_moves_open")).toEqual([]);
  });

  it("a stopped term's node registry is no longer read at scrape time", async () => {
    await heartbeat("n1");
    expect(sumOf(await scrape(), "swarmvol_node_leases", { state: "live" })).toBe(1);
    await controller.stop();
    expect((await scrape()).samples.filter((sample) => sample.name === "swarmvol_node_leases")).toEqual([]);
  });
});
