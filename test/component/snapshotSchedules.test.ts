/**
 * Scheduled snapshots on an injected clock: a slot fires on time, a restart or a change of
 * leader mid-slot gives exactly one snapshot of that slot, a missed slot is taken once if
 * it is younger than a period, and retention deletes the oldest of that schedule only.
 * The cron seam is a fake that the test ticks every minute, as node-cron would.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { FreezeBroker } from "../../controller/snapshots/freezeBroker.js";
import { SnapshotScheduler } from "../../controller/snapshots/snapshotScheduler.js";
import { SnapshotService } from "../../controller/snapshots/snapshotService.js";
import { snapshotTags } from "../../core/cloud.js";
import { unavailable } from "../../core/errors.js";
import { silentLogger } from "../../core/ports.js";
import { FakeSnapshots } from "../fakes/fakeSnapshots.js";
import { FakeScheduler, ManualTime } from "../fakes/fakeSwarm.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";

let time: ManualTime;
let cloud: FakeSnapshots;
let catalog: MemoryCatalog;
let ids = 0;

/** One leader's term: its own service, broker and scheduler over the shared cloud and catalog. */
function leader() {
  const registry = new NodeRegistry(time, 6000);
  const broker = new FreezeBroker(time, () => `f${++ids}`);
  const service = new SnapshotService({ catalog, snapshots: cloud, registry, broker, journal: new MemoryJournal(), clock: time, logger: silentLogger, newId: () => `r${++ids}` });
  const cron = new FakeScheduler();
  const scheduler = new SnapshotScheduler({ catalog, service, snapshots: cloud, cron, clock: time, logger: silentLogger });
  return { scheduler, cron, service };
}

/** Moves the clock to `iso` and runs every minute tick on the way, waiting for each. */
async function tickUntil(term: ReturnType<typeof leader>, iso: string): Promise<void> {
  const end = Date.parse(iso);
  while (time.now() < end) {
    await time.advance(Math.min(60_000 - (time.now() % 60_000), end - time.now()));
    if (time.now() % 60_000 === 0) {
      term.cron.fire();
      await term.scheduler.tick();
    }
  }
}

const scheduled = () => [...cloud.snapshots.values()].filter((s) => s.tags[snapshotTags.reason] === "schedule");
const slots = () => scheduled().map((s) => s.tags[snapshotTags.slot]).sort();

async function volume(options: Record<string, string>, createdAt = "2026-11-22T01:00:00.000Z", name = "db", uid = "u-db") {
  await catalog.put({
    uid, createdAt, spec: { name, backend: "ebs", sizeBytes: 1024 ** 3, fsType: "ext4", options },
    status: { phase: "ready", fresh: false, epoch: 1, backendId: `vol-${name}` },
  });
}

beforeEach(() => {
  time = new ManualTime(Date.parse("2026-11-22T02:58:00.000Z"));
  cloud = new FakeSnapshots(() => time.now());
  catalog = new MemoryCatalog();
});

