import { afterEach, describe, expect, it } from "vitest";
import type { Controller, ControllerInformer } from "../../controller/controller.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { ControllerReplica } from "../../controller/replica.js";
import { ReplicatedCatalog } from "../../controller/replicatedCatalog.js";
import type { CloudVolume } from "../../core/cloud.js";
import { isSwarmvolError } from "../../core/errors.js";
import { silentLogger } from "../../core/ports.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { FakeClusterStore } from "../fakes/fakeClusterStore.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { SteppedClock } from "../fakes/steppedClock.js";

/**
 * A takeover restores the catalog from the cloud before its term starts; under a throttling
 * cloud that takes seconds. Heartbeats meanwhile must renew leases (the soak saw a healthy
 * agent's lease lapse during a slow restore), without revocations, which need the catalog.
 */
const informer = { start: () => undefined, stop: async () => undefined, waitForSync: async () => undefined } as unknown as ControllerInformer;
const heartbeat = { hostname: "node2", instanceId: "i-1", zone: "us-east-1a", mounts: [{ volume: "db", epoch: 1 }] };
let replicas: ControllerReplica[] = [];
afterEach(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()));
  replicas = [];
});

function slowRestoreReplica(clock: SteppedClock, withRegistry: boolean) {
  let finishDescribe: (volumes: CloudVolume[]) => void = () => undefined;
  const cloud = new FakeCloud();
  cloud.describe = () => new Promise<CloudVolume[]>((resolve) => { finishDescribe = resolve; });
  const terms: Array<{ registry: NodeRegistry | undefined }> = [];
  const term = (registry: NodeRegistry | undefined) => {
    terms.push({ registry });
    return { start: async () => undefined, stop: async () => undefined, service: { heartbeat: async () => ({ ttlMs: 6000, revoke: ["from-term"] }) } } as unknown as Controller;
  };
  const store = new FakeClusterStore();
  const replica = new ControllerReplica({
    informer, catalog: new ReplicatedCatalog(new MemoryCatalog(), store), store, cloud, newTerm: (_gate, registry) => term(registry),
    ...(withRegistry ? { newRegistry: () => new NodeRegistry(clock, 6000) } : {}),
    selfUrl: "http://a:7750", self: "a", clock, logger: silentLogger,
  });
  replicas.push(replica);
  return { replica, terms, finishDescribe: (volumes: CloudVolume[]) => finishDescribe(volumes) };
}

describe("heartbeats while a new leader restores", () => {
  it("renew the lease in the registry the term then starts with, and revoke nothing", async () => {
    const clock = new SteppedClock();
    const { replica, terms, finishDescribe } = slowRestoreReplica(clock, true);
    await replica.start();
    await clock.advance(1000);
    expect(replica.elector.restoring()).toBe(true);
    expect(terms).toHaveLength(0);
    await expect(replica.heartbeat("node2", heartbeat)).resolves.toEqual({ ttlMs: 6000, revoke: [] });
    finishDescribe([]);
    await clock.advance(100);
    expect(replica.elector.isLeader()).toBe(true);
    expect(terms).toHaveLength(1);
    expect(terms[0]?.registry?.lease("node2")?.instanceId).toBe("i-1");
    await expect(replica.heartbeat("node2", heartbeat)).resolves.toEqual({ ttlMs: 6000, revoke: ["from-term"] });
  });

  it("are refused on a standby and, without a registry at takeover, until the term starts", async () => {
    const clock = new SteppedClock();
    const { replica } = slowRestoreReplica(clock, false);
    const refused = (err: unknown) => isSwarmvolError(err, "UNAVAILABLE");
    expect(await replica.heartbeat("node2", heartbeat).then(() => false, refused)).toBe(true);
    await replica.start();
    await clock.advance(1000);
    expect(replica.elector.restoring()).toBe(true);
    expect(await replica.heartbeat("node2", heartbeat).then(() => false, refused)).toBe(true);
  });
});
