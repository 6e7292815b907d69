import { accessModeOf } from "./backends.js";
import type { CloudAttachment, CloudVolume, InstanceState } from "./cloud.js";
import type { FenceMode, PowerFenceView } from "./fencing.js";
import { freeFromOthers, heardLive, idle, isStuck, waiting } from "./release.js";
import { decideShared, isShared } from "./sharedPlacement.js";
import type { SwarmNodeState } from "./swarm.js";
import type { VolumeCondition, VolumeRecord } from "./volume.js";
import { relocatingCondition, relocationStep, retirement, zoneMismatch, zonePolicyOf, type RelocationAction } from "./zones.js";

/**
 * The pure heart of the controller: given what is observed about one volume, which single
 * next step moves it toward where it is wanted without ever letting two nodes write it.
 * No I/O, no clock reads: everything arrives in `PlacementInput`.
 */

/** What the controller knows of one Swarm node, merged from Swarm, agent leases and EC2. */
export interface NodeView {
  nodeId: string;
  hostname: string;
  /** From the agent's heartbeat; unknown until the agent on that node has spoken. */
  instanceId?: string;
  zone?: string;
  swarmState: SwarmNodeState | "absent";
  /** Controller-clock time at which the agent's lease lapses; undefined if never heard. */
  leaseExpiresAt?: number;
  instanceState?: InstanceState;
  /** Volumes the agent reported mounted in its last heartbeat. */
  mounted: readonly string[];
  /** An operator said this node is down for good (`swarmvol fence NODE`). */
  operatorFenced?: boolean;
  /**
   * Known only from Swarm's node labels: its agent has not reported to this leader yet, so
   * its mounts are unknown (it may mount anything) and its lease is assumed live until
   * `leaseExpiresAt` (the leader's takeover plus one ttl, ADR 0010).
   */
  unheard?: boolean;
  /** Power mode: the stop of its instance for its current or an earlier lapse (core/fencing.ts). */
  powerFence?: PowerFenceView;
}

/**
 * A node that needs the volume: a task Swarm placed there, an operator's move to it
 * (core/moves.ts, ADR 0023), or a claim by its agent.
 */
export interface Want {
  nodeId: string;
  source: "task" | "move" | "claim";
  since: number;
  ref: string;
}

export interface PlacementPolicy {
  /** Time after a lease lapses before its node counts as fenced (its agent's self-fence budget). */
  fenceGraceMs: number;
  /** How soon to look again while waiting on something outside our control. */
  pollMs: number;
  /**
   * How long a volume nobody wants stays attached where it was (a restart on the same node
   * finds it there) before it is detached to free the instance's attachment slot (an EBS
   * instance has ~27). Undefined: idle volumes stay attached.
   */
  idleDetachMs?: number;
  /** How a lapsed node is known fenced (core/fencing.ts). @default "self" */
  fenceMode?: FenceMode;
  /**
   * An attachment `attaching` or `detaching` for this long since its `since` is stuck
   * (ADR 0013), whichever leader started it: a stuck attach is detached (nobody can have
   * mounted it, a grant needs `attached`), a stuck detach is forced once its holder has
   * released the volume or is fenced, never before. Undefined: transitions are only waited on.
   */
  stuckTransitionMs?: number;
}

/** Finds node views by Swarm node id or by cloud instance id (both indexed, never scanned). */
export interface NodeLookup {
  node(nodeId: string): NodeView | undefined;
  nodeOfInstance(instanceId: string): NodeView | undefined;
}

/** A lookup over a list of views (tests, small clusters). */
export function lookupOf(views: Iterable<NodeView>): NodeLookup {
  const byId = new Map<string, NodeView>();
  const byInstance = new Map<string, NodeView>();
  for (const view of views) {
    byId.set(view.nodeId, view);
    if (view.instanceId) byInstance.set(view.instanceId, view);
  }
  return { node: (id) => byId.get(id), nodeOfInstance: (id) => byInstance.get(id) };
}

export interface PlacementInput {
  volume: VolumeRecord;
  /** The cloud volume, or undefined when it does not exist (yet, or any more). */
  cloud: CloudVolume | undefined;
  wants: readonly Want[];
  nodes: NodeLookup;
  now: number;
  policy: PlacementPolicy;
}

export type PlacementAction =
  | { kind: "createCloudVolume"; zone: string }
  | { kind: "detach"; instanceId: string; nodeId: string | undefined; force: boolean; reason: string }
  | { kind: "attach"; nodeId: string; instanceId: string; epoch: number }
  /** `shared`: a multi-writer share's grant, added to its holders beside the others' (core/sharedPlacement.ts). */
  | { kind: "grant"; nodeId: string; instanceId: string; device: string; epoch: number; shared?: true }
  /** Power fencing: stop the instance of a node whose lease lapsed at `lapse` (once per node and lapse). */
  | { kind: "powerOff"; nodeId: string; instanceId: string; lapse: number }
  /** zonePolicy=follow: snapshot, recreate in the task's zone, retire the old volume (core/zones.ts). */
  | RelocationAction;

export interface PlacementDecision {
  actions: PlacementAction[];
  /** The node the volume should be on, if any wants it. */
  target: string | undefined;
  /** Set when the volume cannot be where it is wanted yet; cleared (null) when all is well. */
  condition: Omit<VolumeCondition, "since"> | null;
  requeueAfterMs?: number;
  /** When nobody wants the volume but it is still attached: since when (kept from the record). */
  idleSince?: number;
  /** Set when the target is in another zone and the volume follows it there (zonePolicy=follow). */
  zones?: { fromZone: string; toZone: string };
}

