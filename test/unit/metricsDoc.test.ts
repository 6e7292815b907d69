/**
 * docs/metrics.md cannot drift from the declarations: its reference block must equal the
 * one rendered from controller/metrics.ts and plugin/metrics.ts. After changing a metric,
 * regenerate it with `SWARMVOL_WRITE_METRICS_DOC=1 npx vitest run test/unit/metricsDoc.test.ts`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { controllerMetricDefinitions } from "../../controller/metrics.js";
import { agentMetricDefinitions } from "../../plugin/metrics.js";
import { referenceIn, renderMetricsReference } from "../support/metricsReference.js";

const docPath = new URL("../../docs/metrics.md", import.meta.url);
const expected = renderMetricsReference([
  { title: "Controller (`swarmvol controller`, every replica, at the API's `GET /metrics`)", definitions: controllerMetricDefinitions },
  { title: "Agent (`swarmvol agent --metrics-listen`, and `swarmvol all-in-one` at its API's `GET /metrics`)", definitions: agentMetricDefinitions },
]);

describe("docs/metrics.md", () => {
  it("lists every declared metric, exactly as declared", () => {
    let doc = readFileSync(docPath, "utf8");
    const found = referenceIn(doc);
    if (process.env.SWARMVOL_WRITE_METRICS_DOC === "1" && found !== undefined && found !== expected) {
      doc = doc.replace(found, expected);
      writeFileSync(docPath, doc);
    }
    expect(referenceIn(doc), "docs/metrics.md's reference is stale: run SWARMVOL_WRITE_METRICS_DOC=1 npx vitest run test/unit/metricsDoc.test.ts").toBe(expected);
  });

  it("the example alert rules only use metrics that exist", () => {
    const alerts = readFileSync(new URL("../../docs/alerts.yml", import.meta.url), "utf8");
    const declared = new Set<string>([...Object.values(controllerMetricDefinitions), ...Object.values(agentMetricDefinitions)].map((d) => d.name));
    const used = [...alerts.matchAll(/\b(swarmvol_[a-z_]+?)(?:_bucket|_count|_sum)?\b/g)].map((m) => m[1] as string);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !declared.has(name))).toEqual([]);
  });
});
