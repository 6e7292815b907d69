import type { MetricDefinition } from "../../api/metrics.js";

/** docs/metrics.md's generated block lies between these two lines. */
export const referenceBegin = "<!-- metrics reference: generated from controller/metrics.ts and plugin/metrics.ts; test/unit/metricsDoc.test.ts -->";
export const referenceEnd = "<!-- end of metrics reference -->";

function table(definitions: Readonly<Record<string, MetricDefinition>>): string[] {
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  const rows = Object.values(definitions).map((d) => {
    const labels = d.labels.length === 0 ? "-" : d.labels.map((l) => `\`${l}\``).join(", ");
    const buckets = d.buckets ? ` Buckets (s): ${d.buckets.join(", ")}.` : "";
    return `| \`${d.name}\` | ${d.type} | ${labels} | ${cell(d.help)}.${buckets} |`;
  });
  return ["| name | type | labels | meaning |", "|---|---|---|---|", ...rows];
}

/** The reference tables, one per process kind, exactly as the doc must hold them. */
export function renderMetricsReference(kinds: ReadonlyArray<{ title: string; definitions: Readonly<Record<string, MetricDefinition>> }>): string {
  const sections = kinds.flatMap(({ title, definitions }) => [`### ${title}`, "", ...table(definitions), ""]);
  return [referenceBegin, "", ...sections, referenceEnd].join("\n");
}

/** The block between the markers in `doc`, or undefined when the markers are missing. */
export function referenceIn(doc: string): string | undefined {
  const start = doc.indexOf(referenceBegin);
  const end = doc.indexOf(referenceEnd);
  return start < 0 || end < start ? undefined : doc.slice(start, end + referenceEnd.length);
}
