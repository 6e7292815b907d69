import { describe, expect, it } from "vitest";
import { crashPointsPassed, renderCrashSummary, renderCrashTable, renderStepLine, verdictOf, type CrashStepResult } from "./report.js";

const result = (over: Partial<CrashStepResult>): CrashStepResult => ({
  step: "agent.mount.mounted", daemon: "agent", flow: "mount", verdict: "PASS", seconds: 8.14, problems: [], notes: [], ...over,
});

describe("crash-points verdicts", () => {
  it("passes only a step that crashed there and converged cleanly", () => {
    expect(verdictOf("crashed", [])).toEqual({ verdict: "PASS", problems: [] });
    expect(verdictOf("crashed", ["crash-3 is mounted 2 times"])).toEqual({ verdict: "FAIL", problems: ["crash-3 is mounted 2 times"] });
  });

  it("a step never reached is UNREACHED, never a pass, and says so", () => {
    const { verdict, problems } = verdictOf("not-reached", []);
    expect(verdict).toBe("UNREACHED");
    expect(problems[0]).toMatch(/never reached this step/);
  });

  it("a daemon gone without its crash line is a FAIL", () => {
    expect(verdictOf("died-elsewhere", []).verdict).toBe("FAIL");
  });

  it("prints one line per step with what was wrong, and a table", () => {
    expect(renderStepLine(result({}))).toBe(`PASS      ${"agent.mount.mounted".padEnd(30)} (agent, mount) 8.1 s`);
    expect(renderStepLine(result({ verdict: "FAIL", problems: ["a", "b"] }))).toMatch(/^FAIL .* 8\.1 s: a; b$/);
    const table = renderCrashTable([result({}), result({ step: "controller.grant.written", daemon: "controller", flow: "move", verdict: "UNREACHED", problems: ["x|y"] })]);
    expect(table.split("\n")).toEqual([
      "| step | daemon | flow | result | s | what was wrong |",
      "|---|---|---|---|---|---|",
      "| `agent.mount.mounted` | agent | mount | PASS | 8.1 | - |",
      "| `controller.grant.written` | controller | move | UNREACHED | 8.1 | x\\|y |",
    ]);
  });

  it("the run passes only when every planned step ran and passed", () => {
    expect(crashPointsPassed([result({})], 1)).toBe(true);
    expect(crashPointsPassed([result({})], 2)).toBe(false);
    expect(crashPointsPassed([result({ verdict: "UNREACHED" })], 1)).toBe(false);
    expect(renderCrashSummary([result({}), result({ verdict: "FAIL" })], 3, 200)).toBe("crash points: 1 passed, 1 failed, 0 unreached, 1 not run of 3 in 200 s");
  });
});
