import { isPoweredOff } from "./cloud.js";
import type { NodeView, PlacementPolicy } from "./placement.js";

/**
 * When may a volume be force-detached from a node that has not released it (invariant 4)?
 * Pure, like decide(): everything arrives in the node view, the time and the policy.
 *
 * Two modes (`--fence-mode`, ADR 0005 and ADR 0012):
 * - `self` (the default): a node whose lease lapsed more than the grace ago has fenced
 *   itself (its agent stops its writers and unmounts at the lapse), or is gone.
 * - `power`: the lapse alone proves nothing (an agent that is hung, SIGSTOP'd or swapped
 *   out neither renews nor fences itself), so the node's instance is stopped first, once
 *   per lapse, and only an instance confirmed `stopped` or `terminated` counts as fenced.
 *   A stop that failed or timed out never turns into a forced detach: an operator decides.
 * In both modes an operator fence (`swarmvol fence NODE`) or an instance already powered
 * off is fenced at once.
 */

export type FenceMode = "self" | "power";
export const fenceModes: readonly FenceMode[] = ["self", "power"];

/** A power fence of one node's lapse, as the controller tracks it (absent: none tried). */
export interface PowerFenceView {
  /** `stopping`: the stop was sent and the instance is not known stopped yet; `failed`: it failed or timed out. */
  state: "stopping" | "failed";
  /** The lease expiry this attempt was for: an attempt for an older lapse is stale. */
  lapse: number;
  /** Controller-clock time the stop was sent. */
  since: number;
  /** Why it failed, for the volume's condition. */
  error?: string;
}

export type FenceVerdict =
  /** Force-detaching from it is safe now. */
  | { kind: "fenced" }
  /** It may still write: look again after `waitMs`. */
  | { kind: "alive"; waitMs: number }
  /** Power mode, lease lapsed: stop its instance (no stop is under way for this lapse). */
  | { kind: "stop"; lapse: number }
  /** Power mode: the stop is under way; wait for `stopped`. */
  | { kind: "stopping"; since: number }
  /** Power mode: the stop failed or timed out; the volume stays until an operator acts. */
  | { kind: "stopFailed"; error: string };

/**
 * Self-fence mode: fenced once the lease lapsed more than the grace ago. A live lease is
 * looked at again at its lapse, not at the end of the grace: the reconcile then asks the
 * cloud for the instance's state, and a stopped one is fenced at once (ADR 0022).
 */
function selfVerdict(node: NodeView, now: number, policy: PlacementPolicy): FenceVerdict {
  if (node.leaseExpiresAt === undefined) return { kind: "alive", waitMs: policy.pollMs };
  if (now < node.leaseExpiresAt) return { kind: "alive", waitMs: node.leaseExpiresAt - now };
  const fencedAt = node.leaseExpiresAt + policy.fenceGraceMs;
  return now >= fencedAt ? { kind: "fenced" } : { kind: "alive", waitMs: fencedAt - now };
}

/** Power mode: a lapsed node is fenced only by its instance being powered off. */
function powerVerdict(node: NodeView, now: number, policy: PlacementPolicy): FenceVerdict {
  const lapse = node.leaseExpiresAt;
  if (lapse === undefined) return { kind: "alive", waitMs: policy.pollMs };
  if (now < lapse) return { kind: "alive", waitMs: Math.max(policy.pollMs, lapse - now) };
  const attempt = node.powerFence;
  if (attempt === undefined || attempt.lapse !== lapse) return { kind: "stop", lapse };
  if (attempt.state === "stopping") return { kind: "stopping", since: attempt.since };
  return { kind: "stopFailed", error: attempt.error ?? "unknown error" };
}

/**
 * The verdict on a node that holds a volume it has not released. An unknown holder (an
 * instance no node reports) is never fenced: nobody can tell it is down.
 */
export function fenceVerdict(node: NodeView | undefined, now: number, policy: PlacementPolicy): FenceVerdict {
  if (!node) return { kind: "alive", waitMs: policy.pollMs };
  if (node.operatorFenced || isPoweredOff(node.instanceState)) return { kind: "fenced" };
  return (policy.fenceMode ?? "self") === "power" ? powerVerdict(node, now, policy) : selfVerdict(node, now, policy);
}

/** Invariant 4 as a yes/no: force-detaching from this node is safe now. */
export function isFenced(node: NodeView | undefined, now: number, policy: PlacementPolicy): boolean {
  return fenceVerdict(node, now, policy).kind === "fenced";
}