/** Tasks first (Swarm decides where workloads run), then an operator's move, then agents' claims. */
const rankOf: Readonly<Record<Want["source"], number>> = { task: 0, move: 1, claim: 2 };

/**
 * Picks the one node a single-writer volume goes to: the holder if it still wants it, else
 * the oldest task, else an operator's move, else the oldest claim.
 */
export function chooseTarget(volume: VolumeRecord, wants: readonly Want[]): string | undefined {
  const holder = volume.status.grantedTo?.nodeId;
  if (holder !== undefined && wants.some((want) => want.nodeId === holder)) return holder;
  const ranked = [...wants].sort((a, b) =>
    rankOf[a.source] - rankOf[b.source] || a.since - b.since || a.nodeId.localeCompare(b.nodeId));
  return ranked[0]?.nodeId;
}

export { isFenced } from "./fencing.js";
export { isStuck } from "./release.js";

/**
 * The next step for one volume. A multi-writer share goes to every node that wants it
 * (core/sharedPlacement.ts); until its cloud volume exists it is made as any other, but
 * names no target (it has no one node to move to, so no move timeline starts).
 */
export function decide(input: PlacementInput): PlacementDecision {
  const { volume, cloud } = input;
  if (cloud && isShared(volume, cloud)) return decideShared({ ...input, cloud });
  const decision = decideSingle(input);
  return cloud === undefined && accessModeOf(volume.spec) === "multi-writer" ? { ...decision, target: undefined } : decision;
}

/** A single-writer volume: the one node it goes to, and the step that frees it for that node. */
function decideSingle(input: PlacementInput): PlacementDecision {
  const { volume, cloud, nodes, policy } = input;
  const target = chooseTarget(volume, input.wants);
  if (target === undefined) return idle(input);
  const node = nodes.node(target);
  if (!node?.instanceId || !node.zone) {
    return waiting(target, { reason: "NodeUnknown", message: `waiting for the swarmvol agent on node ${node?.hostname ?? target} to report its instance` }, policy.pollMs);
  }
  if (!cloud) {
    if (volume.status.backendId !== undefined) {
      return waiting(target, { reason: "CloudError", message: `cloud volume ${volume.status.backendId} is missing; restore it from a snapshot or remove the volume` }, policy.pollMs * 10);
    }
    return { actions: [{ kind: "createCloudVolume", zone: node.zone }], target, condition: null, requeueAfterMs: 0 };
  }
  if (cloud.regional !== true && cloud.zone !== node.zone) {
    if (zonePolicyOf(volume) === "follow") return relocate(input, target, node.zone, cloud);
    return waiting(target, zoneMismatch(volume.spec.name, cloud.zone, { hostname: node.hostname, zone: node.zone }), policy.pollMs * 10);
  }
  const elsewhere = cloud.attachments.filter((attachment) => attachment.instanceId !== node.instanceId);
  if (elsewhere.length > 0) return freeFromOthers(input, target, elsewhere);
  return placeOn(input, node, cloud.attachments[0]);
}

/**
 * zonePolicy=follow and the target in another zone: the old holders are let go of as in any
 * move (released, or fenced), then the volume is recreated in the target's zone, one step
 * per decision (core/zones.ts relocationStep); from there it is placed like any volume.
 */
function relocate(input: PlacementInput, target: string, toZone: string, cloud: CloudVolume): PlacementDecision {
  const zones = { fromZone: cloud.zone, toZone };
  if (cloud.attachments.length > 0) return { ...freeFromOthers(input, target, cloud.attachments), zones };
  const action = relocationStep(input.volume, cloud, toZone);
  return { actions: [action], target, condition: relocatingCondition(input.volume.spec.name, cloud.id, cloud.zone, toZone), requeueAfterMs: 0, zones };
}

/** The volume is attached nowhere else: attach to the target, then grant it. */
function placeOn(input: PlacementInput, node: NodeView, current: CloudAttachment | undefined): PlacementDecision {
  const { volume, policy } = input;
  const target = node.nodeId;
  const instanceId = node.instanceId as string;
  if (!current) {
    return { actions: [{ kind: "attach", nodeId: target, instanceId, epoch: volume.status.epoch + 1 }], target, condition: null, requeueAfterMs: 0 };
  }
  if (current.state !== "attached") {
    if (!isStuck(current, input.now, policy)) return waiting(target, null, policy.pollMs);
    // Stuck attaching: undo it (no grant, so nobody mounted it); the next pass attaches anew.
    if (current.state === "attaching") return { actions: [{ kind: "detach", instanceId, nodeId: target, force: false, reason: "stuck" }], target, condition: null, requeueAfterMs: 0 };
    return freeFromOthers(input, target, [current]);
  }
  const granted = volume.status.grantedTo;
  if (granted?.nodeId === target && granted.instanceId === instanceId && granted.epoch === volume.status.epoch) {
    // Placed: a volume a relocation left behind is retired once this one is mounted here.
    const retire = retirement(volume, heardLive(node, input.now) && node.mounted.includes(volume.spec.name));
    return { actions: retire ? [retire] : [], target, condition: null };
  }
  // A grant to a new holder must carry an epoch above any the old holder was given.
  const stale = granted !== undefined && granted.nodeId !== target && granted.epoch >= volume.status.epoch;
  const epoch = stale ? granted.epoch + 1 : Math.max(volume.status.epoch, 1);
  return { actions: [{ kind: "grant", nodeId: target, instanceId, device: current.device, epoch }], target, condition: null };
}
