/**
 * A crash-consistent snapshot end to end, in one process: the leader's SnapshotService and
 * FreezeBroker, the heartbeat answer of VolumeService, the agent's SnapshotFreezer and a
 * fake fsfreeze, on one manual clock. The capture must happen while the holder is frozen,
 * the thaw right after it, and no freeze may outlive its bound.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { FrozenRequest } from "../../api/snapshotContract.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { FreezeBroker } from "../../controller/snapshots/freezeBroker.js";
import { SnapshotService } from "../../controller/snapshots/snapshotService.js";
import { silentLogger, type FilesystemFreezer } from "../../core/ports.js";
import { unavailable } from "../../core/errors.js";
import { SnapshotFreezer } from "../../plugin/cluster/freezer.js";
import { FakeSnapshots } from "../fakes/fakeSnapshots.js";
import { ManualTime, settle } from "../fakes/fakeSwarm.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog, MemoryMountTable } from "../fakes/memoryState.js";

const root = "/var/lib/swarmvol/mounts/db";

class FakeFs implements FilesystemFreezer {
  readonly frozen = new Set<string>();
  readonly ops: string[] = [];
  constructor(private readonly time: ManualTime) {}
  async freeze(mountPoint: string): Promise<void> {
    this.ops.push(`freeze @${this.time.now()}`);
    this.frozen.add(mountPoint);
  }
  async thaw(mountPoint: string): Promise<"thawed" | "not-frozen"> {
    this.ops.push(`thaw @${this.time.now()}`);
    return this.frozen.delete(mountPoint) ? "thawed" : "not-frozen";
  }
}

let time: ManualTime;
let fs: FakeFs;
let cloud: FakeSnapshots;
let catalog: MemoryCatalog;
let journal: MemoryJournal;
let registry: NodeRegistry;
let broker: FreezeBroker;
let service: SnapshotService;
let agent: SnapshotFreezer;
/** Whether the agent's `frozen` calls reach the leader (a partition drops them). */
let reachable: boolean;
const captures: string[] = [];
let ids = 0;

function heartbeat(mounted: boolean): void {
  registry.heartbeat("n1", { hostname: "node1", instanceId: "i-1", zone: "z1", mounts: mounted ? [{ volume: "db", epoch: 3 }] : [] });
  // what VolumeService.heartbeat adds to its answer, handed to the agent as LeaseKeeper does
  const freeze = broker.pendingFor("n1");
  if (freeze.length > 0 && reachable) agent.handle(freeze);
}

beforeEach(async () => {
  time = new ManualTime(Date.parse("2026-11-22T10:00:00.000Z"));
  fs = new FakeFs(time);
  cloud = new FakeSnapshots(() => time.now());
  cloud.onCapture = () => captures.push(fs.frozen.has(root) ? "captured frozen" : "captured unfrozen");
  captures.length = 0;
  catalog = new MemoryCatalog();
  journal = new MemoryJournal(() => time.now());
  registry = new NodeRegistry(time, 6000);
  broker = new FreezeBroker(time, () => `f${++ids}`, { waitMs: 6000, maxMs: 10_000 });
  service = new SnapshotService({ catalog, snapshots: cloud, registry, broker, journal, clock: time, logger: silentLogger, newId: () => `r${++ids}` });
  const mounts = new MemoryMountTable();
  await mounts.set("db", { ids: ["m1"], device: "/dev/nvme1n1", mountRoot: root, epoch: 3 });
  reachable = true;
  agent = new SnapshotFreezer({
    api: { frozen: (volume: string, request: FrozenRequest) => (reachable ? broker.frozen("n1", volume, request) : Promise.reject(unavailable("unreachable"))) },
    nodeId: async () => "n1", mounts, freezer: fs, timers: time, logger: silentLogger,
  });
  await catalog.put({
    uid: "u-db", createdAt: "2026-11-22T09:00:00.000Z",
    spec: { name: "db", backend: "ebs", sizeBytes: 1024 ** 3, fsType: "ext4", options: {} },
    status: { phase: "ready", fresh: false, epoch: 3, backendId: "vol-1" },
  });
});

