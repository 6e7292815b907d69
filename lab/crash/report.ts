/**
 * The crash-points drill's verdicts and how they print (pure): one line per step as it
 * finishes, a table at the end. A step passes only when its daemon really died there (its
 * crash line in its log, the process gone) AND everything converged with no problem. A step
 * the flow never reached is UNREACHED, which fails the run like a FAIL: a crash point
 * nobody can reach proves nothing, and must not read as a pass.
 */
import type { CrashStep } from "../../core/crashPoints.js";
import type { CrashFlow } from "./plan.js";

export type CrashVerdict = "PASS" | "FAIL" | "UNREACHED";

export interface CrashStepResult {
  step: CrashStep;
  daemon: "agent" | "controller";
  flow: CrashFlow;
  verdict: CrashVerdict;
  /** Arming to checks done. */
  seconds: number;
  /** What was wrong (empty for a PASS). */
  problems: string[];
  /** What happened on the way (the trigger's outcome, times), for the JSON report. */
  notes: string[];
}

/** How the armed daemon's end was observed. */
export type CrashOutcome = "crashed" | "not-reached" | "died-elsewhere";

/**
 * The verdict from the crash outcome and the problems the checks found. `died-elsewhere`
 * (gone without its crash line) is a failure of its own: something else killed it.
 */
export function verdictOf(outcome: CrashOutcome, problems: readonly string[]): { verdict: CrashVerdict; problems: string[] } {
  if (outcome === "not-reached") return { verdict: "UNREACHED", problems: ["the flow finished and the daemon never reached this step", ...problems] };
  if (outcome === "died-elsewhere") return { verdict: "FAIL", problems: ["the daemon died without its crash line: not killed at this step", ...problems] };
  return problems.length === 0 ? { verdict: "PASS", problems: [] } : { verdict: "FAIL", problems: [...problems] };
}

/** `PASS  agent.mount.mounted  (agent, mount)  8.1 s` or with `: what was wrong; …`. */
export function renderStepLine(result: CrashStepResult): string {
  const head = `${result.verdict.padEnd(9)} ${result.step.padEnd(30)} (${result.daemon}, ${result.flow}) ${result.seconds.toFixed(1)} s`;
  return result.problems.length === 0 ? head : `${head}: ${result.problems.join("; ")}`;
}

/** A Markdown table of every step's result, for the summary and reports. */
export function renderCrashTable(results: readonly CrashStepResult[]): string {
  const rows = results.map((r) => `| \`${r.step}\` | ${r.daemon} | ${r.flow} | ${r.verdict} | ${r.seconds.toFixed(1)} | ${r.problems.join("; ").replace(/\|/g, "\\|") || "-"} |`);
  return ["| step | daemon | flow | result | s | what was wrong |", "|---|---|---|---|---|---|", ...rows].join("\n");
}

export function crashPointsPassed(results: readonly CrashStepResult[], planned: number): boolean {
  return results.length === planned && results.every((r) => r.verdict === "PASS");
}

/** The last line: counts by verdict. */
export function renderCrashSummary(results: readonly CrashStepResult[], planned: number, seconds: number): string {
  const count = (v: CrashVerdict) => results.filter((r) => r.verdict === v).length;
  const missing = planned - results.length;
  return `crash points: ${count("PASS")} passed, ${count("FAIL")} failed, ${count("UNREACHED")} unreached${missing > 0 ? `, ${missing} not run` : ""} of ${planned} in ${seconds.toFixed(0)} s`;
}
