import type { CloudAttachment } from "./cloud.js";
import { fenceVerdict } from "./fencing.js";
import type { NodeView, PlacementAction, PlacementDecision, PlacementInput, PlacementPolicy } from "./placement.js";

/**
 * How a placement lets go of a volume: the rules decide() and the multi-writer decision
 * (core/sharedPlacement.ts) share for detaching a holder — released by its agent under a
 * live lease, or fenced (core/fencing.ts) — for idle volumes and stuck transitions.
 * Pure, like decide(): everything arrives in `PlacementInput`.
 */

/** An `attaching` or `detaching` attachment whose known age has reached the policy's deadline. */
export function isStuck(attachment: CloudAttachment, now: number, policy: PlacementPolicy): boolean {
  if (attachment.state !== "attaching" && attachment.state !== "detaching") return false;
  const deadline = policy.stuckTransitionMs;
  return deadline !== undefined && attachment.since !== undefined && now - attachment.since >= deadline;
}

/** A node whose lease is current (heard by this leader, not expired). */
export function heardLive(node: NodeView | undefined, now: number): node is NodeView {
  return node !== undefined && !node.unheard && node.leaseExpiresAt !== undefined && now < node.leaseExpiresAt;
}

/** A node whose lease is current and whose agent says it has the volume unmounted. */
export function releasedBy(node: NodeView | undefined, volume: string, now: number): boolean {
  return heardLive(node, now) && !node.mounted.includes(volume);
}

export const waiting = (target: string | undefined, condition: PlacementDecision["condition"], requeueAfterMs: number): PlacementDecision =>
  ({ actions: [], target, condition, requeueAfterMs });

/**
 * No task and no claim wants the volume. After `policy.idleDetachMs` it is detached the way
 * a move detaches (released, or fenced and forced), and nothing else happens to it.
 */
export function idle(input: PlacementInput): PlacementDecision {
  const { volume, cloud, now, policy } = input;
  const attachments = cloud?.attachments ?? [];
  const attached = attachments.filter((attachment) => attachment.state !== "detaching");
  const idleSince = policy.idleDetachMs === undefined || attached.length === 0 ? undefined : volume.status.idleSince ?? now;
  // A detach stuck on its way out is finished whatever the idle policy says (ADR 0013).
  const stuck = attachments.filter((attachment) => attachment.state === "detaching" && isStuck(attachment, now, policy));
  if (stuck.length > 0) return { ...freeFromOthers(input, undefined, stuck, "idle"), condition: null, ...(idleSince === undefined ? {} : { idleSince }) };
  if (idleSince === undefined || policy.idleDetachMs === undefined) return { actions: [], target: undefined, condition: null };
  const left = idleSince + policy.idleDetachMs - now;
  if (left > 0) return { actions: [], target: undefined, condition: null, requeueAfterMs: left, idleSince };
  const detaching = freeFromOthers(input, undefined, attached, "idle");
  return { ...detaching, condition: null, idleSince };
}

/**
 * Detaches from every other instance, each only as the fencing rules allow (core/fencing.ts).
 * A power fence is asked for only on the way to a target: an idle volume never stops a node.
 */
export function freeFromOthers(input: PlacementInput, target: string | undefined, others: readonly CloudAttachment[], why = "released"): PlacementDecision {
  const { volume, nodes, now, policy } = input;
  const actions: PlacementAction[] = [];
  let blocked: PlacementDecision | undefined;
  for (const attachment of others) {
    const stuck = isStuck(attachment, now, policy);
    if (attachment.state === "detaching" && !stuck) continue;
    const holder = nodes.nodeOfInstance(attachment.instanceId);
    if (attachment.state !== "busy" && releasedBy(holder, volume.spec.name, now)) {
      // A released volume's stuck detach is forced (EBS's remedy): nobody has it mounted.
      const force = stuck && attachment.state === "detaching";
      actions.push({ kind: "detach", instanceId: attachment.instanceId, nodeId: holder?.nodeId, force, reason: force ? "stuck" : why });
      continue;
    }
    const verdict = fenceVerdict(holder, now, policy);
    if (verdict.kind === "fenced") {
      actions.push({ kind: "detach", instanceId: attachment.instanceId, nodeId: holder?.nodeId, force: true, reason: "fenced" });
    } else if (verdict.kind === "stop" && target !== undefined && holder !== undefined) {
      actions.push({ kind: "powerOff", nodeId: holder.nodeId, instanceId: attachment.instanceId, lapse: verdict.lapse });
    } else {
      blocked = waitingOn(input, target, holder?.hostname ?? attachment.instanceId, attachment.instanceId, verdict);
    }
  }
  if (actions.length > 0) return { actions, target, condition: null, requeueAfterMs: 0 };
  return blocked ?? waiting(target, null, policy.pollMs);
}

/** Why the volume cannot leave `holder` yet, and when to look again. */
export function waitingOn(input: PlacementInput, target: string | undefined, holder: string, instanceId: string, verdict: ReturnType<typeof fenceVerdict>): PlacementDecision {
  const { volume, policy } = input;
  const name = volume.spec.name;
  if (verdict.kind === "stopping") {
    return waiting(target, {
      reason: "Fencing",
      message: `stopping instance ${instanceId} of node ${holder} (its lease lapsed; --fence-mode=power): volume ${name} moves once it is stopped`,
    }, policy.pollMs);
  }
  if (verdict.kind === "stopFailed") {
    return waiting(target, {
      reason: "FenceFailed",
      message: `could not stop instance ${instanceId} of node ${holder}: ${verdict.error}; volume ${name} stays there. `
        + `Check by hand that the node is down (or power it off), then run \`swarmvol fence ${holder}\``,
    }, policy.pollMs * 10);
  }
  const waitMs = verdict.kind === "alive" ? verdict.waitMs : policy.pollMs;
  return waiting(target, {
    reason: "HolderAlive",
    message: `volume ${name} is in use on node ${holder}, which is alive; it moves when that node releases it or is fenced`,
  }, Math.min(Math.max(policy.pollMs, waitMs), policy.pollMs * 4));
}
