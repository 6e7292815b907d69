/**
 * The soak's closing figures: rounds, moves, per-phase times (p50/p95 of each timeline
 * phase, seconds after the fault), acknowledged writes lost, double attachments and the
 * failed rounds with their seed and number, as text and as benchmark results
 * (bench/results.json, merged by id when `--results FILE` is given). Pure.
 */
import { percentile, summarise, type BenchResult } from "../../bench/stats.js";
import { movesVolume } from "./options.js";
import { failures, label, lostCount, passed, type ScenarioResult } from "./report.js";
import { PHASE_LABELS, PHASES, renderColumns, type Phase } from "./timeline.js";

export interface SoakSummary {
  seed: number;
  requested: number;
  rounds: number;
  /** Rounds whose service ended up running on another node (its volume moved). */
  moves: number;
  /** Milliseconds after t0, per observed phase, over every round that observed it. */
  phases: Partial<Record<Phase, number[]>>;
  lostWrites: number;
  doubleAttachments: number;
  failed: Array<{ round: number; seed: number; run: string; why: string[] }>;
  /** Why the soak stopped before its last round; null when it ran them all. */
  stoppedEarly: string | null;
}

/** Whether a round's volume moved: a moving scenario whose service runs elsewhere now. */
function moved(r: ScenarioResult): boolean {
  return movesVolume(r.scenario) && r.toNode !== null && r.toNode !== r.fromNode && r.timeline.t9 !== undefined;
}

/**
 * `doubleAttachmentsInLog` is the drill's check over the whole EC2 log at the end (it
 * also sees events between rounds); without it, the rounds' own findings are summed.
 */
export function summariseSoak(input: {
  seed: number; requested: number; results: readonly ScenarioResult[]; stoppedEarly: string | null; doubleAttachmentsInLog?: number;
}): SoakSummary {
  const phases: Partial<Record<Phase, number[]>> = {};
  for (const r of input.results) {
    for (const phase of PHASES.slice(1)) {
      const at = r.timeline[phase];
      if (at !== undefined) (phases[phase] ??= []).push(at - r.timeline.t0);
    }
  }
  const perRound = input.results.reduce((n, r) => n + (r.doubleAttachments?.length ?? 0) + r.overlaps.length, 0);
  return {
    seed: input.seed, requested: input.requested, rounds: input.results.length,
    moves: input.results.filter(moved).length,
    phases,
    lostWrites: input.results.reduce((n, r) => n + lostCount(r), 0),
    doubleAttachments: Math.max(perRound, input.doubleAttachmentsInLog ?? 0),
    failed: input.results.filter((r) => !passed(r)).map((r) => ({
      round: r.soakRound?.round ?? r.iteration, seed: r.soakRound?.seed ?? input.seed, run: label(r), why: failures(r),
    })),
    stoppedEarly: input.stoppedEarly,
  };
}

export function soakPassed(s: SoakSummary): boolean {
  return s.rounds === s.requested && s.failed.length === 0 && s.lostWrites === 0 && s.doubleAttachments === 0;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** The text printed at the end of a soak. */
export function renderSoak(s: SoakSummary): string {
  const rows = PHASES.slice(1).map((phase) => {
    const sorted = [...(s.phases[phase] ?? [])].sort((a, b) => a - b);
    const stat = (f: number) => (sorted.length === 0 ? "-" : seconds(percentile(sorted, f)));
    return [phase, PHASE_LABELS[phase], String(sorted.length), stat(0.5), stat(0.95)];
  });
  const lines = [
    `== soak: ${s.rounds}/${s.requested} rounds, seed ${s.seed} (replay: --soak ${s.requested} --seed ${s.seed}), ${s.moves} moves`,
    renderColumns(["PHASE", "WHAT", "N", "P50 S", "P95 S"], rows).trimEnd(),
    `acknowledged writes lost: ${s.lostWrites}; double attachments: ${s.doubleAttachments}; failed rounds: ${s.failed.length}`,
    ...s.failed.map((f) => `   round ${f.round} (seed ${f.seed}) ${f.run}: ${f.why.join("; ")} — replay: --soak ${f.round} --seed ${f.seed}`),
    ...(s.stoppedEarly === null ? [] : [`soak stopped early: ${s.stoppedEarly}`]),
    `soak ${soakPassed(s) ? "PASS" : "FAIL"}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** The soak as benchmark results: a result per observed phase (reported, no target), and three totals that must be 0. */
export function soakBenchResults(s: SoakSummary): BenchResult[] {
  const notes = `seed ${s.seed}, ${s.rounds}/${s.requested} rounds, ${s.moves} moves`;
  const phases = PHASES.slice(1).filter((p) => (s.phases[p]?.length ?? 0) > 0).map((phase) =>
    summarise(`drill.soak.${phase}`, `Soak: ${phase} ${PHASE_LABELS[phase]}, after the fault`, "ms", s.phases[phase] ?? [], null, notes));
  // Totals over the soak: one sample each, so any count above zero misses its target.
  const zero = { stat: "p99", max: 0 } as const;
  return [
    ...phases,
    summarise("drill.soak.lost-writes", "Soak: acknowledged writes lost", "events", [s.lostWrites], zero, notes),
    summarise("drill.soak.double-attachments", "Soak: double attachments (EC2 event log)", "events", [s.doubleAttachments], zero, notes),
    summarise("drill.soak.failed-rounds", "Soak: failed or unrun rounds", "events", [s.failed.length + (s.requested - s.rounds)], zero, notes),
  ];
}
