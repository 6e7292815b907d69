import { describe, expect, it } from "vitest";
import type { NewEvent } from "../../core/events.js";
import { MemoryEventLog } from "./eventLog.js";

const event = (volume: string, n: number): NewEvent => ({ type: "volume.created", volume, data: { n }, message: `event ${n}` });

function logWith(count: number, options: { capacity?: number; term?: number } = {}) {
  let now = Date.parse("2026-11-22T10:00:00.000Z");
  const log = new MemoryEventLog({ now: () => now, term: options.term ?? 3, ...(options.capacity ? { capacity: options.capacity } : {}) });
  for (let n = 1; n <= count; n += 1) {
    log.record(event(n % 2 === 0 ? "even" : "odd", n));
    now += 1000;
  }
  return { log, advance: (ms: number) => (now += ms), at: () => now };
}

const ids = (page: { events: Array<{ id: string }> }) => page.events.map((entry) => entry.id);

describe("MemoryEventLog", () => {
  it("gives ids <term>-<seq> in order and reads the newest by default", () => {
    const { log } = logWith(5);
    expect(log.head()).toBe("3-5");
    expect(log.read({ limit: 2 })).toEqual(expect.objectContaining({ next: "3-5", more: false }));
    expect(ids(log.read({ limit: 2 }))).toEqual(["3-4", "3-5"]);
    expect(log.read({ limit: 1 }).events[0]).toMatchObject({ type: "volume.created", volume: "odd", time: "2026-11-22T10:00:04.000Z", message: "event 5" });
  });

  it("pages forward from since without a gap, and filters by volume", () => {
    const { log } = logWith(5);
    const first = log.read({ since: "3-1", limit: 2 });
    expect(ids(first)).toEqual(["3-2", "3-3"]);
    expect(first).toMatchObject({ next: "3-3", more: true });
    expect(ids(log.read({ since: first.next, limit: 10 }))).toEqual(["3-4", "3-5"]);
    expect(ids(log.read({ since: "3-0", volume: "even", limit: 10 }))).toEqual(["3-2", "3-4"]);
    expect(log.read({ since: "3-5", limit: 10 })).toEqual({ events: [], next: "3-5", more: false });
  });

  it("marks a gap for an id of another term, one beyond the head, or one whose successors were dropped", () => {
    const { log } = logWith(6, { capacity: 4 });
    const older = log.read({ since: "2-9", limit: 10 });
    expect(older.events[0]).toMatchObject({ type: "stream.gap", id: "2-9", data: { since: "2-9", term: 3, capacity: 4 } });
    expect(ids(older).slice(1)).toEqual(["3-3", "3-4", "3-5", "3-6"]);
    expect(log.read({ since: "3-9", limit: 10 }).events.map((entry) => entry.type)).toEqual(["stream.gap"]);
    expect(log.read({ since: "3-1", limit: 10 }).events[0]?.type).toBe("stream.gap");
    expect(ids(log.read({ since: "3-2", limit: 10 }))).toEqual(["3-3", "3-4", "3-5", "3-6"]);
  });

  it("counts the events after an id, Infinity once some of them were dropped", () => {
    const { log } = logWith(6, { capacity: 4 });
    expect(log.countAfter("3-6")).toBe(0);
    expect(log.countAfter("3-3")).toBe(3);
    expect(log.countAfter("3-2")).toBe(4);
    expect(log.countAfter("3-1")).toBe(Number.POSITIVE_INFINITY);
  });

  it("starts each term at seq 1 with rising terms; an older term's id then reads with a gap", () => {
    const { log } = logWith(2);
    log.beginTerm(7);
    log.record(event("odd", 3));
    expect(log.head()).toBe("7-1");
    const page = log.read({ since: "3-2", limit: 10 });
    expect(page.events.map((entry) => `${entry.type} ${entry.id}`)).toEqual(["stream.gap 3-2", "volume.created 7-1"]);
    log.beginTerm(5);
    expect(log.head()).toBe("8-0");
  });

  it("reads from a time, with a gap when the term began after it", () => {
    const { log, at } = logWith(4);
    expect(ids(log.read({ sinceTime: at() - 2000, limit: 10 }))).toEqual(["3-3", "3-4"]);
    expect(log.read({ sinceTime: at() - 60 * 60_000, limit: 10 }).events[0]?.type).toBe("stream.gap");
  });

  it("tells listeners of each event and of the term's end, and drops one that throws", () => {
    const { log } = logWith(0);
    const heard: string[] = [];
    const stop = log.subscribe((signal) => heard.push(signal));
    log.subscribe(() => {
      throw new Error("broken reader");
    });
    log.record(event("odd", 1));
    log.endTerm();
    stop();
    log.record(event("odd", 2));
    expect(heard).toEqual(["recorded", "ended"]);
    expect(log.listenerCount).toBe(0);
  });
});