describe("snapshot schedules", () => {
  it("fire on time: nothing at 02:59, one snapshot at 03:00 tagged with the slot, none after", async () => {
    await volume({ snapshotSchedule: "0 3 * * *" });
    const term = leader();
    term.scheduler.start();
    expect(term.cron.jobs.map((job) => job.expression)).toEqual(["* * * * *"]);
    await tickUntil(term, "2026-11-22T02:59:00.000Z");
    expect(scheduled()).toEqual([]);
    await tickUntil(term, "2026-11-22T03:00:00.000Z");
    expect(slots()).toEqual(["2026-11-22T03:00:00.000Z"]);
    expect(scheduled()[0]?.startedAt).toBe("2026-11-22T03:00:00.000Z");
    expect(scheduled()[0]?.tags).toMatchObject({ "swarmvol/schedule": "0 3 * * *", "swarmvol/name": "db", "swarmvol/uid": "u-db", "swarmvol/epoch": "1" });
    await tickUntil(term, "2026-11-22T04:00:00.000Z");
    expect(scheduled()).toHaveLength(1);
    await term.scheduler.stop();
    expect(term.cron.jobs[0]?.stopped).toBe(true);
  });

  it("a change of leader mid-slot: the old leader's snapshot (its answer lost) stands, the new one takes none", async () => {
    await volume({ snapshotSchedule: "0 3 * * *" });
    const a = leader();
    a.scheduler.start();
    const create = cloud.createSnapshot.bind(cloud);
    cloud.createSnapshot = async (request) => {
      await create(request);
      throw unavailable("EC2 CreateSnapshot failed: connection reset; the leader died");
    };
    await tickUntil(a, "2026-11-22T03:00:00.000Z");
    await a.scheduler.stop();
    expect(slots()).toEqual(["2026-11-22T03:00:00.000Z"]);
    cloud.createSnapshot = create;
    await time.advance(30_000);
    const b = leader();
    b.scheduler.start();
    await b.scheduler.tick();
    await tickUntil(b, "2026-11-22T05:00:00.000Z");
    expect(slots()).toEqual(["2026-11-22T03:00:00.000Z"]);
  });

  it("a leader that died before its capture: the next one takes the slot once at takeover", async () => {
    await volume({ snapshotSchedule: "0 3 * * *" });
    await time.advance(Date.parse("2026-11-22T03:00:30.000Z") - time.now()); // leaderless: no scheduler ran
    const b = leader();
    b.scheduler.start();
    await b.scheduler.tick();
    await b.scheduler.tick();
    expect(slots()).toEqual(["2026-11-22T03:00:00.000Z"]);
    expect(scheduled()[0]?.startedAt).toBe("2026-11-22T03:00:30.000Z");
    // and a restart of that leader (a new term, nothing in memory) takes nothing more
    await b.scheduler.stop();
    const c = leader();
    c.scheduler.start();
    await c.scheduler.tick();
    expect(scheduled()).toHaveLength(1);
  });

  it("a slot missed by more than a period is given up; the latest one within a period is taken", async () => {
    await volume({ snapshotSchedule: "0 3 * * *" }, "2026-11-20T00:00:00.000Z");
    await time.advance(Date.parse("2026-11-24T03:30:00.000Z") - time.now()); // leaderless for two days
    const term = leader();
    term.scheduler.start();
    await term.scheduler.tick();
    expect(slots()).toEqual(["2026-11-24T03:00:00.000Z"]);
  });

  it("retention deletes the oldest beyond N of that schedule only", async () => {
    await volume({ snapshotSchedule: "0 3 * * *", snapshotRetain: "2" });
    await volume({ snapshotSchedule: "30 3 * * *", snapshotRetain: "1" }, "2026-11-22T01:00:00.000Z", "web", "u-web");
    const term = leader();
    term.scheduler.start();
    const manual = await term.service.take("db", { reason: "manual" });
    await tickUntil(term, "2026-11-25T04:00:00.000Z");
    expect(slots()).toEqual(["2026-11-24T03:00:00.000Z", "2026-11-25T03:00:00.000Z", "2026-11-25T03:30:00.000Z"]);
    const db = scheduled().filter((s) => s.tags["swarmvol/uid"] === "u-db").map((s) => s.tags[snapshotTags.slot]).sort();
    expect(db).toEqual(["2026-11-24T03:00:00.000Z", "2026-11-25T03:00:00.000Z"]);
    expect(cloud.snapshots.has(manual.id)).toBe(true);
    expect(cloud.calls.filter((call) => call.startsWith("deleteSnapshot"))).toHaveLength(2 + 3);
  });

  it("a volume with no cloud volume yet is skipped without a cloud call", async () => {
    await catalog.put({
      uid: "u-new", createdAt: "2026-11-22T01:00:00.000Z", spec: { name: "new", backend: "ebs", sizeBytes: 1024 ** 3, fsType: "ext4", options: { snapshotSchedule: "* * * * *" } },
      status: { phase: "ready", fresh: true, epoch: 0 },
    });
    const term = leader();
    term.scheduler.start();
    await tickUntil(term, "2026-11-22T03:10:00.000Z");
    expect(cloud.calls).toEqual([]);
  });
});
