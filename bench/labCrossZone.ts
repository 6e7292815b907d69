/**
 * `npm run bench -- lab-cross-zone`: issue 11's cross-zone relocation time for 1 GiB with
 * the emulator's EBS-like latencies (snapshot pending 5 s + 3 s/GiB, create 1.5 s, attach
 * and detach 2 s). It runs the drill's own `cross-zone` scenario (ADR 0024) on a two-zone
 * lab with one manager (`swarmvol drill --managers 1 --zones 2 --scenario cross-zone
 * --repeat N --json FILE`), under the drill's PostgreSQL and file workloads, so a figure
 * counts only for a relocation that kept every acknowledged write; bench/lab/crossZone.ts
 * reads the phases from the report.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDrill } from "../lab/drill/drill.js";
import { parseDrillArgs, type DrillOptions } from "../lab/drill/options.js";
import { BENCH_LOGS } from "./labFailover.js";
import { crossZoneResults, type CrossZoneRun } from "./lab/crossZone.js";
import type { BenchResult } from "./stats.js";

/** Relocations per run of the suite: each moves the database into the zone it is not in. */
export const CROSS_ZONE_RUNS = 3;

export async function benchLabCrossZone(runs = CROSS_ZONE_RUNS): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), "swarmvol-bench-cross-zone-"));
  const report = join(dir, "drill.json");
  try {
    const options = parseDrillArgs([
      "--managers", "1", "--zones", "2", "--scenario", "cross-zone", "--repeat", String(runs),
      "--json", report, "--logs", join(BENCH_LOGS, "lab-cross-zone"),
    ]) as DrillOptions;
    const code = await runDrill(options, { out: (text) => process.stderr.write(text), err: process.stderr });
    const parsed = JSON.parse(await readFile(report, "utf8")) as { results: CrossZoneRun[]; setupError: string | null };
    if (parsed.setupError !== null) throw new Error(`lab-cross-zone: the drill did not run: ${parsed.setupError}`);
    const context = `drill --managers 1 --zones 2 --scenario cross-zone --repeat ${runs}, exit ${code}; volume 1 GiB, emulator latencies`;
    return crossZoneResults(parsed.results, context);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
