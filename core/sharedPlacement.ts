import { accessModeOf } from "./backends.js";
import type { CloudAttachment, CloudVolume } from "./cloud.js";
import { fenceVerdict } from "./fencing.js";
import type { NodeView, PlacementAction, PlacementDecision, PlacementInput, Want } from "./placement.js";
import { isStuck, releasedBy } from "./release.js";
import { grantOn, type VolumeRecord } from "./volume.js";

/**
 * decide() for a multi-writer share (`-o access=multi-writer` on EFS or NFS, ADR 0027):
 * several tasks on several nodes use it at once (a shared Jenkins artifact store), so it
 * is placed on every node that wants it, each holder with a grant of its own (for EFS a
 * mount target in its subnet), and no holder is ever let go of to place it elsewhere.
 *
 * What stays as for a single-writer volume, holder by holder:
 * - leases: a holder whose node is fenced (core/fencing.ts: lease lapsed and the grace
 *   passed, its instance stopped, or an operator's fence) loses its grant (a forced
 *   release), whether or not a task still wants it there, and the other holders keep
 *   theirs; a fenced node is not placed on again until its lease is live (else its grant
 *   would be given and revoked in a loop). Its agent has fenced itself by then; the
 *   heartbeat tells it to let go of a mount it no longer holds (VolumeService).
 * - idle: a holder no task or claim wants any more (none at all, or others do) is released once its agent says it
 *   has the volume unmounted and `policy.idleDetachMs` has passed (never with it
 *   undefined), as an idle volume is. One `idleSince` per volume: it starts when the first
 *   holder is no longer wanted, so a later one may be released sooner than its own delay
 *   (it has the volume unmounted either way).
 * - epochs: the holders share the volume's epoch (1 from the first placement on; later
 *   placements write the same): no holder is moved away from, so no grant supersedes
 *   another, and a catalog rebuilt from the cloud (its holders lost) finds every holder's
 *   mount at the volume's epoch, none taken for stale (VolumeService.heartbeat) before
 *   it is granted again. A revoked holder is stopped by its own self-fence (lapsed lease).
 *
 * Only a regional cloud volume (a share) is placed this way: a block volume whose options
 * say multi-writer (refused at create; only a hand-edited entry could) is single-writer.
 * The decision names no `target`: no one node is where the volume goes, so no move
 * timeline is started for it. Pure: everything arrives in `PlacementInput`.
 */

/** Whether `volume` is placed by {@link decideShared}: a multi-writer volume on a share. */
export function isShared(volume: VolumeRecord, cloud: CloudVolume): boolean {
  return cloud.regional === true && accessModeOf(volume.spec) === "multi-writer";
}

/** What one node's want or holder asks for in this decision. */
interface Step {
  actions: PlacementAction[];
  condition?: NonNullable<PlacementDecision["condition"]>;
  /** Look again after this long (a wait on something outside our control). */
  waitMs?: number;
}

const rankOf: Readonly<Record<Want["source"], number>> = { task: 0, move: 1, claim: 2 };

/** The nodes that want the volume, each once, tasks first, then moves, then claims (oldest first). */
export function wantedNodes(wants: readonly Want[]): string[] {
  const ranked = [...wants].sort((a, b) =>
    rankOf[a.source] - rankOf[b.source] || a.since - b.since || a.nodeId.localeCompare(b.nodeId));
  return [...new Set(ranked.map((want) => want.nodeId))];
}

export function decideShared(input: PlacementInput & { cloud: CloudVolume }): PlacementDecision {
  const wanted = wantedNodes(input.wants);
  const instances = new Set(wanted.map((id) => input.nodes.node(id)?.instanceId).filter((id): id is string => id !== undefined));
  const unwanted = input.cloud.attachments.filter((attachment) => !instances.has(attachment.instanceId) && attachment.state !== "detaching");
  const idleSince = input.policy.idleDetachMs === undefined || unwanted.length === 0 ? undefined : input.volume.status.idleSince ?? input.now;
  const steps = [
    ...wanted.map((nodeId) => placeFor(input, nodeId)),
    ...unwanted.map((attachment) => letGoOf(input, attachment, idleSince)),
  ];
  const actions = steps.flatMap((step) => step.actions);
  const condition = steps.find((step) => step.condition !== undefined)?.condition ?? null;
  const waits = steps.map((step) => step.waitMs).filter((ms): ms is number => ms !== undefined);
  const requeueAfterMs = actions.length > 0 ? 0 : waits.length > 0 ? Math.min(...waits) : undefined;
  return {
    actions, target: undefined, condition,
    ...(requeueAfterMs === undefined ? {} : { requeueAfterMs }),
    ...(idleSince === undefined ? {} : { idleSince }),
  };
}

