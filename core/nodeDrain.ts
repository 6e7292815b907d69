/**
 * Reschedule on fence (ADR 0022), pure: when the leader has fenced a node that holds
 * volumes, it sets the node's Swarm availability to `drain`, so Swarm moves the node's tasks
 * now instead of after its own 10-15 s node-down detection; and once the node is back with
 * a live lease, it sets back the availability it changed, if nothing else changed it.
 *
 * Two levels, both table-tested (core/nodeDrain.test.ts):
 * - {@link drainRound}: over the informer's picture, which nodes to drain, which to
 *   restore, which lapsed holders' instances to ask the cloud about, and when to look again;
 * - {@link planDrain} / {@link planRestore}: on one node as read right before the write
 *   (the NodeAvailability port reads, plans and writes by compare-and-swap on its version),
 *   the exact change, or why there is none. So an operator's change made after the
 *   informer's last list still wins.
 *
 * What swarmvol owns is marked in the node's labels: `swarmvol.drained-by` (the replica and
 * term that drained it) and `swarmvol.drained-from` (the availability it had). A node
 * without the first label was not drained by swarmvol, whatever its availability, and is
 * never restored; a node an operator set to `drain` or `pause` is never drained.
 */
import { nodeLabels } from "./clusterStore.js";
import { fenceVerdict } from "./fencing.js";
import type { NodeView, PlacementPolicy } from "./placement.js";
import type { SwarmAvailability, SwarmNode } from "./swarm.js";

/** A Swarm node's spec as the NodeAvailability port read it, right before it writes. */
export interface NodeSpecView {
  role: "manager" | "worker";
  availability: SwarmAvailability;
  labels: Readonly<Record<string, string>>;
}

/** A write to a node's spec: the availability (absent: left as it is) and labels (undefined removes one). */
export interface AvailabilityChange {
  availability?: SwarmAvailability;
  labels: Readonly<Record<string, string | undefined>>;
}

export type SkipReason =
  /** An operator (or anything but swarmvol) set the node to drain or pause: leave it. */
  | "operator-availability"
  /** swarmvol's own label is on it and it is drained already. */
  | "already-drained"
  /** Draining it would leave no manager that Swarm may schedule on. */
  | "last-active-manager"
  /** No `swarmvol.drained-by` label: swarmvol did not drain it (or an operator took the label off). */
  | "not-drained-by-swarmvol";

export type AvailabilityPlan = { kind: "write"; change: AvailabilityChange } | { kind: "skip"; reason: SkipReason };

const drainedBy = nodeLabels.drainedBy;
const drainedFrom = nodeLabels.drainedFrom;
const availabilities: readonly SwarmAvailability[] = ["active", "pause", "drain"];

/**
 * Drain `node` for swarmvol, marked with `marker`, when it is `active`: `otherActiveManagers`
 * counts the managers besides this one that are ready and active (a manager is drained only
 * while one of those remains).
 */
export function planDrain(node: NodeSpecView, marker: string, otherActiveManagers: number): AvailabilityPlan {
  if (node.availability !== "active") {
    return { kind: "skip", reason: node.availability === "drain" && node.labels[drainedBy] !== undefined ? "already-drained" : "operator-availability" };
  }
  if (node.role === "manager" && otherActiveManagers < 1) return { kind: "skip", reason: "last-active-manager" };
  return { kind: "write", change: { availability: "drain", labels: { [drainedBy]: marker, [drainedFrom]: node.availability } } };
}

/**
 * Undo swarmvol's drain: the availability it had back, only while it is still `drain` with
 * swarmvol's label on it; if someone changed the availability since, only the labels go.
 */
export function planRestore(node: NodeSpecView): AvailabilityPlan {
  if (node.labels[drainedBy] === undefined) return { kind: "skip", reason: "not-drained-by-swarmvol" };
  const labels = { [drainedBy]: undefined, [drainedFrom]: undefined };
  if (node.availability !== "drain") return { kind: "write", change: { labels } };
  const from = node.labels[drainedFrom];
  const previous = availabilities.includes(from as SwarmAvailability) && from !== "drain" ? (from as SwarmAvailability) : "active";
  return { kind: "write", change: { availability: previous, labels } };
}

/** One Swarm node as the round sees it: the informer's node, the leader's view of it, whether it holds volumes. */
export interface DrainCandidate {
  swarm: SwarmNode;
  view: NodeView | undefined;
  /** A volume is granted to it, or its agent reported one mounted. */
  holdsVolumes: boolean;
}

export interface DrainRound {
  /** Fenced holders Swarm still has ready and active: drain them. */
  drain: string[];
  /** swarmvol-drained nodes back with a live lease: restore them. */
  restore: string[];
  /** Instances of lapsed holders not fenced yet: ask the cloud (a stopped one is fenced at once). */
  describe: string[];
  /** When to look again: at the next lapse or end of grace of a holder, one poll at most. */
  nextCheckMs: number;
}

/** Whether swarmvol's drain label is on the node. */
export function drainedBySwarmvol(node: SwarmNode): boolean {
  return node.labels[drainedBy] !== undefined;
}

/** Managers Swarm may schedule on: ready and active. */
export function activeManagers(nodes: readonly SwarmNode[]): SwarmNode[] {
  return nodes.filter((node) => node.role === "manager" && node.state === "ready" && node.availability === "active");
}

/**
 * The round over every Swarm node. A node is drained only when fenced (core/fencing.ts:
 * its lease lapsed more than the grace ago, its instance is stopped or terminated, or an
 * operator fenced it), while it holds volumes and Swarm still counts it ready and active; it
 * is restored only when heard in this term with a live lease and not fenced.
 */
export function drainRound(candidates: readonly DrainCandidate[], now: number, policy: PlacementPolicy): DrainRound {
  const round: DrainRound = { drain: [], restore: [], describe: [], nextCheckMs: policy.pollMs };
  const managers = activeManagers(candidates.map((candidate) => candidate.swarm));
  for (const { swarm, view, holdsVolumes } of candidates) {
    if (view === undefined) continue;
    const fenced = fenceVerdict(view, now, policy).kind === "fenced";
    if (drainedBySwarmvol(swarm)) {
      if (!fenced && !view.unheard && view.leaseExpiresAt !== undefined && now < view.leaseExpiresAt) round.restore.push(swarm.id);
      continue;
    }
    if (!holdsVolumes) continue;
    if (fenced) {
      const others = managers.filter((manager) => manager.id !== swarm.id).length;
      if (swarm.state === "ready" && swarm.availability === "active" && (swarm.role !== "manager" || others > 0)) round.drain.push(swarm.id);
      continue;
    }
    round.nextCheckMs = Math.min(round.nextCheckMs, untilNextChange(view, now, policy));
    const lapsed = view.leaseExpiresAt !== undefined && now >= view.leaseExpiresAt;
    if (lapsed && view.instanceId !== undefined) round.describe.push(view.instanceId);
  }
  return round;
}

/** Ms until an unfenced holder's lease lapses or its grace ends (at least 1). */
function untilNextChange(view: NodeView, now: number, policy: PlacementPolicy): number {
  if (view.leaseExpiresAt === undefined) return policy.pollMs;
  const next = now < view.leaseExpiresAt ? view.leaseExpiresAt : view.leaseExpiresAt + policy.fenceGraceMs;
  return Math.max(1, next - now);
}
