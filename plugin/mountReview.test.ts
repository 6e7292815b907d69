import { beforeEach, describe, expect, it } from "vitest";
import { silentLogger, type MountHolders } from "../core/ports.js";
import { SteppedClock } from "../test/fakes/steppedClock.js";
import { MountReview, type ReviewedMounts } from "./mountReview.js";

/** Docker's containers, as many holders per volume as the test says; records every question. */
class FakeHolders implements MountHolders {
  readonly counts = new Map<string, number>();
  readonly asked: string[][] = [];
  fail = false;
  async holders(volumes: readonly string[]) {
    this.asked.push([...volumes]);
    if (this.fail) throw new Error("docker away");
    return new Map(volumes.map((v) => [v, this.counts.get(v) ?? 0]));
  }
}

/** The driver's mount table, and what was dropped. */
class FakeMounts implements ReviewedMounts {
  readonly ids = new Map<string, string[]>();
  readonly dropped: string[] = [];
  mountedVolumes() {
    return [...this.ids.keys()];
  }
  mountIds(name: string) {
    return this.ids.get(name) ?? [];
  }
  async dropMountIds(name: string, ids: readonly string[]) {
    this.dropped.push(`${name} ${ids.join(",")}`);
    this.ids.delete(name);
    return true;
  }
}

let clock: SteppedClock;
let holders: FakeHolders;
let mounts: FakeMounts;
let review: MountReview;

beforeEach(() => {
  clock = new SteppedClock();
  holders = new FakeHolders();
  mounts = new FakeMounts();
  review = new MountReview({ holders, clock, logger: silentLogger, settleMs: 3000, confirmMs: 2000, startDelaysMs: [5_000, 45_000] });
});

describe("MountReview", () => {
  it("soon after start, drops the mounts of a volume no container holds, on two looks", async () => {
    mounts.ids.set("db", ["lost"]);
    mounts.ids.set("web", ["live"]);
    holders.counts.set("web", 1);
    review.start(mounts);
    await clock.advance(4_000);
    expect(holders.asked).toEqual([]);
    await clock.advance(1_000);
    expect(holders.asked).toEqual([["db", "web"]]);
    expect(mounts.dropped).toEqual([]);
    await clock.advance(2_000);
    expect(holders.asked).toEqual([["db", "web"], ["db"]]);
    expect(mounts.dropped).toEqual(["db lost"]);
  });

  it("looks again once Docker's retries are over: a container still starting at the first look may have failed since", async () => {
    mounts.ids.set("db", ["lost"]);
    holders.counts.set("db", 1);
    review.start(mounts);
    await clock.advance(10_000);
    expect(mounts.dropped).toEqual([]);
    holders.counts.set("db", 0);
    await clock.advance(37_000);
    expect(mounts.dropped).toEqual(["db lost"]);
  });

  it("keeps mounts a container took meanwhile (starting: listed on the second look)", async () => {
    mounts.ids.set("db", ["x"]);
    review.start(mounts);
    await clock.advance(5_000);
    holders.counts.set("db", 1);
    await clock.advance(60_000);
    expect(mounts.dropped).toEqual([]);
  });

  it("keeps mounts whose IDs changed between the looks (a Mount or Unmount came in)", async () => {
    mounts.ids.set("db", ["a"]);
    review.start(mounts);
    await clock.advance(5_000);
    mounts.ids.set("db", ["a", "b"]);
    holders.counts.set("db", 1);
    await clock.advance(60_000);
    expect(mounts.dropped).toEqual([]);
  });

  it("a suspect is looked at once after the settle time, however often told", async () => {
    review.start(mounts);
    await clock.advance(60_000);
    mounts.ids.set("db", ["stale"]);
    review.suspect("db");
    review.suspect("db");
    await clock.advance(3_000);
    expect(holders.asked).toEqual([["db"]]);
    await clock.advance(2_000);
    expect(mounts.dropped).toEqual(["db stale"]);
    expect(holders.asked).toEqual([["db"], ["db"]]);
    review.suspect("db");
    await clock.advance(5_000);
    expect(holders.asked).toHaveLength(2);
  });

  it("asks Docker nothing for volumes without counted mounts, and a failed question drops nothing", async () => {
    review.start(mounts);
    await clock.advance(60_000);
    expect(holders.asked).toEqual([]);
    mounts.ids.set("db", ["x"]);
    holders.fail = true;
    review.suspect("db");
    await clock.advance(5_000);
    expect(mounts.dropped).toEqual([]);
  });

  it("stop cancels what is scheduled", async () => {
    mounts.ids.set("db", ["x"]);
    review.start(mounts);
    review.stop();
    await clock.advance(60_000);
    expect(holders.asked).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});
