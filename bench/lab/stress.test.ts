import { describe, expect, it } from "vitest";
import { countFenceEvents, falseFences, idleFraction, parseCpuTimes, summariseControl, summariseStress, type StressMinute } from "./stress.js";

const quiet: StressMinute = { lapses: 0, drains: 0, moves: 0, selfFenceLapses: 0, kills: 0, restarts: 0 };

describe("lab-stress", () => {
  it("reads idle and total jiffies from /proc/stat's cpu line (idle + iowait; guest time is in user already)", () => {
    const times = parseCpuTimes("cpu  100 5 50 800 20 1 2 3 40 0\ncpu0 1 2 3 4\n");
    expect(times).toEqual({ idle: 820, total: 981 });
    expect(idleFraction({ idle: 820, total: 981 }, { idle: 830, total: 1181 })).toBeCloseTo(0.05);
    expect(idleFraction(times, times)).toBe(0);
  });

  it("counts only the events a false fence leaves", () => {
    expect(countFenceEvents(["node.lapsed", "move.phase", "node.drained", "move.done", "node.lapsed", "leader.changed"]))
      .toEqual({ lapses: 2, drains: 1, moves: 1 });
  });

  it("passes only when no minute saw any sign of a fence, and names the totals", () => {
    expect(falseFences({ ...quiet, restarts: 1, kills: 2 })).toBe(3);
    const clean = summariseStress([quiet, quiet, quiet], [0.01, 0, 0.02], "lease 3000 + grace 2000");
    expect(clean.map((r) => [r.id, r.samples, r.p99, r.pass])).toEqual([["lab.stress.false-fences", 3, 0, true], ["lab.stress.cpu-idle", 3, 0.02, true]]);
    const dirty = summariseStress([quiet, { ...quiet, selfFenceLapses: 1 }, quiet], [0], "lease 3000 + grace 2000");
    expect(dirty[0]?.pass).toBe(false);
    expect(dirty[0]?.notes).toContain("selfFenceLapses 1");
  });

  it("the control minute (an agent frozen past its lease) passes only when it counted a fence", () => {
    const fenced = summariseControl({ ...quiet, lapses: 1, drains: 1, kills: 1, restarts: 1 }, 10_000);
    expect([fenced.id, fenced.p50, fenced.pass]).toEqual(["lab.stress.control-fence-missed", 0, true]);
    expect(fenced.notes).toContain("lapses 1, drains 1");
    expect(summariseControl(quiet, 10_000).pass).toBe(false);
  });
});
