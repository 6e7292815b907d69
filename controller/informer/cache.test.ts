import { describe, expect, it } from "vitest";
import { newTask } from "../../test/fixtures/swarm.js";
import { addOrUpdate, deepFreeze, indexBy, replaceAll } from "./cache.js";

describe("informer cache helpers", () => {
  it("adds, then skips an update whose Version.Index did not move", () => {
    const cache = new Map();
    const first = newTask({ id: "t1", version: 3, state: "running" });
    expect(addOrUpdate(cache, first).added).toEqual([first]);
    const sameVersion = newTask({ id: "t1", version: 3, state: "failed" });
    const delta = addOrUpdate(cache, sameVersion);
    expect(delta).toEqual({ added: [], updated: [], deleted: [] });
    expect(cache.get("t1")).toBe(first);
  });

  it("replaces an object whose version moved and reports before and after", () => {
    const cache = new Map();
    const before = newTask({ id: "t1", version: 3 });
    addOrUpdate(cache, before);
    const after = newTask({ id: "t1", version: 4, nodeId: "node-2" });
    expect(addOrUpdate(cache, after).updated).toEqual([{ before, after }]);
    expect(cache.get("t1")).toBe(after);
  });

  it("deletes on relist what the list no longer has", () => {
    const cache = new Map();
    replaceAll(cache, [newTask({ id: "a" }), newTask({ id: "b" }), newTask({ id: "c" })]);
    const delta = replaceAll(cache, [newTask({ id: "b" }), newTask({ id: "d" })]);
    expect(delta.added.map((t) => t.id)).toEqual(["d"]);
    expect(delta.updated).toEqual([]);
    expect(delta.deleted.map((t) => t.id)).toEqual(["a", "c"]);
    expect([...cache.keys()].sort()).toEqual(["b", "d"]);
  });

  it("freezes what it caches, deeply", () => {
    const cache = new Map();
    addOrUpdate(cache, newTask({ id: "t1", volume: "v1" }));
    const cached = cache.get("t1");
    expect(() => { cached.nodeId = "elsewhere"; }).toThrow(TypeError);
    expect(() => { cached.volumes[0].source = "other"; }).toThrow(TypeError);
    expect(deepFreeze(null)).toBeNull();
  });

  it("indexes tasks by volume name, once per task even when mounted twice", () => {
    const one = newTask({ id: "t1", volumes: [{ source: "v1", driver: "swarmvol", target: "/a", readOnly: false, options: {} }, { source: "v1", driver: "swarmvol", target: "/b", readOnly: true, options: {} }] });
    const two = newTask({ id: "t2", volume: "v1" });
    const three = newTask({ id: "t3", volume: "v2" });
    const index = indexBy([one, two, three], (task) => task.volumes.map((v) => v.source));
    expect(index.get("v1")?.map((t) => t.id)).toEqual(["t1", "t2"]);
    expect(index.get("v2")?.map((t) => t.id)).toEqual(["t3"]);
    expect(Object.isFrozen(index.get("v1"))).toBe(true);
  });
});
