import { afterEach, describe, expect, it } from "vitest";
import type { Controller, ControllerInformer } from "../../controller/controller.js";
import { MemoryEventLog } from "../../controller/events/eventLog.js";
import { ControllerReplica } from "../../controller/replica.js";
import { ReplicatedCatalog } from "../../controller/replicatedCatalog.js";
import type { LogSignal } from "../../core/events.js";
import { silentLogger } from "../../core/ports.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { FakeClusterStore } from "../fakes/fakeClusterStore.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { SteppedClock } from "../fakes/steppedClock.js";

/** Each replica's event log across a handover: a term per lease transition, told and ended. */
const informer = { start: () => undefined, stop: async () => undefined, waitForSync: async () => undefined } as unknown as ControllerInformer;
const term = { start: async () => undefined, stop: async () => undefined } as unknown as Controller;
let replicas: ControllerReplica[] = [];
afterEach(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()));
  replicas = [];
});

function replica(name: string, store: FakeClusterStore, clock: SteppedClock): { replica: ControllerReplica; log: MemoryEventLog } {
  const log = new MemoryEventLog({ now: () => clock.now() });
  const replica = new ControllerReplica({
    informer, catalog: new ReplicatedCatalog(new MemoryCatalog(), store), store, cloud: new FakeCloud(), newTerm: () => term,
    selfUrl: `http://${name}:7750`, self: name, clock, logger: silentLogger, events: log,
  });
  replicas.push(replica);
  return { replica, log };
}

describe("a replica's event log", () => {
  it("begins a term at takeover with leader.changed, ends it at step-down, and the next leader's ids carry the next term", async () => {
    const clock = new SteppedClock();
    const store = new FakeClusterStore();
    const a = replica("a", store, clock);
    const heard: LogSignal[] = [];
    a.log.subscribe((signal) => heard.push(signal));
    await a.replica.start();
    await clock.advance(1000);
    expect(a.replica.elector.isLeader()).toBe(true);
    expect(a.log.read({ limit: 10 }).events).toEqual([expect.objectContaining({ id: "0-1", type: "leader.changed", data: { replica: "a", url: "http://a:7750", term: 0 } })]);
    const b = replica("b", store, clock);
    await b.replica.start();
    await a.replica.stop();
    await clock.advance(1000);
    expect(heard).toContain("ended");
    expect(b.replica.elector.isLeader()).toBe(true);
    expect(b.log.head()).toBe("1-1");
    expect(b.log.read({ since: "0-1", limit: 10 }).events.map((event) => `${event.type} ${event.id}`)).toEqual(["stream.gap 0-1", "leader.changed 1-1"]);
  });
});
