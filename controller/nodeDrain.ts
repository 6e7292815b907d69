/**
 * Reschedule on fence, the term's loop (ADR 0022; the decisions are core/nodeDrain.ts).
 *
 * Before this, nothing looked at a node between its lapse and Swarm's own node-down
 * detection (10-15 s): no task wanted its volumes elsewhere yet, so no reconcile ran. This
 * loop looks at every Swarm node that holds volumes:
 * - at the moment its lease lapses it asks the cloud for the instance's state (again every
 *   poll until the grace ends), so a stopped or terminated instance is fenced at once;
 * - once the node is fenced, it sets its Swarm availability to `drain` with swarmvol's
 *   labels; Swarm then replaces its tasks at once (the replacement waits to START until
 *   Swarm sees the old node down, but it is placed now, so its volume moves meanwhile);
 * - a node swarmvol drained (by this leader or an earlier one: the label says so) whose
 *   agent is heard again in this term with a live lease gets its availability back.
 *
 * It wakes at the next lapse or end of grace of a holder, at most one poll apart, and acts
 * only through the leader's gate. A failed write is logged and tried again next round.
 */
import type { CloudVolumes } from "../core/cloud.js";
import type { EventSink } from "../core/events.js";
import { activeManagers, drainRound, planDrain, planRestore, type AvailabilityPlan, type DrainCandidate } from "../core/nodeDrain.js";
import type { PlacementPolicy } from "../core/placement.js";
import type { Catalog, Clock, Logger, NodeAvailability, Timers } from "../core/ports.js";
import type { SwarmNode } from "../core/swarm.js";
import { grantsOf } from "../core/volume.js";
import type { NodeRegistry } from "./nodeRegistry.js";

export interface NodeDrainerDeps {
  registry: NodeRegistry;
  /** The informer's nodes (the same array until one changes). */
  nodes: () => readonly SwarmNode[];
  catalog: Pick<Catalog, "list">;
  cloud: Pick<CloudVolumes, "describeInstances">;
  availability: NodeAvailability;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  policy: PlacementPolicy;
  /** Written into `swarmvol.drained-by`: which replica and term drained the node. */
  marker: string;
  /** Throws unless this replica may act now (ADR 0010). */
  gate?: () => void;
  events?: EventSink;
}

export class NodeDrainer {
  private timer: unknown;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: NodeDrainerDeps) {}

  /** The first round now, then one at each next change (one poll apart at most). */
  start(): void {
    this.schedule(0);
  }

  /** No round after this one; resolves once the round under way (if any) is over. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.timers.clear(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round: ask the cloud about lapsed holders, then drain and restore; returns the ms to the next. */
  async round(): Promise<number> {
    const { policy, clock } = this.deps;
    let decided = drainRound(this.candidates(), clock.now(), policy);
    if (decided.describe.length > 0 && (await this.describe(decided.describe))) {
      decided = drainRound(this.candidates(), clock.now(), policy);
    }
    for (const nodeId of decided.drain) await this.apply(nodeId, "drain");
    for (const nodeId of decided.restore) await this.apply(nodeId, "restore");
    return decided.nextCheckMs;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.deps.timers.set(() => {
      this.timer = undefined;
      this.running = this.round().then(
        (next) => this.schedule(next),
        (err: unknown) => {
          this.deps.logger.warn({ err: (err as Error).message }, "node drain round failed");
          this.schedule(this.deps.policy.pollMs);
        },
      );
    }, ms);
  }

  /** Every Swarm node with the leader's view of it and whether it holds a volume. */
  private candidates(): DrainCandidate[] {
    const granted = new Set<string>();
    for (const record of this.deps.catalog.list()) {
      for (const grant of grantsOf(record.status)) granted.add(grant.nodeId);
    }
    return this.deps.nodes().map((swarm) => {
      const view = this.deps.registry.view(swarm.id, swarm);
      return { swarm, view, holdsVolumes: granted.has(swarm.id) || (view?.mounted.length ?? 0) > 0 };
    });
  }

  /** Asks the cloud for the instances' states; true when one reads powered off (a fence now). */
  private async describe(instanceIds: readonly string[]): Promise<boolean> {
    try {
      const instances = await this.deps.cloud.describeInstances(instanceIds);
      for (const instance of instances) this.deps.registry.setInstanceState(instance.id, instance.state);
      return instances.some((instance) => instance.state === "stopped" || instance.state === "terminated");
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message, instances: instanceIds }, "cannot read the state of lapsed nodes' instances");
      return false;
    }
  }

  /** Drains or restores one node through the gate; a failure is logged, the next round tries again. */
  private async apply(nodeId: string, kind: "drain" | "restore"): Promise<void> {
    const { availability, logger, marker } = this.deps;
    try {
      this.deps.gate?.();
      const others = activeManagers(this.deps.nodes()).filter((node) => node.id !== nodeId).length;
      const done = await availability.change(nodeId, kind === "drain" ? (node) => planDrain(node, marker, others) : planRestore);
      this.tell(nodeId, kind, done);
    } catch (err) {
      logger.warn({ node: nodeId, action: kind, err: (err as Error).message }, "could not change a node's Swarm availability");
    }
  }

  private tell(nodeId: string, kind: "drain" | "restore", done: AvailabilityPlan): void {
    const { logger, events, marker } = this.deps;
    if (done.kind === "skip") {
      logger.info({ node: nodeId, action: kind, reason: done.reason }, "left a node's Swarm availability as it is");
      return;
    }
    const availability = done.change.availability ?? null;
    if (kind === "drain") {
      logger.warn({ node: nodeId, by: marker }, "fenced node drained in Swarm: its tasks move now");
      events?.record({ type: "node.drained", node: nodeId, data: { by: marker }, message: `node ${nodeId} is fenced and holds volumes: set to drain in Swarm so its tasks move now` });
    } else {
      logger.info({ node: nodeId, availability }, "node back with a live lease: the availability swarmvol changed is restored");
      events?.record({
        type: "node.restored", node: nodeId, data: { availability },
        message: availability === null ? `node ${nodeId} is back; its availability was changed by someone else, so only swarmvol's drain labels were removed` : `node ${nodeId} is back with a live lease: availability ${availability} restored`,
      });
    }
  }
}