describe("a snapshot of a mounted volume", () => {
  it("is captured while the holder is frozen, and the holder thaws right after", async () => {
    heartbeat(true);
    const taking = service.take("db", { reason: "manual" });
    await settle();
    await time.advance(2000);
    heartbeat(true); // the next heartbeat carries the freeze
    await time.advance(0);
    const snapshot = await taking;
    await settle();
    expect(captures).toEqual(["captured frozen"]);
    expect(fs.frozen.size).toBe(0);
    expect(fs.ops).toEqual([`freeze @${time.now()}`, `thaw @${time.now()}`]);
    expect(snapshot).toMatchObject({ volume: "db", volumeUid: "u-db", volumeId: "vol-1", reason: "manual", frozen: true, epoch: 3 });
    expect(broker.pendingFor("n1")).toEqual([]);
    expect(journal.entries.map((entry) => `${entry.action.kind}:${entry.state}`)).toEqual(["createSnapshot:done"]);
  });

  it("an agent that never answers: the snapshot is taken unfrozen after the wait, tagged so", async () => {
    heartbeat(true);
    reachable = false;
    const taking = service.take("db", { reason: "manual" });
    await settle();
    await time.advance(5999);
    expect(captures).toEqual([]);
    await time.advance(1);
    expect((await taking).frozen).toBe(false);
    expect(captures).toEqual(["captured unfrozen"]);
    expect(broker.pendingFor("n1")).toEqual([]);
  });

  it("an agent that froze but whose frozen call never ends thaws at its bound, 10 s after the freeze", async () => {
    heartbeat(true);
    const taking = service.take("db", { reason: "manual" });
    await settle();
    // the leader stops answering after it heard the freeze (its capture hangs)
    let unblock: () => void = () => undefined;
    cloud.onCapture = () => {
      captures.push("capture hangs");
    };
    const hang = new Promise<void>((resolve) => (unblock = resolve));
    const createSnapshot = cloud.createSnapshot.bind(cloud);
    cloud.createSnapshot = async (request) => {
      await hang;
      return createSnapshot(request);
    };
    heartbeat(true);
    await settle();
    expect(fs.frozen.has(root)).toBe(true);
    const frozenAt = time.now();
    await time.advance(9_999);
    expect(fs.frozen.has(root)).toBe(true);
    await time.advance(1);
    expect(fs.frozen.has(root)).toBe(false);
    expect(time.now() - frozenAt).toBe(10_000);
    unblock();
    await taking;
  });

  it("a capture that cannot be sent within half the freeze's bound is sent again unfrozen, by the same key", async () => {
    heartbeat(true);
    const createSnapshot = cloud.createSnapshot.bind(cloud);
    let attempts = 0;
    cloud.createSnapshot = async (request) => {
      attempts += 1;
      if (attempts === 1) await time.advance(5_000); // throttled until the window closed
      return createSnapshot(request);
    };
    const taking = service.take("db", { reason: "manual" });
    await settle();
    heartbeat(true);
    const snapshot = await taking;
    expect(attempts).toBe(2);
    // the late attempt was refused before it was sent; the one capture is tagged unfrozen
    expect(captures).toHaveLength(1);
    expect(snapshot.frozen).toBe(false);
    expect(cloud.snapshots.size).toBe(1);
    await settle();
    expect(fs.frozen.size).toBe(0);
  });

  it("an unmounted volume is captured at once without asking anyone to freeze", async () => {
    heartbeat(false);
    expect((await service.take("db", { reason: "manual" })).frozen).toBe(false);
    expect(fs.ops).toEqual([]);
  });

  it("a frozen call the leader does not know (another term's) is answered at once, so the agent thaws", async () => {
    expect(await broker.frozen("n1", "db", { nodeId: "n1", id: "old-term", frozen: true })).toEqual({ thaw: true });
  });

  it("refuses a volume with no cloud volume yet, and an unknown one", async () => {
    await catalog.put({ ...catalog.get("db")!, spec: { ...catalog.get("db")!.spec, name: "new" }, status: { phase: "ready", fresh: true, epoch: 0 } });
    await expect(service.take("new", { reason: "manual" })).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/no cloud volume yet/) });
    await expect(service.take("nope", { reason: "manual" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("the same request id takes one snapshot", async () => {
    heartbeat(false);
    const a = await service.take("db", { reason: "manual", requestId: "req-1" });
    const b = await service.take("db", { reason: "manual", requestId: "req-1" });
    expect(b.id).toBe(a.id);
    expect(cloud.snapshots.size).toBe(1);
  });
});
