import { describe, expect, it } from "vitest";
import { conflict, invalidArgument, unsafe } from "../core/errors.js";
import { ManualTime, settle } from "../test/fakes/fakeSwarm.js";
import { WorkQueue, type Handler, type HandlerResult } from "./queue.js";

/** A handler whose runs the test finishes by hand, recording starts. */
function controlledHandler() {
  const started: string[] = [];
  const open = new Map<string, Array<{ resolve: (r?: HandlerResult) => void; reject: (e: unknown) => void }>>();
  const handler: Handler = (key) => {
    started.push(key);
    return new Promise((resolve, reject) => {
      open.set(key, [...(open.get(key) ?? []), { resolve: (r) => resolve(r), reject }]);
    });
  };
  const take = (key: string) => {
    const runs = open.get(key);
    const run = runs?.shift();
    if (!run) throw new Error(`${key} is not running`);
    return run;
  };
  return {
    handler,
    started,
    running: () => [...open.entries()].filter(([, runs]) => runs.length > 0).map(([key]) => key).sort(),
    finish: async (key: string, result?: HandlerResult) => { take(key).resolve(result); await settle(); },
    fail: async (key: string, err: unknown) => { take(key).reject(err); await settle(); },
  };
}

function setup(options: { workers?: number; handler?: Handler } = {}) {
  const time = new ManualTime();
  const control = controlledHandler();
  const depths: number[] = [];
  const latencies: Array<[string, number]> = [];
  const queue = new WorkQueue({
    handler: options.handler ?? control.handler, clock: time, timers: time, workers: options.workers ?? 2,
    metrics: { depth: (d) => depths.push(d), latency: (k, ms) => latencies.push([k, ms]) },
  });
  return { time, queue, control, depths, latencies };
}

