import { describe, expect, it } from "vitest";
import { describeMs, splitByWindows } from "./samples.js";

describe("splitByWindows", () => {
  it("counts a write that began in, ended in, or spanned a window as overlapping it; the rest as clear", () => {
    const samples = [
      { at: 0, ms: 5 }, // before
      { at: 8, ms: 4 }, // in flight when the window began (ends at 12)
      { at: 12, ms: 1 }, // inside
      { at: 9, ms: 30 }, // spans it
      { at: 20, ms: 2 }, // at its end
      { at: 21, ms: 2 }, // after
    ];
    const { overlapping, clear } = splitByWindows(samples, [{ from: 10, to: 20 }]);
    expect(overlapping.map((s) => s.at)).toEqual([8, 12, 9, 20]);
    expect(clear.map((s) => s.at)).toEqual([0, 21]);
    expect(splitByWindows(samples, []).clear).toHaveLength(6);
  });
});

describe("describeMs", () => {
  it("names p50, p99, max and the count", () => {
    expect(describeMs([3, 1, 2, 10])).toBe("p50 2, p99 10, max 10 ms (n 4)");
    expect(describeMs([])).toBe("none");
  });
});
