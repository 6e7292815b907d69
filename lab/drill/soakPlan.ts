/**
 * What each round of `swarmvol drill --soak N --seed S` breaks. Every round draws from its
 * own generator, seeded from (S, round), so round r of seed S is the same fault whatever
 * happened before it, and `--soak N --seed S` replays the same sequence. (The lab's own
 * timing and the emulator's fault draws are not replayed: a replay repeats the faults,
 * not the exact interleaving.)
 *
 * The kinds of round: a node kill (the db's or the jenkins node, a coin flip), a
 * partition, a dockerd restart, a kill of the manager whose controller replica leads
 * (only with two managers or more), and "cloud": the cloud fault profile on top of one of
 * the others. Each maps onto a drill scenario of options.ts SCENARIOS and runs through
 * the same runScenario and FAULTS table as a plain drill.
 *
 * Pure: no I/O, table-tested.
 */
import { seededRng } from "../cloud/rng.js";
import type { ScenarioName } from "./options.js";

export type SoakFault = "node-kill" | "partition" | "restart-dockerd" | "leader-kill" | "cloud";

export interface SoakPool {
  faults: SoakFault[];
  /** Why a kind of round is left out, for the soak's opening note; null when none is. */
  leftOut: string | null;
}

/** The kinds of round a lab with `managers` managers can run. */
export function soakPool(managers: number): SoakPool {
  const faults: SoakFault[] = ["node-kill", "partition", "restart-dockerd"];
  if (managers >= 2) faults.push("leader-kill");
  faults.push("cloud");
  const leftOut = managers >= 2 ? null : "controller leader kill left out: the lab has one manager (it needs --managers 2 or more)";
  return { faults, leftOut };
}

export interface RoundPlan {
  round: number;
  seed: number;
  /** The kind drawn (for "cloud", the scenario under it is the second draw). */
  kind: SoakFault;
  scenario: ScenarioName;
  cloudFaults: boolean;
}

/** A 32-bit seed of its own for each round (a murmur3-style mix of seed and round). */
export function roundSeed(seed: number, round: number): number {
  let h = (seed ^ Math.imul(round, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function scenarioOf(kind: Exclude<SoakFault, "cloud">, coin: number): ScenarioName {
  switch (kind) {
    case "node-kill": return coin < 0.5 ? "kill-db" : "kill-jenkins";
    case "partition": return "partition";
    case "restart-dockerd": return "restart-dockerd";
    case "leader-kill": return "kill-leader";
  }
}

/** Round `round` (1-based) of the soak with `seed`; `cloudEveryRound` (--cloud-faults) puts the profile on every round. */
export function planRound(seed: number, round: number, pool: SoakPool, cloudEveryRound = false): RoundPlan {
  const rng = seededRng(roundSeed(seed, round));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rng.next() * list.length)] as T;
  const kind = pick(pool.faults);
  const under = kind === "cloud" ? pick(pool.faults.filter((f): f is Exclude<SoakFault, "cloud"> => f !== "cloud")) : kind;
  return { round, seed, kind, scenario: scenarioOf(under, rng.next()), cloudFaults: cloudEveryRound || kind === "cloud" };
}

/** "round 3/20 (seed 1234): partition + cloud faults" */
export function describeRound(plan: RoundPlan, rounds: number): string {
  return `round ${plan.round}/${rounds} (seed ${plan.seed}): ${plan.scenario}${plan.cloudFaults ? " + cloud faults" : ""}`;
}
