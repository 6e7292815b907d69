/**
 * Pure helpers of the storage suites: which timed writes overlapped a window (a freeze),
 * and a short text of a distribution for a result's notes.
 */
import { percentile } from "../stats.js";
import type { WriteSample } from "./writer.js";

/** A span of epoch ms, both ends included. */
export interface Window {
  from: number;
  to: number;
}

/**
 * Splits writes into those that overlapped a window (began before it ended and ended after
 * it began: a write blocked by a freeze, or one that was in flight when it came) and the rest.
 */
export function splitByWindows(samples: readonly WriteSample[], windows: readonly Window[]): { overlapping: WriteSample[]; clear: WriteSample[] } {
  const overlapping: WriteSample[] = [];
  const clear: WriteSample[] = [];
  for (const sample of samples) {
    const end = sample.at + sample.ms;
    (windows.some((window) => sample.at <= window.to && end >= window.from) ? overlapping : clear).push(sample);
  }
  return { overlapping, clear };
}

/** "p50 1.2, p99 3.4, max 5.6 ms (n 100)"; "none" for no values. */
export function describeMs(values: readonly number[]): string {
  if (values.length === 0) return "none";
  const sorted = [...values].sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 100) / 100;
  return `p50 ${round(percentile(sorted, 0.5))}, p99 ${round(percentile(sorted, 0.99))}, max ${round(sorted.at(-1) as number)} ms (n ${sorted.length})`;
}
