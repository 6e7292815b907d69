/**
 * `npm run bench -- lab-kill` (issue 14 Done-when 1): the drill's kill-db scenario
 * `SWARMVOL_KILLS` times (default 10) on its 5-node lab (3 managers with a controller
 * replica each, PostgreSQL on a swarmvol volume, EBS-like emulator latencies: create 1.5 s,
 * attach 2 s, detach 2 s), each kill timed to the database's first acknowledged write with
 * every acknowledged row read back, beside Swarm's own detection in the same run.
 *
 * Twice: with Swarm's default dispatcher heartbeat (5 s) and with 2 s. A killed node's
 * tasks start elsewhere only once Swarm marks it down (ADR 0022), so the heartbeat, an
 * operator's cluster setting, bounds what swarmvol can reach; both are reported.
 * `SWARMVOL_KILL_HEARTBEATS` (e.g. `2`) runs a subset.
 *
 * Each kill's phases t5..t9 come from the drill's own JSON report (the same stamps as its
 * phase table), and the steps between them are reported too (`lab.p7.after-attach.*`,
 * bench/lab/killSeries.ts): waiting for Docker's Mount, filesystem check and mount,
 * container start, the database's recovery and first write.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDrill } from "../lab/drill/drill.js";
import { parseDrillArgs, type DrillOptions } from "../lab/drill/options.js";
import { BENCH_LOGS } from "./labFailover.js";
import { killSeries, summariseKills, type DrillRun } from "./lab/killSeries.js";
import type { BenchResult } from "./stats.js";

const DEFAULT_KILLS = 10;

/** Dispatcher heartbeats to run with, in seconds; null is Swarm's default (5 s). */
function heartbeats(raw: string | undefined): Array<number | null> {
  if (raw === undefined || raw.trim() === "") return [null, 2];
  return raw.split(",").map((value) => (value.trim() === "default" ? null : Number(value)));
}

async function killRuns(kills: number, heartbeat: number | null, dir: string): Promise<DrillRun[]> {
  const setting = heartbeat === null ? "hb5s" : `hb${heartbeat}s`;
  const json = join(dir, `${setting}.json`);
  const argv = ["--scenario", "kill-db", "--repeat", String(kills), "--json", json, "--logs", join(BENCH_LOGS, `lab-kill-${setting}`)];
  if (heartbeat !== null) argv.push("--dispatcher-heartbeat", String(heartbeat));
  const options = parseDrillArgs(argv) as DrillOptions;
  const code = await runDrill(options, { out: (text) => void process.stderr.write(text), err: process.stderr });
  process.stderr.write(`bench: lab-kill ${setting}: the drill exited ${code}\n`);
  // A drill that could not start writes no runs: the series then has none and misses its targets.
  const report = JSON.parse(await readFile(json, "utf8").catch(() => "{}")) as { results?: DrillRun[] };
  return report.results ?? [];
}

export async function benchLabKill(kills = Number(process.env.SWARMVOL_KILLS ?? DEFAULT_KILLS)): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), "swarmvol-bench-kill-"));
  const results: BenchResult[] = [];
  try {
    for (const heartbeat of heartbeats(process.env.SWARMVOL_KILL_HEARTBEATS)) {
      const setting = heartbeat === null ? "hb5s" : `hb${heartbeat}s`;
      const title = heartbeat === null ? "Swarm's default dispatcher heartbeat, 5 s" : `dispatcher heartbeat ${heartbeat} s`;
      results.push(...summariseKills(setting, title, killSeries(await killRuns(kills, heartbeat, dir))));
    }
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
