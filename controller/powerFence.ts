/**
 * Power fencing (`--fence-mode=power`, ADR 0012): before a lapsed node's volumes may be
 * force-detached, its instance is stopped, as Pacemaker's fence_aws does it: a forced
 * StopInstances, then DescribeInstances until `stopped`, bounded by a timeout.
 *
 * - **Once per node and lapse.** The reconciles of every volume the node holds ask for
 *   the same fence; the first starts it and the others share its promise. Its progress is
 *   kept in the NodeRegistry (`stopping`, then `failed` or the instance state `stopped`),
 *   where decide() sees it, until the node's next heartbeat starts a new story.
 * - **Never throws.** A failed stop or one that did not reach `stopped` in time is recorded
 *   as `failed` with its reason; decide() then holds the volume with a FenceFailed
 *   condition naming the operator's fix, and never forces a detach. The instance state is
 *   still read on later reconciles, so a stop that completes late is noticed.
 * - **Bounded, on the injected clock:** the wait polls every `pollMs` for `timeoutMs`.
 * - **Metrics in one place:** {@link PowerFencer.observe}.
 */
import { isPoweredOff, type InstancePower, type InstanceState } from "../core/cloud.js";
import { timeout, toSwarmvolError } from "../core/errors.js";
import type { ControllerMetrics } from "../core/metrics.js";
import type { Clock, Logger } from "../core/ports.js";
import type { NodeRegistry } from "./nodeRegistry.js";

export interface PowerFenceSettings {
  /** How long after the stop was sent the instance must read `stopped`. @default 120_000 */
  timeoutMs: number;
  /** Between instance reads while it is `stopping`. @default 1_000 */
  pollMs: number;
}

export const defaultPowerFenceSettings: PowerFenceSettings = { timeoutMs: 120_000, pollMs: 1_000 };

export interface PowerFencerDeps {
  power: InstancePower;
  registry: NodeRegistry;
  clock: Clock;
  logger: Logger;
  metrics: Pick<ControllerMetrics, "powerFence">;
  settings?: Partial<PowerFenceSettings>;
}

/** What one fence request names: the node, its instance, and the lease expiry that lapsed. */
export interface PowerFenceRequest {
  nodeId: string;
  instanceId: string;
  lapse: number;
}

export type PowerFenceOutcome = "stopped" | "failed";

export class PowerFencer {
  private readonly settings: PowerFenceSettings;
  /** The attempt in flight per node, with the lapse it is for. */
  private readonly inFlight = new Map<string, { lapse: number; done: Promise<PowerFenceOutcome> }>();

  constructor(private readonly deps: PowerFencerDeps) {
    this.settings = { ...defaultPowerFenceSettings, ...deps.settings };
  }

  /**
   * Stops the node's instance for this lapse and resolves once it is stopped or the attempt
   * failed (the outcome is in the registry either way). A second call for the same node and
   * lapse, while the first runs, shares it: one StopInstances per node per lapse.
   */
  fence(request: PowerFenceRequest): Promise<PowerFenceOutcome> {
    const running = this.inFlight.get(request.nodeId);
    if (running && running.lapse === request.lapse) return running.done;
    const done = this.attempt(request).finally(() => {
      if (this.inFlight.get(request.nodeId)?.done === done) this.inFlight.delete(request.nodeId);
    });
    this.inFlight.set(request.nodeId, { lapse: request.lapse, done });
    return done;
  }

  private async attempt(request: PowerFenceRequest): Promise<PowerFenceOutcome> {
    const { registry, clock, logger } = this.deps;
    const { nodeId, instanceId, lapse } = request;
    const since = clock.now();
    registry.setPowerFence(nodeId, { state: "stopping", lapse, since });
    logger.warn({ node: nodeId, instanceId, lapsedMsAgo: since - lapse }, "stopping the instance of a node whose lease lapsed (power fence)");
    try {
      const state = await this.stopAndWait(instanceId, since);
      registry.setInstanceState(instanceId, state);
      registry.setPowerFence(nodeId, undefined);
      logger.warn({ node: nodeId, instanceId, state, tookMs: clock.now() - since }, "instance stopped; its volumes may be force-detached");
      this.observe("stopped", since);
      return "stopped";
    } catch (err) {
      const error = toSwarmvolError(err);
      registry.setPowerFence(nodeId, { state: "failed", lapse, since, error: `${error.code}: ${error.message}` });
      logger.error({ node: nodeId, instanceId, code: error.code, err: error.message }, "power fence failed; the node's volumes stay until an operator fences it");
      this.observe("failed", since);
      return "failed";
    }
  }

  /** StopInstances (Force), then instance reads until powered off; TIMEOUT after `timeoutMs`. */
  private async stopAndWait(instanceId: string, since: number): Promise<InstanceState> {
    const { power, clock } = this.deps;
    let state = await power.forceStop(instanceId);
    while (!isPoweredOff(state)) {
      const left = since + this.settings.timeoutMs - clock.now();
      if (left <= 0) {
        throw timeout(`instance ${instanceId} still ${state} ${this.settings.timeoutMs} ms after a forced stop`, { instanceId, state });
      }
      await clock.sleep(Math.min(this.settings.pollMs, left));
      const [instance] = await power.describeInstances([instanceId]);
      state = instance?.state ?? state;
    }
    return state;
  }

  /** The fence's metrics, all here (one counter and one histogram, by outcome). */
  private observe(outcome: PowerFenceOutcome, since: number): void {
    this.deps.metrics.powerFence(outcome, (this.deps.clock.now() - since) / 1000);
  }
}
