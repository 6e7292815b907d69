/**
 * The drill's last check: the controllers' GET /metrics must have counted the moves the
 * drill watched. The catalog's `lastMove` (read into each run's timeline) says which
 * phases the controller stamped; the phase histogram must count at least that many.
 *
 * Each replica counts what it saw while it led, and a restarted replica starts from zero,
 * so the counts of every replica are summed, and only moves the controller saw (t2) after
 * the newest replica start (`process_start_time_seconds`) are expected: those were seen by
 * a process that is still running. Every replica must answer (standbys serve /metrics
 * too); one that does not fails the check, since its counts cannot be known.
 *
 * `checkMoveMetrics` is pure and unit-tested; `fetchReplicaMetrics` does the I/O.
 */
import { parseExposition, sumOf, type Exposition } from "../../api/exposition.js";
import { controllerReplicas, type LabState } from "../cluster/index.js";
import { httpExchange } from "./jenkinsClient.js";
import { movesVolume } from "./options.js";
import { label, type ScenarioResult } from "./report.js";

/** The phases the controller stamps in `lastMove` and counts in `swarmvol_move_phase_seconds`. */
const checkedPhases = [["t5", "t5_attached"], ["t6", "t6_verified"], ["t7", "t7_mounted"]] as const;

export interface ReplicaScrape {
  node: string;
  /** The parsed exposition, or why there is none. */
  metrics: Exposition | { error: string };
}

export interface MetricsCheck {
  problems: string[];
  notes: string[];
}

/** GET /metrics of every replica (public, the token sent anyway); a failure is recorded, not thrown. */
export async function fetchReplicaMetrics(state: LabState): Promise<ReplicaScrape[]> {
  const token = state.swarmvol?.token;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return Promise.all(controllerReplicas(state).map(async ({ node, url }): Promise<ReplicaScrape> => {
    try {
      const answer = await httpExchange("GET", `${url}/metrics`, undefined, 5_000, headers);
      if (answer.status !== 200) return { node, metrics: { error: `GET ${url}/metrics: HTTP ${answer.status}` } };
      return { node, metrics: parseExposition(answer.body) };
    } catch (err) {
      return { node, metrics: { error: `GET ${url}/metrics: ${err instanceof Error ? err.message : String(err)}` } };
    }
  }));
}

/** Compares the summed phase counts with the moves the drill saw after the newest replica start. */
export function checkMoveMetrics(scrapes: readonly ReplicaScrape[], results: readonly ScenarioResult[]): MetricsCheck {
  const problems: string[] = [];
  const notes: string[] = [];
  const answered: Array<{ node: string; metrics: Exposition }> = [];
  for (const scrape of scrapes) {
    if ("error" in scrape.metrics) problems.push(`controller replica on ${scrape.node} did not serve its metrics (${scrape.metrics.error})`);
    else answered.push({ node: scrape.node, metrics: scrape.metrics });
  }
  if (answered.length === 0) return { problems: problems.length > 0 ? problems : ["no controller replica in the lab state"], notes };
  const newestStart = Math.max(...answered.map(({ metrics }) => sumOf(metrics, "process_start_time_seconds") * 1000));
  const moves = results.filter((r) => movesVolume(r.scenario) && r.timeline.t2 !== undefined);
  const counted = moves.filter((r) => (r.timeline.t2 ?? 0) >= newestStart);
  if (moves.length > counted.length) {
    notes.push(`metrics check: ${moves.length - counted.length} of ${moves.length} moves predate the newest controller restart and are not expected in its counts`);
  }
  for (const [phase, metricPhase] of checkedPhases) {
    const expected = counted.filter((r) => r.timeline[phase] !== undefined);
    const perReplica = answered.map(({ node, metrics }) => ({ node, n: sumOf(metrics, "swarmvol_move_phase_seconds_count", { phase: metricPhase }) }));
    const total = perReplica.reduce((sum, { n }) => sum + n, 0);
    const detail = perReplica.map(({ node, n }) => `${node} ${n}`).join(", ");
    if (total < expected.length) {
      problems.push(
        `controller metrics undercount moves: swarmvol_move_phase_seconds_count{phase="${metricPhase}"} sums to ${total} (${detail}), ` +
        `but the controllers' own lastMove stamped ${phase} in ${expected.length} runs (${expected.map(label).join(", ")})`,
      );
    } else {
      notes.push(`metrics check: ${metricPhase} counted ${total} (${detail}) >= ${expected.length} drill moves`);
    }
  }
  return { problems, notes };
}
