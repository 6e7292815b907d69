/**
 * The wire side of metrics: declarations as data, the prom-client registry built from
 * them, and the GET /metrics route. `controller/metrics.ts` and `plugin/metrics.ts` hold
 * the declarations (name, help, labels, buckets) and are, with this file, the only
 * modules allowed to import prom-client (eslint.config.js), so a metric cannot be
 * declared ad hoc at a call site. docs/metrics.md is checked against the declarations.
 *
 * Each registry is its own (never prom-client's global one), default process metrics
 * included, so a test can build several and a process's two roles never collide.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { MetricsExposition } from "../core/metrics.js";
import type { Route } from "./server.js";
import { route } from "./route.js";

export type MetricType = "counter" | "gauge" | "histogram";

/** One metric, declared once: what docs/metrics.md lists and what the registry exports. */
export interface MetricDefinition {
  name: string;
  type: MetricType;
  help: string;
  labels: readonly string[];
  /** Histograms only: upper bounds in seconds. */
  buckets?: readonly number[];
}

type Built<D extends MetricDefinition> = D["type"] extends "counter" ? Counter : D["type"] extends "gauge" ? Gauge : Histogram;
export type Families<T extends Record<string, MetricDefinition>> = { [K in keyof T]: Built<T[K]> };
/** Fills a metric just before each scrape (state that changes without an event). */
export type Collector = () => void;

/** A fresh registry with Node's default process metrics (process_*, nodejs_*) on it. */
export function newRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Builds every declared metric on `registry`; `collectors` run at each scrape of theirs. */
export function declareMetrics<T extends Record<string, MetricDefinition>>(
  registry: Registry, definitions: T, collectors: Partial<Record<keyof T, Collector>> = {},
): Families<T> {
  const families: Record<string, Counter | Gauge | Histogram> = {};
  for (const [key, definition] of Object.entries(definitions)) {
    const collector = collectors[key as keyof T];
    const config = {
      name: definition.name, help: definition.help, labelNames: [...definition.labels], registers: [registry],
      ...(collector ? { collect: collector } : {}),
    };
    families[key] = definition.type === "counter" ? new Counter(config)
      : definition.type === "gauge" ? new Gauge(config)
        : new Histogram({ ...config, ...(definition.buckets ? { buckets: [...definition.buckets] } : {}) });
  }
  return families as Families<T>;
}

/** The registry as GET /metrics serves it. */
export function expositionOf(registry: Registry): MetricsExposition {
  return { contentType: registry.contentType, render: () => registry.metrics() };
}

/** GET /metrics: public (no token) and answered by standbys too, like health. */
export function metricsRoute(exposition: MetricsExposition): Route {
  return route({
    method: "GET", path: "/metrics", access: "public", summary: "Prometheus metrics (docs/metrics.md); standbys answer too",
    answer: { status: 200, contentType: "text/plain; version=0.0.4", description: "the Prometheus text exposition" },
    handle: async () => ({ text: await exposition.render(), contentType: exposition.contentType }),
  });
}
