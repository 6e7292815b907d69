import { describe, expect, it } from "vitest";
import { PromControllerMetrics } from "../controller/metrics.js";
import { PromAgentMetrics } from "../plugin/metrics.js";
import { verbOf } from "../plugin/server.js";
import { parseExposition, sumOf } from "./exposition.js";

describe("prom-client registries", () => {
  it("are per instance: two controllers' registries each count their own and each has the process metrics", async () => {
    const a = new PromControllerMetrics();
    const b = new PromControllerMetrics();
    a.movePhase("t5_attached", "failover", "forced", 3);
    const [first, second] = await Promise.all([a.exposition.render(), b.exposition.render()]).then((texts) => texts.map(parseExposition));
    expect(sumOf(first!, "swarmvol_move_phase_seconds_count", { phase: "t5_attached", kind: "failover", mode: "forced" })).toBe(1);
    expect(sumOf(second!, "swarmvol_move_phase_seconds_count")).toBe(0);
    expect(first!.types.get("process_cpu_user_seconds_total")).toBe("counter");
    expect(second!.types.get("nodejs_eventloop_lag_seconds")).toBe("gauge");
    expect(a.exposition.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it("reads leadership, node leases and backend requests at scrape time", async () => {
    const metrics = new PromControllerMetrics({ defaultMetrics: false });
    let leading = false;
    metrics.leadership(() => ({ replica: "m1-7", leading, transitions: 4 }));
    metrics.backendRequests(() => ({ AttachVolume: 3, DescribeVolumes: 0 }));
    const stop = metrics.nodeLeases(() => ({ live: 2, unheard: 1, lapsed: 0, fenced: 1 }));
    const read = async () => parseExposition(await metrics.exposition.render());
    expect(sumOf(await read(), "swarmvol_leader", { replica: "m1-7" })).toBe(0);
    leading = true;
    const now = await read();
    expect(sumOf(now, "swarmvol_leader", { replica: "m1-7" })).toBe(1);
    expect(sumOf(now, "swarmvol_leader_term")).toBe(4);
    expect(sumOf(now, "swarmvol_backend_requests_total", { action: "AttachVolume" })).toBe(3);
    expect(sumOf(now, "swarmvol_node_leases", { state: "fenced" })).toBe(1);
    stop();
    expect((await read()).samples.filter((s) => s.name === "swarmvol_node_leases")).toEqual([]);
  });

  it("agent: plugin requests by verb and result, Mount timed, renewals and self-fences counted", async () => {
    const metrics = new PromAgentMetrics({ defaultMetrics: false });
    metrics.pluginRequest("Mount", "ok", 0.4);
    metrics.pluginRequest("Mount", "UNAVAILABLE", 30);
    metrics.pluginRequest("Get", "NOT_FOUND", 0.001);
    metrics.leaseRenewal(true);
    metrics.leaseRenewal(false);
    metrics.selfFence("lapsed", 2);
    const read = parseExposition(await metrics.exposition.render());
    expect(sumOf(read, "swarmvol_agent_plugin_requests_total", { verb: "Mount" })).toBe(2);
    expect(sumOf(read, "swarmvol_agent_plugin_requests_total", { verb: "Get", result: "NOT_FOUND" })).toBe(1);
    expect(sumOf(read, "swarmvol_agent_mount_seconds_count")).toBe(2);
    expect(sumOf(read, "swarmvol_agent_mount_seconds_bucket", { result: "ok", le: "0.5" })).toBe(1);
    expect(sumOf(read, "swarmvol_agent_lease_renewals_total", { result: "failed" })).toBe(1);
    expect(sumOf(read, "swarmvol_agent_self_fences_total", { reason: "lapsed" })).toBe(1);
    expect(sumOf(read, "swarmvol_agent_fenced_volumes_total", { reason: "lapsed" })).toBe(2);
  });

  it("names a plugin verb by its path, and every other path `unknown` (bounded label values)", () => {
    expect(verbOf("/VolumeDriver.Mount")).toBe("Mount");
    expect(verbOf("/Plugin.Activate")).toBe("Activate");
    expect(verbOf("/VolumeDriver.Nope")).toBe("unknown");
    expect(verbOf("/etc/passwd")).toBe("unknown");
  });
});