/** One wanting node: placed there, then granted; a fenced one's grant revoked instead. */
function placeFor(input: PlacementInput & { cloud: CloudVolume }, nodeId: string): Step {
  const { volume, policy } = input;
  const node = input.nodes.node(nodeId);
  if (!node?.instanceId || !node.zone) {
    return { actions: [], waitMs: policy.pollMs, condition: { reason: "NodeUnknown", message: `waiting for the swarmvol agent on node ${node?.hostname ?? nodeId} to report its instance` } };
  }
  const current = input.cloud.attachments.find((attachment) => attachment.instanceId === node.instanceId);
  if (fenceVerdict(node, input.now, policy).kind === "fenced") return fenced(input, node, current);
  const epoch = Math.max(volume.status.epoch, 1);
  if (!current) return { actions: [{ kind: "attach", nodeId, instanceId: node.instanceId, epoch }] };
  if (current.state !== "attached") {
    // Stuck attaching: undo it (nobody was granted it there); the next pass places it anew.
    if (current.state === "attaching" && isStuck(current, input.now, policy)) return { actions: [{ kind: "detach", instanceId: node.instanceId, nodeId, force: false, reason: "stuck" }] };
    return { actions: [], waitMs: policy.pollMs };
  }
  const granted = grantOn(volume.status, nodeId);
  if (granted?.instanceId === node.instanceId && granted.epoch === epoch) return { actions: [] };
  return { actions: [{ kind: "grant", nodeId, instanceId: node.instanceId, device: current.device, epoch, shared: true }] };
}

/** A wanting node that is fenced: its placement is revoked, and it is placed again once its lease is live. */
function fenced(input: PlacementInput, node: NodeView, current: CloudAttachment | undefined): Step {
  const condition = {
    reason: "NodeUnknown" as const,
    message: `node ${node.hostname} is fenced (its lease lapsed): volume ${input.volume.spec.name} is placed there again once its agent renews its lease`,
  };
  const revoke: PlacementAction[] = current && current.state !== "detaching"
    ? [{ kind: "detach", instanceId: current.instanceId, nodeId: node.nodeId, force: true, reason: "fenced" }]
    : [];
  return { actions: revoke, condition, waitMs: input.policy.pollMs };
}

/** A holder no one wants: revoked when fenced, released once unmounted there and idle long enough. */
function letGoOf(input: PlacementInput, attachment: CloudAttachment, idleSince: number | undefined): Step {
  const { volume, now, policy } = input;
  const holder = input.nodes.nodeOfInstance(attachment.instanceId);
  const nodeId = holder?.nodeId;
  const verdict = fenceVerdict(holder, now, policy);
  if (verdict.kind === "fenced") return { actions: [{ kind: "detach", instanceId: attachment.instanceId, nodeId, force: true, reason: "fenced" }] };
  if (idleSince === undefined || policy.idleDetachMs === undefined) return { actions: [] };
  const left = idleSince + policy.idleDetachMs - now;
  if (left > 0) return { actions: [], waitMs: left };
  if (attachment.state !== "busy" && releasedBy(holder, volume.spec.name, now)) {
    return { actions: [{ kind: "detach", instanceId: attachment.instanceId, nodeId, force: false, reason: "idle" }] };
  }
  // Still mounted there, or its lease not live: looked at again as a single-writer holder is (release.ts waitingOn).
  const waitMs = verdict.kind === "alive" ? verdict.waitMs : policy.pollMs;
  return { actions: [], waitMs: Math.min(Math.max(policy.pollMs, waitMs), policy.pollMs * 4) };
}