describe("WorkQueue", () => {
  it("runs a key added many times before a worker takes it once (dedupe)", async () => {
    const { queue, control } = setup({ workers: 1 });
    queue.add("a");
    queue.add("a");
    queue.add("b");
    queue.add("a");
    queue.start();
    await settle();
    expect(control.started).toEqual(["a"]);
    await control.finish("a");
    await control.finish("b");
    expect(control.started).toEqual(["a", "b"]);
  });

  it("runs a key dirtied while in flight once more after the current run, never in parallel", async () => {
    const { queue, control } = setup({ workers: 4 });
    queue.start();
    queue.add("a");
    await settle();
    queue.add("a");
    queue.add("a");
    await settle();
    expect(control.running()).toEqual(["a"]);
    expect(control.started).toEqual(["a"]);
    await control.finish("a");
    expect(control.started).toEqual(["a", "a"]);
    await control.finish("a");
    expect(control.started).toEqual(["a", "a"]);
    expect(queue.inFlight()).toEqual([]);
  });

  it("works on different keys in parallel up to the worker count", async () => {
    const { queue, control } = setup({ workers: 2 });
    queue.start();
    for (const key of ["a", "b", "c"]) queue.add(key);
    await settle();
    expect(control.running()).toEqual(["a", "b"]);
    expect(queue.depth).toBe(1);
    await control.finish("b");
    expect(control.running()).toEqual(["a", "c"]);
  });

  it("holds keys until start (workers gated on cache sync)", async () => {
    const { queue, control } = setup();
    queue.add("a");
    await settle();
    expect(control.started).toEqual([]);
    queue.start();
    await settle();
    expect(control.started).toEqual(["a"]);
  });

  it("backs off a failing key 200, 400, 800 ms … capped at 60 s, and forget resets it", async () => {
    const { queue, control, time } = setup();
    queue.start();
    queue.add("a");
    const delays: number[] = [];
    for (let attempt = 0; attempt < 11; attempt += 1) {
      await settle();
      const before = time.now();
      await control.fail("a", new Error("EC2 throttled"));
      expect(queue.delayed()).toEqual(["a"]);
      // Step in 100 ms increments until the retry starts.
      while (control.running().length === 0) await time.advance(100);
      delays.push(time.now() - before);
    }
    expect(delays).toEqual([200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000]);
    expect(queue.retries("a")).toBe(11);
    await control.finish("a");
    expect(queue.retries("a")).toBe(0);
    queue.add("a");
    await settle();
    const before = time.now();
    await control.fail("a", new Error("again"));
    while (control.running().length === 0) await time.advance(100);
    expect(time.now() - before).toBe(200);
  });

  it("keeps backoff per key", async () => {
    const { queue } = setup();
    queue.addRateLimited("a");
    queue.addRateLimited("a");
    queue.addRateLimited("b");
    expect([queue.retries("a"), queue.retries("b")]).toEqual([2, 1]);
    queue.forget("a");
    expect([queue.retries("a"), queue.retries("b")]).toEqual([0, 1]);
  });

  it("retries retryable and unknown errors but drops terminal SwarmvolErrors", async () => {
    const { queue, control, time } = setup({ workers: 4 });
    queue.start();
    for (const key of ["plain", "conflict", "invalid", "unsafe"]) queue.add(key);
    await settle();
    await control.fail("plain", new Error("socket hang up"));
    await control.fail("conflict", conflict("attachment in progress"));
    await control.fail("invalid", invalidArgument("bad size"));
    await control.fail("unsafe", unsafe("device has data"));
    expect(queue.delayed().sort()).toEqual(["conflict", "plain"]);
    expect(queue.retries("invalid")).toBe(0);
    await time.advance(200);
    expect(control.running()).toEqual(["conflict", "plain"]);
  });

  it("requeues after the delay a handler asks for and resets its backoff", async () => {
    const { queue, control, time } = setup();
    queue.start();
    queue.addRateLimited("a");
    await time.advance(200);
    await control.finish("a", { requeueAfterMs: 5000 });
    expect(queue.retries("a")).toBe(0);
    await time.advance(4999);
    expect(control.started).toEqual(["a"]);
    await time.advance(1);
    expect(control.started).toEqual(["a", "a"]);
  });

  it("keeps the earliest deadline when a waiting key is added after again", async () => {
    const { queue, control, time } = setup();
    queue.start();
    queue.addAfter("a", 1000);
    queue.addAfter("a", 5000);
    queue.addAfter("a", 300);
    await time.advance(300);
    expect(control.started).toEqual(["a"]);
    await control.finish("a");
    await time.advance(5000);
    expect(control.started).toEqual(["a"]);
    expect(time.pending).toBe(0);
  });

  it("reports depth and the latency from first add to handler start", async () => {
    const { queue, control, time, depths, latencies } = setup({ workers: 1 });
    queue.start();
    queue.add("a");
    queue.add("b");
    await time.advance(750);
    queue.add("b");
    await control.finish("a");
    expect(latencies).toEqual([["a", 0], ["b", 750]]);
    expect(depths.at(-1)).toBe(0);
    expect(Math.max(...depths)).toBe(1);
  });

  it("drains ready and dirty keys on shutdown({drain:true}) and ignores later adds", async () => {
    const { queue, control } = setup({ workers: 1 });
    queue.start();
    queue.add("a");
    queue.add("b");
    queue.addAfter("c", 1000);
    await settle();
    queue.add("a");
    let done = false;
    const stopping = queue.shutdown({ drain: true }).then(() => (done = true));
    queue.add("d");
    await control.finish("a");
    expect(done).toBe(false);
    await control.finish("b");
    await control.finish("a");
    await stopping;
    expect(control.started).toEqual(["a", "b", "a"]);
  });

  it("without drain drops waiting keys but still waits for in-flight work", async () => {
    const { queue, control } = setup({ workers: 1 });
    queue.start();
    queue.add("a");
    queue.add("b");
    await settle();
    queue.add("a");
    let done = false;
    const stopping = queue.shutdown().then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    await control.finish("a");
    await stopping;
    expect(control.started).toEqual(["a"]);
  });

  it("rejects bad options with a TypeError naming the option", () => {
    const time = new ManualTime();
    expect(() => new WorkQueue({ handler: async () => {}, clock: time, workers: 0 })).toThrow(/`workers`/);
  });
});
