/**
 * The in-memory ClusterStore of test/fakes passes the same contract as the Swarm adapter
 * (it lives here because the unit project does not collect tests under test/fakes/).
 */
import { describe, expect, it } from "vitest";
import { ErrorCode, unavailable } from "../../core/errors.js";
import { clusterStoreContract, leaseOf } from "../../test/fakes/clusterStoreContract.js";
import { FakeClusterStore } from "../../test/fakes/fakeClusterStore.js";

describe("FakeClusterStore: the ClusterStore contract", () => {
  const store = new FakeClusterStore({ nodes: ["node-1"] });
  const target = {
    store,
    nodeId: "node-1",
    labelElsewhere: async (id: string, key: string, value: string) => store.addNode(id, { ...store.nodeLabels(id), [key]: value }),
    readNodeLabels: async (id: string) => store.nodeLabels(id) ?? {},
  };
  for (const c of clusterStoreContract) it(c.name, () => c.run(target));
});

describe("FakeClusterStore knobs", () => {
  it("logs calls, fails the queued ones in order, then works again", async () => {
    const store = new FakeClusterStore();
    store.failNext("createLease", unavailable("one"));
    store.failNext("createLease", new Error("two"));
    await expect(store.createLease(leaseOf("a", 0))).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    await expect(store.createLease(leaseOf("a", 0))).rejects.toThrow("two");
    await store.createLease(leaseOf("a", 0));
    await store.updateLease(leaseOf("a", 0), 1);
    expect(store.calls).toEqual(["createLease(a)", "createLease(a)", "createLease(a)", "updateLease(a@1)"]);
    expect(store.peekLease()?.version).toBe(2);
  });

  it("rejects everything UNAVAILABLE while partitioned", async () => {
    const store = new FakeClusterStore({ lease: leaseOf("a", 0) });
    store.unavailable = true;
    await expect(store.readLease()).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    await expect(store.listVolumes()).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    store.unavailable = false;
    expect((await store.readLease())?.value.holder).toBe("a");
  });

  it("delays calls through beforeCall, so a test can interleave two replicas", async () => {
    const store = new FakeClusterStore({ lease: leaseOf("a", 0) });
    let release: () => void = () => {};
    store.beforeCall = (op) => (op === "updateLease" ? new Promise<void>((resolve) => (release = resolve)) : undefined);
    const slow = store.updateLease(leaseOf("slow", 1), 1);
    store.beforeCall = undefined;
    await store.updateLease(leaseOf("fast", 1), 1);
    release();
    await expect(slow).rejects.toMatchObject({ code: ErrorCode.Conflict });
    expect(store.peekLease()?.value.holder).toBe("fast");
  });

  it("returns copies: changing a read does not change the store", async () => {
    const store = new FakeClusterStore({ lease: leaseOf("a", 0) });
    const read = await store.readLease();
    if (read) read.value.holder = "mutated";
    expect(store.peekLease()?.value.holder).toBe("a");
  });
});
