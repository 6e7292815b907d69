/**
 * One round of the `lab-takeover` benchmark on a lab with several controller replicas:
 * stop the leading replica's process (SIGKILL: a crash; SIGTERM: a graceful handover),
 * time until ANOTHER replica's own GET /v1/health says `role: leader` (polled every 50 ms,
 * started together with the signal), start the stopped replica again, and count the
 * agents' self-fencing (lease lapses and containers killed, from their logs) during the
 * round. The round lasts at least an agent lease ttl past the takeover, so a lapse caused
 * by the gap is logged inside it.
 *
 * {@link summariseTakeover} is pure (unit-tested); {@link takeoverRound} drives the lab.
 */
import { systemClock } from "../../core/clock.js";
import {
  controllerReplicas, killController, replicaHealth, startController, waitForLeader, type LabState,
} from "../../lab/cluster/index.js";
import { readSelfFence } from "../../lab/drill/selfFence.js";
import { summarise, type BenchResult } from "../stats.js";

export type TakeoverKind = "crash" | "handover";

/** What one round measured. */
export interface TakeoverSample {
  kind: TakeoverKind;
  /** The replica stopped (the leader at the start of the round) and the one that took over. */
  from: string;
  to: string;
  /** Signal sent → another replica says it leads (ms; 0 when it already did: two leaders). */
  takeoverMs: number;
  /** Agent lease lapses and fence kills logged on every node during the round. */
  lapses: number;
  kills: number;
}

/** How long a round waits after the takeover before counting lapses: more than the agent lease ttl (6 s). */
export const LAPSE_SETTLE_MS = 8_000;

/** Takeover time from the two clock readings; a leader seen before the signal (two leaders) counts as 0. */
export function takeoverMs(signalledAt: number, seenAt: number): number {
  return Math.max(0, seenAt - signalledAt);
}

/**
 * The three results of the suite: crash takeover (p50 ≤ 3000 ms), handover (p50 ≤ 1000 ms)
 * and self-fencing per round, lapses plus kills (p99 ≤ 0).
 */
export function summariseTakeover(samples: readonly TakeoverSample[], notMeasured: string | null = null): BenchResult[] {
  if (notMeasured !== null) return summariseUnmeasured(notMeasured);
  const of = (kind: TakeoverKind) => samples.filter((s) => s.kind === kind);
  const describe = (list: readonly TakeoverSample[]) => list.map((s) => `${s.from}→${s.to} ${Math.round(s.takeoverMs)} ms`).join(", ");
  const fencing = samples.map((s) => s.lapses + s.kills);
  const fencingNote = samples.map((s) => `${s.kind} ${s.lapses} lapses/${s.kills} kills`).join(", ");
  return [
    summarise("lab.takeover.crash", "Leader replica killed (-9) → another replica's /v1/health says leader", "ms",
      of("crash").map((s) => s.takeoverMs), { stat: "p50", max: 3000 }, `3 managers + 2 workers, poll 50 ms; ${describe(of("crash"))}`),
    summarise("lab.takeover.handover", "Leader replica SIGTERM → another replica's /v1/health says leader", "ms",
      of("handover").map((s) => s.takeoverMs), { stat: "p50", max: 1000 }, `poll 50 ms; ${describe(of("handover"))}`),
    summarise("lab.takeover.lapses", "Agent lease lapses + containers killed to fence, per takeover round", "events",
      fencing, { stat: "p99", max: 0 }, `from every node's agent.log, round = takeover + ${LAPSE_SETTLE_MS} ms; ${fencingNote}`),
  ];
}

/**
 * Why the lab cannot measure a takeover, or null when it can: it needs two replicas or
 * more, and replicas that report a role (a controller from before HA answers without one,
 * and several of those would all act: there is no takeover to time).
 */
export async function whyNotMeasurable(state: LabState): Promise<string | null> {
  const answers = await replicaHealth(state);
  if (answers.length < 2) return `the lab has ${answers.length} controller replica(s); lab-takeover needs at least two`;
  if (answers.some((a) => a.health !== null && a.health.role === undefined)) {
    return "the controller replicas answer /v1/health without a role: this build has no leader election (HA controller not merged)";
  }
  return null;
}

/** The suite's three results with no samples (reported as misses) and the reason in their notes. */
function summariseUnmeasured(why: string): BenchResult[] {
  return summariseTakeover([]).map((r) => ({ ...r, notes: `not measured: ${why}` }));
}

/** One round (see the module header); the lab must have at least two replicas. */
export async function takeoverRound(state: LabState, dir: string, kind: TakeoverKind): Promise<TakeoverSample> {
  const clock = systemClock;
  if (controllerReplicas(state).length < 2) throw new Error("lab-takeover needs at least two controller replicas (managers)");
  const start = clock.now();
  const { leader } = await waitForLeader(state, { clock, timeoutMs: 60_000 });
  const signal = kind === "crash" ? "SIGKILL" : "SIGTERM";
  // Poll from the moment the signal goes out, not once the process is gone: a graceful stop
  // may still be exiting when a standby already leads.
  const seen = waitForLeader(state, { clock, exclude: [leader.node], intervalMs: 50, timeoutMs: 60_000 });
  seen.catch(() => undefined);
  const killed = await killController(dir, { node: leader.node, signal, clock });
  const next = await seen;
  await clock.sleep(LAPSE_SETTLE_MS);
  await startController(dir, { node: leader.node, clock });
  await clock.sleep(1_000);
  const fencing = await readSelfFence(state, start, clock.now());
  return {
    kind, from: leader.node, to: next.leader.node, takeoverMs: takeoverMs(killed.signalledAt, next.at),
    lapses: fencing.lapses, kills: fencing.kills,
  };
}
