import { CreateVolumeCommand } from "@aws-sdk/client-ec2";
import { systemClock } from "../cli/runtime.js";
import { ClaimBook } from "../controller/claims.js";
import { NodeRegistry } from "../controller/nodeRegistry.js";
import { Reconciler } from "../controller/reconcile/reconciler.js";
import { PromControllerMetrics } from "../controller/metrics.js";
import { silentLogger } from "../core/ports.js";
import type { SwarmNode, SwarmTask } from "../core/swarm.js";
import { startCloud } from "../lab/cloud/index.js";
import { createEc2Client } from "../storage/ebs/client.js";
import { EbsCloud } from "../storage/ebs/ebsCloud.js";
import { MemoryJournal } from "../test/fakes/memoryJournal.js";
import { MemoryCatalog } from "../test/fakes/memoryState.js";
import { summarise, type BenchResult } from "./stats.js";

const zone = "us-east-1a";
const swarmNode = (id: string): SwarmNode => ({ id, version: 1, hostname: id, role: "worker", availability: "active", state: "ready", address: "", labels: {}, volumePlugins: ["swarmvol"] });

/**
 * EC2 requests the real controller path costs (Reconciler → EbsCloud → the real SDK →
 * the emulator with AWS-like latencies: create 1.5 s, attach and detach 2 s): a first
 * placement (create + attach), moves between two released nodes, and a full resync.
 */
export async function benchEc2Calls(): Promise<BenchResult[]> {
  const cloud = await startCloud({ instances: [{ instanceId: "i-0000000000000000a", name: "a", zone, deviceDir: "/nonexistent/a", privateIp: "127.0.0.2" }, { instanceId: "i-0000000000000000b", name: "b", zone, deviceDir: "/nonexistent/b", privateIp: "127.0.0.3" }] });
  try {
    const ebs = new EbsCloud(createEc2Client({ endpoint: cloud.endpoint, region: "us-east-1" }), systemClock, silentLogger);
    const catalog = new MemoryCatalog();
    const registry = new NodeRegistry(systemClock, 3_600_000);
    registry.heartbeat("a", { hostname: "a", instanceId: "i-0000000000000000a", zone, mounts: [] });
    registry.heartbeat("b", { hostname: "b", instanceId: "i-0000000000000000b", zone, mounts: [] });
    let placedOn = "a";
    const task = (): SwarmTask => ({ id: `t-${placedOn}`, version: 1, serviceId: "s", serviceName: "db", slot: 1, nodeId: placedOn, desiredState: "running", state: "running", volumes: [{ source: "db", driver: "swarmvol", target: "/d", readOnly: false, options: {} }], updatedAt: "2026-11-22T00:00:00.000Z" });
    const reconciler = new Reconciler({
      catalog, cloud: ebs, journal: new MemoryJournal(), registry, claims: new ClaimBook(systemClock, 5_000),
      view: { node: swarmNode, tasksForVolume: () => [task()] }, clock: systemClock, metrics: new PromControllerMetrics({ defaultMetrics: false }), policy: { fenceGraceMs: 5_000, pollMs: 1_000 },
    });
    await catalog.put({ uid: "bench-db", createdAt: new Date().toISOString(), spec: { name: "db", backend: "ebs", sizeBytes: 1024 ** 3, fsType: "ext4", options: {} }, status: { phase: "ready", fresh: true, epoch: 0 } });
    const counted = async (work: () => Promise<unknown>) => {
      const before = ebs.calls.total;
      await work();
      return ebs.calls.total - before;
    };
    const placement = await counted(() => reconciler.reconcile("db", silentLogger));
    const moves: number[] = [];
    for (let move = 0; move < 10; move += 1) {
      placedOn = placedOn === "a" ? "b" : "a";
      moves.push(await counted(() => reconciler.reconcile("db", silentLogger)));
    }
    // The bench's own volume plus 999 more: a resync of exactly 1,000.
    const resync = await resyncCalls(cloud.endpoint, ebs, 999);
    return [
      summarise("ec2.placement", "EC2 calls, first placement (create + attach)", "calls", [placement], null, "AWS-like emulator latencies; nothing learned yet"),
      summarise("ec2.move", "EC2 calls per move (detach + attach elsewhere)", "calls", moves, { stat: "p50", max: 6 }, `moves in order: ${moves.join(", ")} (the first moves' waits learn the transition times)`),
      summarise("ec2.resync.1000", "EC2 calls, resync of 1,000 volumes", "calls", [resync], { stat: "p50", max: Math.ceil(1_000 / 500) }),
    ];
  } finally {
    await cloud.close();
  }
}

/** Creates `count` tagged volumes straight through the SDK, then counts one bulk describe. */
async function resyncCalls(endpoint: string, ebs: EbsCloud, count: number): Promise<number> {
  const client = createEc2Client({ endpoint, region: "us-east-1" });
  for (let index = 0; index < count; index += 1) {
    await client.send(new CreateVolumeCommand({
      AvailabilityZone: zone, Size: 1,
      TagSpecifications: [{ ResourceType: "volume", Tags: [{ Key: "swarmvol/name", Value: `r${index}` }, { Key: "swarmvol/uid", Value: `r${index}` }] }],
    }));
  }
  const before = ebs.calls.total;
  const volumes = await ebs.describe();
  if (volumes.length !== count + 1) throw new Error(`resync saw ${volumes.length} of ${count + 1} volumes`);
  return ebs.calls.total - before;
}
