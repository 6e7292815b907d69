import { describe, expect, it } from "vitest";
import { ErrorCode, unavailable } from "../../core/errors.js";
import type { MoveHold } from "../../core/moves.js";
import { holdOf } from "../../test/fakes/clusterStoreContract.js";
import { FakeClock } from "../../test/fakes/clock.js";
import { FakeClusterStore } from "../../test/fakes/fakeClusterStore.js";
import { MoveHolds } from "./moveHolds.js";

const standing = (volume: string, id: string, until: number): MoveHold => ({ ...holdOf(volume, id), requestedAt: until - 60_000, until, before: [] });

describe("MoveHolds with a store", () => {
  it("answers UNAVAILABLE until restored, then has the store's holds", async () => {
    const clock = new FakeClock();
    const store = new FakeClusterStore();
    await store.putMoveHold(standing("db", "m1", clock.now() + 60_000));
    const holds = new MoveHolds(clock, { store });
    expect(() => holds.get("db")).toThrow(/still restoring the moves under way/);
    await expect(holds.place(standing("db", "m2", clock.now() + 60_000))).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    expect(await holds.restore(() => true)).toEqual({ restored: 1, removed: 0 });
    expect(holds.get("db")?.id).toBe("m1");
    expect(holds.wants("db", [])).toEqual([{ nodeId: "node-2", source: "move", since: clock.now(), ref: "move:m1" }]);
  });

  it("places nothing when the store refuses the write, and nothing on a closed gate", async () => {
    const clock = new FakeClock();
    const store = new FakeClusterStore();
    let leading = true;
    const holds = new MoveHolds(clock, { store, gate: () => { if (!leading) throw unavailable("not the leader"); } });
    await holds.restore(() => true);
    store.failNext("putMoveHold", unavailable("no Raft quorum"));
    await expect(holds.place(standing("db", "m1", clock.now() + 60_000))).rejects.toThrow(/no Raft quorum/);
    expect(holds.get("db")).toBeUndefined();
    leading = false;
    await expect(holds.place(standing("db", "m1", clock.now() + 60_000))).rejects.toThrow(/not the leader/);
    expect([holds.get("db"), await store.listMoveHolds()]).toEqual([undefined, []]);
  });

  it("writes a hold's end after it, in order, and a replacing move over both; a replaced end is told, not written", async () => {
    const clock = new FakeClock();
    const store = new FakeClusterStore();
    const told: string[] = [];
    const holds = new MoveHolds(clock, { store, events: { record: (event) => void told.push(String(event.data.reason)) } });
    await holds.restore(() => true);
    await holds.place(standing("db", "m1", clock.now() + 1_000));
    // The end's write is slow to land: the next move's write waits for it.
    let land: (() => void) | undefined;
    store.beforeCall = (op) => (op === "putMoveHold" && land === undefined ? new Promise<void>((resolve) => void (land = resolve)) : undefined);
    clock.current += 1_000;
    expect(holds.wants("db", [])).toEqual([]);
    let placed = false;
    const next = holds.place(standing("db", "m2", clock.now() + 60_000)).then(() => void (placed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(placed).toBe(false);
    land?.();
    await next;
    await holds.place(standing("db", "m3", clock.now() + 60_000));
    await holds.flushed();
    expect(store.calls.filter((call) => call.startsWith("putMoveHold"))).toEqual(["putMoveHold(db:m1)", "putMoveHold(db:m1 lapsed)", "putMoveHold(db:m2)", "putMoveHold(db:m3)"]);
    expect((await store.listMoveHolds()).map((hold) => [hold.id, hold.ended?.reason])).toEqual([["m3", undefined]]);
    expect(told).toEqual(["lapsed", "replaced"]);
  });

  it("records an arrival once, carries it into the end, and removes an ended hold from the store keepEndedMs after", async () => {
    const clock = new FakeClock();
    const store = new FakeClusterStore();
    const holds = new MoveHolds(clock, { store, keepEndedMs: 1_000 });
    await holds.restore(() => true);
    await holds.place(standing("db", "m1", clock.now() + 5_000));
    holds.arrived("db", "node-9");
    holds.arrived("db", "node-2");
    holds.arrived("db", "node-2");
    clock.current += 5_000;
    expect(holds.wants("db", [])).toEqual([]);
    expect(holds.nextLapse("db")).toBe(clock.now() + 1_001);
    await holds.flushed();
    expect(store.calls.filter((call) => call.startsWith("putMoveHold"))).toEqual(["putMoveHold(db:m1)", "putMoveHold(db:m1)", "putMoveHold(db:m1 lapsed)"]);
    expect((await store.listMoveHolds()).map((hold) => [hold.arrivedAt, hold.ended?.reason])).toEqual([[clock.now() - 5_000, "lapsed"]]);
    clock.current += 1_001;
    expect(holds.wants("db", [])).toEqual([]);
    await holds.flushed();
    expect([holds.get("db"), holds.nextLapse("db"), await store.listMoveHolds()]).toEqual([undefined, undefined, []]);
  });

  it("marks a restored standing hold arrived when the cloud shows it, and asks nothing of an ended one", async () => {
    const clock = new FakeClock();
    const store = new FakeClusterStore();
    await store.putMoveHold(standing("db", "m1", clock.now() + 60_000));
    await store.putMoveHold({ ...standing("web", "m2", clock.now()), ended: { reason: "lapsed", at: clock.now(), message: "" } });
    const asked: string[] = [];
    const holds = new MoveHolds(clock, { store });
    await holds.restore(() => true, (hold) => asked.push(hold.volume) > 0);
    await holds.flushed();
    expect([asked, holds.get("db")?.arrivedAt, holds.get("web")?.arrivedAt]).toEqual([["db"], clock.now(), undefined]);
    expect((await store.listMoveHolds()).find((hold) => hold.volume === "db")?.arrivedAt).toBe(clock.now());
  });
});
