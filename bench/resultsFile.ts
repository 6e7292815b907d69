/**
 * bench/results.json: every measure of the last run of each suite, merged by result id,
 * so running one suite (or a drill soak with `--results`) replaces only its own results
 * and keeps everybody else's. The chart beside it is redrawn from the merged list.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { dirname } from "node:path";
import { renderChart } from "./chart.js";
import type { BenchResult } from "./stats.js";

/** The previous results with the fresh ones in place of any that share their id (fresh last). Pure. */
export function mergeResults(previous: readonly BenchResult[], fresh: readonly BenchResult[]): BenchResult[] {
  const ids = new Set(fresh.map((result) => result.id));
  return [...previous.filter((old) => !ids.has(old.id)), ...fresh];
}

/** The results in `path`, or none when it is missing or unreadable. */
export async function readResults(path: string): Promise<BenchResult[]> {
  try {
    return (JSON.parse(await readFile(path, "utf8")) as { results: BenchResult[] }).results;
  } catch {
    return [];
  }
}

/** Merges `fresh` into `path` (and redraws `chart`, when given); resolves with the merged list. */
export async function writeResults(path: string, fresh: readonly BenchResult[], options: { chart?: string; now?: Date } = {}): Promise<BenchResult[]> {
  const merged = mergeResults(await readResults(path), fresh);
  const generatedAt = (options.now ?? new Date()).toISOString();
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(totalmem() / 1024 ** 3), node: process.version };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify({ generatedAt, machine, results: merged }, null, 2)}\n`);
  if (options.chart !== undefined) await writeFile(options.chart, renderChart(merged, generatedAt));
  return merged;
}
