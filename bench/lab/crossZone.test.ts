import { describe, expect, it } from "vitest";
import { crossZoneResults, crossZoneSamples, type CrossZoneRun } from "./crossZone.js";

const run = (iteration: number, over: Partial<CrossZoneRun> = {}): CrossZoneRun => ({
  scenario: "cross-zone", iteration, passed: true, failures: [],
  timeline: { t0: 0, t2: 1_000, t4: 3_000, t4a: 3_500, t4b: 17_500, t5: 19_500, t7: 20_600, t9: 22_000 },
  ...over,
});

describe("cross-zone bench figures", () => {
  it("takes t4a→t4b and t2→t7 from each passed relocation", () => {
    const { samples, rejected } = crossZoneSamples([run(1), run(2, { timeline: { t2: 0, t4: 2_000, t4a: 2_100, t4b: 16_000, t7: 19_800 } })]);
    expect(samples).toEqual([
      { iteration: 1, snapshotToCreatedMs: 14_000, seenToMountedMs: 19_600, detachedToSnapshotMs: 500 },
      { iteration: 2, snapshotToCreatedMs: 13_900, seenToMountedMs: 19_800, detachedToSnapshotMs: 100 },
    ]);
    expect(rejected).toEqual([]);
  });

  it("counts no run that failed or missed a phase, and says why in the notes; other scenarios are ignored", () => {
    const runs = [run(1, { passed: false, failures: ["3 acknowledged writes lost or changed"] }), run(2, { timeline: { t2: 0, t7: 5 } }), run(3, { scenario: "kill-db" }), run(4)];
    const [snapshot, whole] = crossZoneResults(runs, "ctx");
    expect(snapshot).toMatchObject({ id: "lab.cross-zone.t4a-t4b", samples: 1, p50: 14_000, target: null, pass: true });
    expect(whole).toMatchObject({ id: "lab.cross-zone.t2-t7", samples: 1, p50: 19_600 });
    expect(whole?.notes).toContain("run 4 19.6 s");
    expect(whole?.notes).toContain("run 1 failed: 3 acknowledged writes lost");
    expect(whole?.notes).toContain("run 2 lacks a phase");
    expect(whole?.notes).not.toContain("run 3");
  });
});
