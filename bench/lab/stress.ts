/**
 * The `lab-stress` benchmark's measure (issue 14, ADR 0022): does a fast lease fence a live
 * node when the CPU is full? A writer on a swarmvol volume runs on every node, a stress
 * service spins more busy loops on every node than the machine has cores, and for the
 * whole window the suite counts, per minute, what a false fence would leave behind:
 * - the leader's `node.lapsed` and `node.drained` events (a lease it let lapse, a node it
 *   told Swarm to empty) and `move.done` events (a volume moved off its live holder);
 * - the agents' own lease lapses and fence kills (lab/drill/selfFence.ts);
 * - writer tasks started again after the window began (a container killed or rescheduled).
 * Beside them it reports how idle the CPU was (/proc/stat), so a clean window is shown to
 * have been a loaded one.
 *
 * Everything here but {@link readCpuTimes} is pure and unit-tested (stress.test.ts).
 */
import { readFile } from "node:fs/promises";
import { summarise, type BenchResult } from "../stats.js";

/** Busy loops per node: with 5 nodes on 2 cores, 15 spinners keep every core busy. */
export const SPINNERS_PER_NODE = 3;

/** The stress service's command: SPINNERS_PER_NODE busy loops at the default priority. */
export const STRESS_COMMAND = `for i in $(seq ${SPINNERS_PER_NODE}); do (while :; do :; done) & done; wait`;

/** Signs of a false fence seen in one minute of the window. */
export interface StressMinute {
  lapses: number;
  drains: number;
  moves: number;
  selfFenceLapses: number;
  kills: number;
  restarts: number;
}

/** Cumulative CPU jiffies from the first line of /proc/stat. */
export interface CpuTimes {
  idle: number;
  total: number;
}

/** The `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal …; idle counts idle + iowait. */
export function parseCpuTimes(stat: string): CpuTimes {
  const fields = (stat.split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { idle, total: fields.slice(0, 8).reduce((sum, value) => sum + value, 0) };
}

export async function readCpuTimes(): Promise<CpuTimes> {
  return parseCpuTimes(await readFile("/proc/stat", "utf8"));
}

/** The idle fraction between two readings (0: every core busy the whole time). */
export function idleFraction(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  return total <= 0 ? 0 : (after.idle - before.idle) / total;
}

/** What counts as a false fence in a minute: anything but none of the above. */
export const falseFences = (minute: StressMinute): number =>
  minute.lapses + minute.drains + minute.moves + minute.selfFenceLapses + minute.kills + minute.restarts;

/** Events of the leader's history that name a false fence, by type; the rest ignored. */
export function countFenceEvents(types: readonly string[]): Pick<StressMinute, "lapses" | "drains" | "moves"> {
  const count = (type: string) => types.filter((t) => t === type).length;
  return { lapses: count("node.lapsed"), drains: count("node.drained"), moves: count("move.done") };
}

const detailOf = (minute: StressMinute) => (["lapses", "drains", "moves", "selfFenceLapses", "kills", "restarts"] as const).map((key) => `${key} ${minute[key]}`).join(", ");

/**
 * The control: a minute after the window, still under load, with one agent frozen (SIGSTOP)
 * longer than its lease and grace. It must show a fence, or the counting above could miss
 * one (target: 0 missed).
 */
export function summariseControl(control: StressMinute, frozenMs: number): BenchResult {
  return summarise("lab.stress.control-fence-missed", "Control: an agent frozen past its lease and grace under the same load is seen fenced (1 = missed)", "failures",
    [falseFences(control) > 0 ? 0 : 1], { stat: "p50", max: 0 }, `agent frozen ${frozenMs} ms; the control minute counted ${detailOf(control)}`);
}

/**
 * The suite's results: false fences per minute (target p99 ≤ 0, i.e. none in any minute)
 * and the CPU's idle fraction per minute (reported, no target).
 */
export function summariseStress(minutes: readonly StressMinute[], idle: readonly number[], settings: string): BenchResult[] {
  const total = (key: keyof StressMinute) => minutes.reduce((sum, m) => sum + m[key], 0);
  const detail = (["lapses", "drains", "moves", "selfFenceLapses", "kills", "restarts"] as const).map((key) => `${key} ${total(key)}`).join(", ");
  const meanIdle = idle.length === 0 ? Number.NaN : idle.reduce((a, b) => a + b, 0) / idle.length;
  return [
    summarise("lab.stress.false-fences", "Live nodes fenced per minute with every node's CPU full (stress service)", "events",
      minutes.map(falseFences), { stat: "p99", max: 0 }, `${minutes.length} min, ${settings}; totals: ${detail}`),
    summarise("lab.stress.cpu-idle", "CPU idle fraction per minute during the stress window", "ratio",
      idle, null, `mean ${meanIdle.toFixed(3)} (0 = every core busy); ${SPINNERS_PER_NODE} busy loops per node`),
  ];
}
