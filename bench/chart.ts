import type { BenchResult } from "./stats.js";

/** Titles share the row with the bar: long ones are cut (the full title is the tooltip). */
const shorten = (text: string, length: number) => (text.length <= length ? text : `${text.slice(0, length - 1)}…`);

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * A bar chart a person can read: one row per measure, the bar is the measured statistic
 * as a fraction of its target (the dashed line is the target), green within, red over.
 */
export function renderChart(results: readonly BenchResult[], generatedAt: string): string {
  const rowHeight = 34;
  const left = 330;
  const width = 900;
  const scaleMax = 2;
  const barWidth = width - left - 150;
  const height = 60 + results.length * rowHeight;
  const targetX = left + barWidth / scaleMax;
  const rows = results.map((result, index) => {
    const stat = result.target?.stat ?? "p50";
    const value = result[stat];
    const max = result.target?.max;
    const ratio = max === undefined || value === 0 ? 0 : max === 0 ? scaleMax : Math.min(scaleMax, value / max);
    const y = 40 + index * rowHeight;
    const colour = result.target === null ? "#9e9e9e" : result.pass ? "#2e7d32" : "#c62828";
    return [
      `<text x="10" y="${y + 16}" font-size="12"><title>${escape(result.title)}</title>${escape(shorten(result.title, 48))}</text>`,
      `<rect x="${left}" y="${y + 4}" width="${Math.max(1, ratio * (barWidth / scaleMax))}" height="18" fill="${colour}"/>`,
      `<text x="${left + barWidth + 8}" y="${y + 17}" font-size="12">${stat} ${value} ${result.unit}${result.target ? ` / ${result.target.max}` : " (no target)"}</text>`,
    ].join("");
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">swarmvol benchmarks (${escape(generatedAt)}): measured / target</text>`,
    ...rows,
    `<line x1="${targetX}" y1="34" x2="${targetX}" y2="${height - 10}" stroke="#555" stroke-dasharray="4 3"/>`,
    `</svg>`,
  ].join("\n");
}
