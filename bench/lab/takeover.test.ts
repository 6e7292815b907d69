import { describe, expect, it } from "vitest";
import { summariseTakeover, takeoverMs, type TakeoverSample } from "./takeover.js";

const sample = (kind: TakeoverSample["kind"], ms: number, lapses = 0, kills = 0): TakeoverSample => ({ kind, from: "node1", to: "node2", takeoverMs: ms, lapses, kills });

describe("lab-takeover", () => {
  it("measures from the signal to the new leader, never negative", () => {
    expect(takeoverMs(1_000, 3_450)).toBe(2_450);
    expect(takeoverMs(1_000, 900)).toBe(0);
  });

  it("reports crash (p50 ≤ 3000 ms), handover (p50 ≤ 1000 ms) and self-fencing (p99 ≤ 0)", () => {
    const results = summariseTakeover([
      sample("crash", 2_000), sample("handover", 300), sample("crash", 2_600), sample("handover", 500), sample("crash", 4_000), sample("handover", 400),
    ]);
    expect(results.map((r) => [r.id, r.unit, r.samples, r.p50, r.target, r.pass])).toEqual([
      ["lab.takeover.crash", "ms", 3, 2_600, { stat: "p50", max: 3000 }, true],
      ["lab.takeover.handover", "ms", 3, 400, { stat: "p50", max: 1000 }, true],
      ["lab.takeover.lapses", "events", 6, 0, { stat: "p99", max: 0 }, true],
    ]);
    expect(results[0]?.notes).toContain("node1→node2 2000 ms");
  });

  it("misses when a takeover is slow or any agent fenced itself", () => {
    const results = summariseTakeover([sample("crash", 3_500), sample("handover", 1_200, 1, 0), sample("crash", 3_200), sample("handover", 1_100)]);
    expect(results.map((r) => r.pass)).toEqual([false, false, false]);
    expect(results[2]?.p99).toBe(1);
    expect(results[2]?.notes).toContain("handover 1 lapses/0 kills");
  });
});

describe("lab-takeover without an HA controller", () => {
  it("reports the three results unmeasured, as misses with the reason", () => {
    const results = summariseTakeover([], "no leader election");
    expect(results.map((r) => [r.id, r.samples, r.pass, r.notes])).toEqual([
      ["lab.takeover.crash", 0, false, "not measured: no leader election"],
      ["lab.takeover.handover", 0, false, "not measured: no leader election"],
      ["lab.takeover.lapses", 0, false, "not measured: no leader election"],
    ]);
  });
});
