/** One measured quantity with its target; what bench/results.json holds. */
export interface BenchResult {
  id: string;
  title: string;
  unit: "ms" | "calls" | "MB" | "tasks" | "events" | "ratio" | "runs" | "failures";
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  /** The target for the reported statistic, and which statistic it bounds; null when the issue sets none (reported only). */
  target: { stat: "p50" | "p95" | "p99"; max: number } | null;
  pass: boolean;
  notes?: string;
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

export function summarise(
  id: string, title: string, unit: BenchResult["unit"], values: readonly number[], target: BenchResult["target"], notes?: string,
): BenchResult {
  // A measure without a target is reported, never failed.
  const sorted = [...values].sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 1000) / 1000;
  const result = {
    id, title, unit, samples: sorted.length,
    p50: round(percentile(sorted, 0.5)), p95: round(percentile(sorted, 0.95)), p99: round(percentile(sorted, 0.99)),
    target,
  };
  return { ...result, pass: target === null || result[target.stat] <= target.max, ...(notes ? { notes } : {}) };
}
