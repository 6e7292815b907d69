import { beforeEach, describe, expect, it } from "vitest";
import type { FrozenRequest, FrozenResponse } from "../../api/snapshotContract.js";
import { timeout } from "../../core/errors.js";
import { silentLogger, type FilesystemFreezer } from "../../core/ports.js";
import { ManualTime, settle } from "../../test/fakes/fakeSwarm.js";
import { MemoryMountTable } from "../../test/fakes/memoryState.js";
import { SnapshotFreezer, type FreezeApi } from "./freezer.js";

/** Records freezes and thaws with their time; knows which mount points are frozen. */
class FakeFreezer implements FilesystemFreezer {
  readonly ops: string[] = [];
  readonly frozen = new Set<string>();
  freezeFailure: Error | undefined;
  /** The freeze command "hangs", freezes anyway, and is killed at its deadline. */
  freezeTimesOut = false;
  constructor(private readonly time: ManualTime) {}
  async freeze(mountPoint: string, timeoutMs: number): Promise<void> {
    this.ops.push(`freeze ${mountPoint} ${timeoutMs}ms @${this.time.now()}`);
    if (this.freezeFailure) throw this.freezeFailure;
    this.frozen.add(mountPoint);
    if (this.freezeTimesOut) throw timeout(`fsfreeze -f ${mountPoint} did not finish within ${timeoutMs} ms`);
  }
  async thaw(mountPoint: string): Promise<"thawed" | "not-frozen"> {
    this.ops.push(`thaw ${mountPoint} @${this.time.now()}`);
    return this.frozen.delete(mountPoint) ? "thawed" : "not-frozen";
  }
}

/** The leader's side of the `frozen` call: answers when the test says, or never. */
class FakeFreezeApi implements FreezeApi {
  readonly calls: FrozenRequest[] = [];
  private answer: (() => void) | undefined;
  failWith: Error | undefined;
  async frozen(_volume: string, request: FrozenRequest): Promise<FrozenResponse> {
    this.calls.push(request);
    if (this.failWith) throw this.failWith;
    if (!request.frozen) return { thaw: true };
    await new Promise<void>((resolve) => (this.answer = resolve));
    return { thaw: true };
  }
  release(): void {
    this.answer?.();
  }
}

let time: ManualTime;
let fs: FakeFreezer;
let api: FakeFreezeApi;
let mounts: MemoryMountTable;
let freezer: SnapshotFreezer;
const root = "/var/lib/swarmvol/mounts/db";
const t0 = Date.parse("2026-11-22T10:00:00.000Z");

beforeEach(async () => {
  time = new ManualTime(t0);
  fs = new FakeFreezer(time);
  api = new FakeFreezeApi();
  mounts = new MemoryMountTable();
  await mounts.set("db", { ids: ["m1"], device: "/dev/nvme1n1", mountRoot: root, epoch: 2 });
  freezer = new SnapshotFreezer({ api, nodeId: async () => "n1", mounts, freezer: fs, timers: time, logger: silentLogger, commandTimeoutMs: 5000 });
});

describe("SnapshotFreezer", () => {
  it("freezes, reports frozen, and thaws the moment the leader answers", async () => {
    freezer.handle([{ volume: "db", id: "f1", maxMs: 10_000 }]);
    await settle();
    expect(api.calls).toEqual([{ nodeId: "n1", id: "f1", frozen: true }]);
    expect(fs.frozen.has(root)).toBe(true);
    await time.advance(300);
    api.release();
    await settle();
    expect(fs.ops).toEqual([`freeze ${root} 5000ms @${t0}`, `thaw ${root} @${t0 + 300}`]);
    expect(fs.frozen.size).toBe(0);
    // the bound's timer was cleared: nothing thaws again later
    await time.advance(20_000);
    expect(fs.ops).toHaveLength(2);
  });

  it("a leader that never answers: the hard timeout thaws at maxMs, while the call is still open", async () => {
    freezer.handle([{ volume: "db", id: "f1", maxMs: 8_000 }]);
    await settle();
    await time.advance(7_999);
    expect(fs.frozen.has(root)).toBe(true);
    await time.advance(1);
    expect(fs.frozen.has(root)).toBe(false);
    expect(fs.ops.at(-1)).toBe(`thaw ${root} @${t0 + 8_000}`);
    api.release();
    await settle();
    expect(fs.ops.filter((op) => op.startsWith("thaw"))).toHaveLength(1);
  });

  it("clamps what the leader asks to the agent's own limit", async () => {
    freezer = new SnapshotFreezer({ api, nodeId: async () => "n1", mounts, freezer: fs, timers: time, logger: silentLogger, maxFreezeMs: 3_000 });
    freezer.handle([{ volume: "db", id: "f1", maxMs: 600_000 }]);
    await settle();
    await time.advance(3_000);
    expect(fs.frozen.size).toBe(0);
  });

  it("a failed frozen call thaws at once", async () => {
    api.failWith = new Error("connection reset");
    freezer.handle([{ volume: "db", id: "f1", maxMs: 10_000 }]);
    await settle();
    expect(fs.frozen.size).toBe(0);
    expect(fs.ops.map((op) => op.split(" ")[0])).toEqual(["freeze", "thaw"]);
  });

  it("a freeze that fails is reported not frozen; one that timed out (and froze anyway) is thawed", async () => {
    fs.freezeFailure = new Error("fsfreeze -f failed: Operation not supported");
    freezer.handle([{ volume: "db", id: "f1", maxMs: 10_000 }]);
    await settle();
    expect(api.calls).toEqual([{ nodeId: "n1", id: "f1", frozen: false, error: "fsfreeze -f failed: Operation not supported" }]);
    fs.freezeFailure = undefined;
    fs.freezeTimesOut = true;
    freezer.handle([{ volume: "db", id: "f2", maxMs: 10_000 }]);
    await settle();
    expect(fs.frozen.size).toBe(0);
    expect(api.calls.at(-1)).toMatchObject({ id: "f2", frozen: false });
  });

  it("a volume not mounted here is reported not frozen; a repeated id is not frozen twice", async () => {
    freezer.handle([{ volume: "other", id: "f1", maxMs: 10_000 }]);
    freezer.handle([{ volume: "other", id: "f1", maxMs: 10_000 }]);
    await settle();
    expect(api.calls).toEqual([{ nodeId: "n1", id: "f1", frozen: false, error: "not mounted on this node" }]);
    expect(fs.ops).toEqual([]);
  });

  it("holds the volume's lock for the whole freeze", async () => {
    const held: string[] = [];
    freezer = new SnapshotFreezer({
      api, nodeId: async () => "n1", mounts, freezer: fs, timers: time, logger: silentLogger,
      exclusive: async (volume, fn) => {
        held.push(`lock ${volume}`);
        try {
          return await fn();
        } finally {
          held.push(`unlock ${volume} frozen=${fs.frozen.size}`);
        }
      },
    });
    freezer.handle([{ volume: "db", id: "f1", maxMs: 10_000 }]);
    await settle();
    expect(held).toEqual(["lock db"]);
    api.release();
    await settle();
    expect(held).toEqual(["lock db", "unlock db frozen=0"]);
  });

  it("at start, thaws every mounted volume an earlier agent may have left frozen", async () => {
    fs.frozen.add(root);
    await mounts.set("web", { ids: [], device: "/dev/nvme2n1", mountRoot: "/m/web", epoch: 1 });
    await freezer.thawAll();
    expect(fs.frozen.size).toBe(0);
    expect(fs.ops).toEqual([`thaw ${root} @${t0}`, `thaw /m/web @${t0}`]);
  });
});
