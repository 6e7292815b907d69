import { describe, expect, it } from "vitest";
import { parseExposition, sumOf } from "./exposition.js";

const text = [
  "# HELP swarmvol_moves Moves",
  "# TYPE swarmvol_moves histogram",
  'swarmvol_moves_bucket{phase="t5_attached",le="1"} 0',
  'swarmvol_moves_bucket{phase="t5_attached",le="+Inf"} 2',
  'swarmvol_moves_count{phase="t5_attached"} 2',
  'swarmvol_moves_count{phase="t7_mounted"} 3',
  'odd{v="a \\"quoted\\" \\\\ back\\nslash",w=""} 1.5e1 1700000000000',
  "up 1",
  "lag_mean Nan",
  "",
].join("\n");

describe("parseExposition", () => {
  it("reads samples with labels (escapes included), types and help", () => {
    const parsed = parseExposition(text);
    expect(parsed.types.get("swarmvol_moves")).toBe("histogram");
    expect(parsed.help.get("swarmvol_moves")).toBe("Moves");
    expect(parsed.samples.find((s) => s.name === "odd")).toEqual({ name: "odd", labels: { v: 'a "quoted" \\ back\nslash', w: "" }, value: 15 });
    expect(parsed.samples.find((s) => s.name === "up")).toEqual({ name: "up", labels: {}, value: 1 });
    expect(parsed.samples.find((s) => s.name === "lag_mean")?.value).toBeNaN();
  });

  it("sums the samples whose labels include the match", () => {
    const parsed = parseExposition(text);
    expect(sumOf(parsed, "swarmvol_moves_count")).toBe(5);
    expect(sumOf(parsed, "swarmvol_moves_count", { phase: "t7_mounted" })).toBe(3);
    expect(sumOf(parsed, "swarmvol_moves_bucket", { le: "+Inf" })).toBe(2);
    expect(sumOf(parsed, "nothing")).toBe(0);
  });

  it("refuses a line it cannot read, naming it, rather than reading it as zero", () => {
    expect(() => parseExposition('ok 1\nbroken{phase="t5 2\n')).toThrow(/metrics line 2 \(unreadable labels\)/);
    expect(() => parseExposition("novalue\n")).toThrow(/line 1 \(no numeric value\)/);
  });
});
