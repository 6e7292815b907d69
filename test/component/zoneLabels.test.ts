/**
 * Issue 11, zones: the leader labels every node whose agent reported with its instance and
 * zone (`swarmvol.instance-id`, `swarmvol.zone`), so stack files can constrain a service
 * with `node.labels.swarmvol.zone`. Agents cannot write node objects (only managers can),
 * so the labels come from the heartbeats the leader receives. A whole Controller over a
 * scripted Swarm and a fake cluster store (the labels' writer).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Controller } from "../../controller/controller.js";
import { SwarmInformer } from "../../controller/informer/swarmInformer.js";
import { nodeLabels } from "../../core/clusterStore.js";
import { unavailable } from "../../core/errors.js";
import { silentLogger } from "../../core/ports.js";
import { buildEbsSpec } from "../../storage/ebs/options.js";
import { newNode } from "../fixtures/swarm.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { FakeClusterStore } from "../fakes/fakeClusterStore.js";
import { FakeSwarm, ManualTime } from "../fakes/fakeSwarm.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { RecordingMetrics } from "../fakes/recordingMetrics.js";

let time: ManualTime;
let swarm: FakeSwarm;
let store: FakeClusterStore;
let controller: Controller;

const heartbeat = (nodeId: string, zone: string) =>
  controller.service.heartbeat(nodeId, { hostname: nodeId, instanceId: `i-${nodeId}`, zone, mounts: [] });
const labelWrites = () => store.calls.filter((call) => call.startsWith("setNodeLabels"));

beforeEach(async () => {
  time = new ManualTime();
  swarm = new FakeSwarm({ nodes: [newNode({ id: "n1" }), newNode({ id: "n2", labels: { [nodeLabels.instanceId]: "i-n2", [nodeLabels.zone]: "us-east-1b" } })] });
  store = new FakeClusterStore({ nodes: ["n1"] });
  store.addNode("n2", { [nodeLabels.instanceId]: "i-n2", [nodeLabels.zone]: "us-east-1b" });
  const informer = new SwarmInformer({ swarm, clock: time, timers: time, pollIntervalMs: 500 });
  controller = new Controller({
    informer, catalog: new MemoryCatalog(), cloud: new FakeCloud(), journal: new MemoryJournal(() => time.now()), clock: time, logger: silentLogger,
    metrics: new RecordingMetrics(), policy: { fenceGraceMs: 4_000, pollMs: 1_000 }, leaseTtlMs: 6_000, claimTtlMs: 5_000, buildSpec: buildEbsSpec,
    timers: time, nodeLabels: store,
  });
  const started = controller.start();
  await time.advance(0);
  await started;
});

afterEach(async () => {
  await controller.stop();
});

describe("zone labels from the agents' heartbeats", () => {
  it("the leader writes swarmvol.zone and swarmvol.instance-id onto the node of the agent that reported them, once per term", async () => {
    await heartbeat("n1", "us-east-1a");
    await time.advance(0);
    expect(store.nodeLabels("n1")).toEqual({ [nodeLabels.instanceId]: "i-n1", [nodeLabels.zone]: "us-east-1a" });
    await heartbeat("n1", "us-east-1a");
    await heartbeat("n1", "us-east-1a");
    expect(labelWrites()).toEqual(["setNodeLabels(n1)"]);
  });

  it("a node already labelled right is not written again", async () => {
    await heartbeat("n2", "us-east-1b");
    await time.advance(0);
    expect(labelWrites()).toEqual([]);
  });

  it("a node whose agent reports another zone than its label is relabelled", async () => {
    await heartbeat("n2", "us-east-1c");
    await time.advance(0);
    expect(store.nodeLabels("n2")?.[nodeLabels.zone]).toBe("us-east-1c");
  });

  it("a failed write (no Raft quorum) is tried again at the node's next heartbeat, which is never delayed by it", async () => {
    store.failNext("setNodeLabels", unavailable("no quorum"));
    await heartbeat("n1", "us-east-1a");
    await time.advance(0);
    expect(store.nodeLabels("n1")).toEqual({});
    await heartbeat("n1", "us-east-1a");
    await time.advance(0);
    expect(labelWrites()).toEqual(["setNodeLabels(n1)", "setNodeLabels(n1)"]);
    expect(store.nodeLabels("n1")?.[nodeLabels.zone]).toBe("us-east-1a");
  });
});
