import { beforeEach, describe, expect, it } from "vitest";
import type { CloudInstance, InstancePower, InstanceState } from "../core/cloud.js";
import { conflict } from "../core/errors.js";
import { RecordingMetrics } from "../test/fakes/recordingMetrics.js";
import { silentLogger } from "../core/ports.js";
import { FakeClock } from "../test/fakes/clock.js";
import { NodeRegistry } from "./nodeRegistry.js";
import { PowerFencer } from "./powerFence.js";

/** An instance that reads `stopping` for `stoppingReads` describes after the stop, then `stopped`. */
class FakePower implements InstancePower {
  readonly calls: string[] = [];
  stoppingReads = 2;
  stopAnswer: InstanceState = "stopping";
  stopError: Error | undefined;
  async forceStop(instanceId: string): Promise<InstanceState> {
    this.calls.push(`stop ${instanceId}`);
    await Promise.resolve();
    if (this.stopError) throw this.stopError;
    return this.stopAnswer;
  }
  async describeInstances(ids: readonly string[]): Promise<CloudInstance[]> {
    this.calls.push(`describe ${ids.join(",")}`);
    const state: InstanceState = this.stoppingReads-- > 0 ? "stopping" : "stopped";
    return ids.map((id) => ({ id, zone: "z1", state }));
  }
}

let clock: FakeClock;
let power: FakePower;
let registry: NodeRegistry;
let metrics: RecordingMetrics;
let fencer: PowerFencer;
const lapse = Date.parse("2026-11-22T10:00:00.000Z") - 1_000;
const request = { nodeId: "n1", instanceId: "i-n1", lapse };
const view = () => registry.view("n1", undefined);

beforeEach(() => {
  clock = new FakeClock();
  power = new FakePower();
  registry = new NodeRegistry(clock, 6_000);
  registry.heartbeat("n1", { hostname: "node1", instanceId: "i-n1", zone: "z1", mounts: [] });
  metrics = new RecordingMetrics();
  fencer = new PowerFencer({ power, registry, clock, logger: silentLogger, metrics, settings: { timeoutMs: 10_000, pollMs: 1_000 } });
});

describe("PowerFencer", () => {
  it("stops with one forced stop, reads until stopped, and records the instance stopped", async () => {
    const done = fencer.fence(request);
    expect(view()?.powerFence).toMatchObject({ state: "stopping", lapse });
    expect(await done).toBe("stopped");
    expect(power.calls).toEqual(["stop i-n1", "describe i-n1", "describe i-n1", "describe i-n1"]);
    expect(clock.sleeps).toEqual([1_000, 1_000, 1_000]);
    expect(view()).toMatchObject({ instanceState: "stopped" });
    expect(view()?.powerFence).toBeUndefined();
    expect(metrics.powerFences.map((fence) => fence.outcome)).toEqual(["stopped"]);
  });

  it("shares one attempt between the volumes of one node and lapse", async () => {
    const [a, b] = [fencer.fence(request), fencer.fence(request)];
    expect(await Promise.all([a, b])).toEqual(["stopped", "stopped"]);
    expect(power.calls.filter((call) => call.startsWith("stop"))).toEqual(["stop i-n1"]);
  });

  it("needs no wait when the stop answers stopped (an instance already off)", async () => {
    power.stopAnswer = "stopped";
    expect(await fencer.fence(request)).toBe("stopped");
    expect(power.calls).toEqual(["stop i-n1"]);
    expect(clock.sleeps).toEqual([]);
  });

  it("gives up after the timeout on the injected clock and records why, never the instance as stopped", async () => {
    power.stoppingReads = Number.POSITIVE_INFINITY;
    expect(await fencer.fence(request)).toBe("failed");
    expect(clock.sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(10_000);
    expect(view()?.powerFence).toMatchObject({ state: "failed", lapse });
    expect(view()?.powerFence?.error).toMatch(/^TIMEOUT: instance i-n1 still stopping 10000 ms after a forced stop/);
    expect(view()?.instanceState).toBeUndefined();
    expect(metrics.powerFences.map((fence) => fence.outcome)).toEqual(["failed"]);
  });

  it("records a refused stop as failed with the cloud's reason", async () => {
    power.stopError = conflict("EC2 StopInstances (instance i-n1): This instance 'i-n1' is not in a state from which it can be stopped.");
    expect(await fencer.fence(request)).toBe("failed");
    expect(power.calls).toEqual(["stop i-n1"]);
    expect(view()?.powerFence?.error).toContain("CONFLICT: EC2 StopInstances");
  });

  it("a heartbeat ends the story: the next lapse is fenced afresh", async () => {
    power.stopError = new Error("boom");
    expect(await fencer.fence(request)).toBe("failed");
    registry.heartbeat("n1", { hostname: "node1", instanceId: "i-n1", zone: "z1", mounts: [] });
    expect(view()?.powerFence).toBeUndefined();
    power.stopError = undefined;
    expect(await fencer.fence({ ...request, lapse: lapse + 60_000 })).toBe("stopped");
    expect(power.calls.filter((call) => call.startsWith("stop"))).toHaveLength(2);
  });
});
