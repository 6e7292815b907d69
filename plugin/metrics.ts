/**
 * Every metric the node agent (and the all-in-one daemon) exports, declared once
 * (docs/metrics.md is checked against this table), and the prom-client implementation of
 * the AgentMetrics port. The agent serves it with `--metrics-listen`; all-in-one at its
 * API's GET /metrics.
 */
import type { Registry } from "prom-client";
import type { AgentMetrics, MetricsExposition, PluginResult } from "../core/metrics.js";
import { declareMetrics, expositionOf, newRegistry, type Families, type MetricDefinition } from "../api/metrics.js";

/** Docker gives Mount 2 minutes; a device that has to be attached first takes seconds. */
const mountBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 90, 120];

export const agentMetricDefinitions = {
  pluginRequests: {
    name: "swarmvol_agent_plugin_requests_total", type: "counter", labels: ["verb", "result"],
    help: "Docker volume plugin requests by verb (Mount, Unmount, Create...) and result (ok, an error code, or PROTOCOL)",
  },
  mountDuration: {
    name: "swarmvol_agent_mount_seconds", type: "histogram", labels: ["result"], buckets: mountBuckets,
    help: "How long Docker waited for a Mount answer (claim, attach, device check and mount), by result",
  },
  leaseRenewals: {
    name: "swarmvol_agent_lease_renewals_total", type: "counter", labels: ["result"],
    help: "Heartbeats to the controller, by result (ok: the lease was renewed, failed)",
  },
  selfFences: {
    name: "swarmvol_agent_self_fences_total", type: "counter", labels: ["reason"],
    help: "Times this agent fenced its own volumes (killed their containers, unmounted), by reason (lapsed, revoked)",
  },
  fencedVolumes: {
    name: "swarmvol_agent_fenced_volumes_total", type: "counter", labels: ["reason"],
    help: "Volumes this agent fenced itself, by reason (lapsed, revoked)",
  },
} as const satisfies Record<string, MetricDefinition>;

/** The agent's metrics on a registry of their own (with the default process metrics). */
export class PromAgentMetrics implements AgentMetrics {
  readonly registry: Registry;
  readonly exposition: MetricsExposition;
  private readonly families: Families<typeof agentMetricDefinitions>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    this.registry = newRegistry(options);
    this.exposition = expositionOf(this.registry);
    this.families = declareMetrics(this.registry, agentMetricDefinitions);
  }

  pluginRequest(verb: string, result: PluginResult, seconds: number): void {
    this.families.pluginRequests.inc({ verb, result });
    if (verb === "Mount") this.families.mountDuration.observe({ result }, seconds);
  }

  leaseRenewal(ok: boolean): void {
    this.families.leaseRenewals.inc({ result: ok ? "ok" : "failed" });
  }

  selfFence(reason: "lapsed" | "revoked", volumes: number): void {
    this.families.selfFences.inc({ reason });
    if (volumes > 0) this.families.fencedVolumes.inc({ reason }, volumes);
  }
}
