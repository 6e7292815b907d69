/**
 * An operator's move of a volume to a node (`POST /v1/volumes/{name}/move`, `swarmvol
 * move`), decided purely (ADR 0023): whether it may start, what it must change in Swarm
 * first, and whether the controller still wants the volume on the target afterwards.
 *
 * A move is a *hold*: for a bounded time the controller wants the volume on the target,
 * as if a claim were there, and the reconciler moves it as it moves any volume (release or
 * fence, detach, attach, grant). The hold ranks below Swarm's tasks and above agents'
 * claims (core/placement.ts chooseTarget), and ends when a task takes the volume over on
 * the target, when a workload that was not there at the request wants it elsewhere, or at
 * its bound; after that the usual rules (idle detach) apply again.
 *
 * Refusals name the fix: a volume a Swarm task uses on another node moves only with its
 * service (the operator's `docker service update --constraint-add`, or `withService`).
 */
import { conflict, inUse, invalidArgument, notFound, quoted, type SwarmvolError } from "./errors.js";
import type { CloudVolume } from "./cloud.js";
import type { NodeView, Want } from "./placement.js";
import { constraintsFor, updateFlags, type ConstraintChange, type ConstraintTarget } from "./serviceConstraints.js";
import type { SwarmNode } from "./swarm.js";
import type { VolumeRecord } from "./volume.js";

/** A Swarm task that wants the volume (core/wants.ts), with its service. */
export interface VolumeUser {
  taskId: string;
  nodeId: string;
  serviceId: string;
  serviceName: string;
}

/** A service's placement as Swarm holds it (its spec's Version.Index for the compare-and-swap). */
export interface ServicePlacement {
  id: string;
  name: string;
  version: number;
  constraints: readonly string[];
}

export interface MoveInput {
  volume: VolumeRecord;
  /** The target as the operator gave it: a Swarm node id or a hostname. */
  to: string;
  withService: boolean;
  /** Every node the leader knows (NodeRegistry.views). */
  nodes: readonly NodeView[];
  /** The target's Swarm node (availability, role, labels), when Swarm lists it. */
  swarmNode: (nodeId: string) => SwarmNode | undefined;
  users: readonly VolumeUser[];
  /** The services of users on other nodes, as read from Swarm (missing: gone since). */
  services: readonly ServicePlacement[];
  /** Nodes whose agent reports the volume mounted under a live lease. */
  mountedOn: readonly string[];
  now: number;
}

/** A service to re-pin before the hold is placed. */
export interface ServiceUpdate {
  service: ServicePlacement;
  change: ConstraintChange;
}

export type MoveDecision =
  | { kind: "refused"; error: SwarmvolError }
  | { kind: "accepted"; target: NodeView; updates: ServiceUpdate[] };

const refused = (error: SwarmvolError): MoveDecision => ({ kind: "refused", error });

/** A node by its Swarm id, else by its hostname when exactly one node has it. */
export function resolveTarget(nodes: readonly NodeView[], given: string): NodeView | SwarmvolError {
  const byId = nodes.find((node) => node.nodeId === given);
  if (byId) return byId;
  const byName = nodes.filter((node) => node.hostname === given);
  if (byName.length === 1 && byName[0]) return byName[0];
  if (byName.length > 1) {
    return invalidArgument(`hostname ${quoted(given)} names ${byName.length} nodes (${byName.map((node) => node.nodeId).join(", ")}); give the node id`);
  }
  return notFound(`no node ${quoted(given)} known to the controller (by id or hostname); \`swarmvol nodes\` lists them`, { node: given.slice(0, 128) });
}

/** Why the target cannot take a volume now, or undefined when it can. */
function targetProblem(node: NodeView, now: number): SwarmvolError | undefined {
  const host = node.hostname;
  const elsewhere = "; choose another node (`swarmvol nodes` shows which are live)";
  if (node.operatorFenced) return conflict(`node ${host} is fenced by an operator: nothing moves onto it; take the fence back with \`swarmvol unfence ${node.nodeId}\`${elsewhere}`);
  if (node.powerFence) return conflict(`node ${host} is being power-fenced (its lease lapsed)${elsewhere}`);
  if (node.swarmState !== "ready") return conflict(`node ${host} is ${node.swarmState} in Swarm${elsewhere}`);
  if (node.leaseExpiresAt === undefined) {
    return conflict(`no swarmvol agent has reported from node ${host}: start \`swarmvol agent\` there (it needs the plugin to mount the volume)${elsewhere}`);
  }
  if (node.leaseExpiresAt <= now) return conflict(`the lease of node ${host} lapsed: its agent is not renewing it${elsewhere}`);
  if (node.instanceId === undefined || node.zone === undefined) return conflict(`node ${host} has not reported its instance and zone yet; retry in a few seconds`);
  return undefined;
}

/** An EBS volume lives in one availability zone and attaches only to instances there. */
function zoneProblem(volume: VolumeRecord, node: NodeView): SwarmvolError | undefined {
  const zone = volume.status.zone;
  if (volume.spec.backend !== "ebs" || zone === undefined || node.zone === undefined || zone === node.zone) return undefined;
  return conflict(`volume ${volume.spec.name} is an EBS volume in ${zone} and node ${node.hostname} is in ${node.zone}: `
    + `an EBS volume attaches only in its own zone; choose a node in ${zone} (\`swarmvol nodes\` shows each node's zone)`);
}

/** The fix for a volume a task uses elsewhere: what to run, per service. */
function serviceFix(input: MoveInput, target: NodeView, users: readonly VolumeUser[]): SwarmvolError {
  const volume = input.volume.spec.name;
  const names = [...new Set(users.map((user) => user.serviceName))];
  const where: ConstraintTarget = input.swarmNode(target.nodeId) ?? { id: target.nodeId, hostname: target.hostname, role: "worker", labels: {} };
  const commands = names.map((name) => {
    const service = input.services.find((found) => found.name === name);
    const flags = service ? updateFlags(constraintsFor(service.constraints, where)) : `--constraint-add node.hostname==${target.hostname}`;
    return `\`docker service update ${flags} ${name}\``;
  });
  const nodes = [...new Set(users.map((user) => input.nodes.find((node) => node.nodeId === user.nodeId)?.hostname ?? user.nodeId))].join(", ");
  return conflict(`volume ${volume} is used by Swarm service ${names.join(", ")} on node ${nodes}, which would start it again there: `
    + `move the service and swarmvol follows its task (${commands.join("; ")}), or let swarmvol update the service: `
    + `\`swarmvol move ${volume} --to ${target.hostname} --with-service\``, { services: names.join(",") });
}

/** The service updates a `withService` move makes, or why it cannot. */
function planUpdates(input: MoveInput, target: NodeView, users: readonly VolumeUser[]): ServiceUpdate[] | SwarmvolError {
  const swarmNode = input.swarmNode(target.nodeId);
  if (!swarmNode) return conflict(`node ${target.hostname} is not in Swarm's node list; Swarm cannot place a task there`);
  if (swarmNode.availability !== "active") {
    return conflict(`node ${target.hostname} is ${swarmNode.availability === "drain" ? "drained" : "paused"} in Swarm: it takes no new task; `
      + `\`docker node update --availability active ${target.hostname}\` first, or choose another node`);
  }
  const updates: ServiceUpdate[] = [];
  for (const serviceId of new Set(users.map((user) => user.serviceId))) {
    const service = input.services.find((found) => found.id === serviceId);
    if (!service) continue;
    const change = constraintsFor(service.constraints, swarmNode);
    if (change.unmet.length > 0) {
      return conflict(`service ${service.name} has placement constraint ${change.unmet.join(", ")}, which node ${target.hostname} does not meet: `
        + `Swarm could not start its task there; change it with \`docker service update --constraint-rm ${change.unmet[0] ?? ""} ${service.name}\` or choose another node`);
    }
    updates.push({ service, change });
  }
  return updates;
}

/**
 * Whether the move may start: the volume ready, the target known, live and in the
 * volume's zone, and the volume free to go (no task elsewhere unless `withService`, no
 * plain container mounting it elsewhere).
 */
export function decideMove(input: MoveInput): MoveDecision {
  const { volume, now } = input;
  const name = volume.spec.name;
  if (volume.status.phase !== "ready") return refused(conflict(`volume ${name} is still being created; retry in a few seconds`));
  const target = resolveTarget(input.nodes, input.to);
  if (!("nodeId" in target)) return refused(target);
  const problem = targetProblem(target, now) ?? zoneProblem(volume, target);
  if (problem) return refused(problem);
  const elsewhere = input.users.filter((user) => user.nodeId !== target.nodeId);
  const plain = input.mountedOn.filter((nodeId) => nodeId !== target.nodeId && !elsewhere.some((user) => user.nodeId === nodeId));
  if (plain.length > 0) {
    const hosts = plain.map((nodeId) => input.nodes.find((node) => node.nodeId === nodeId)?.hostname ?? nodeId);
    return refused(inUse(`volume ${name} is mounted on node ${hosts.join(", ")} by a container that is not a Swarm task (a docker run): `
      + `stop it there first (\`docker ps --filter volume=${name}\` on that node finds it)`, { nodes: plain.join(",") }));
  }
  if (elsewhere.length === 0) return { kind: "accepted", target, updates: [] };
  if (!input.withService) return refused(serviceFix(input, target, elsewhere));
  const updates = planUpdates(input, target, elsewhere);
  return Array.isArray(updates) ? { kind: "accepted", target, updates } : refused(updates);
}

/** How a hold ended. */
export type HoldEnd = "taken-over" | "superseded" | "lapsed" | "replaced";

/** The controller's want of a volume on the move's target, for a bounded time. */
export interface MoveHold {
  id: string;
  volume: string;
  nodeId: string;
  hostname: string;
  /** The holder when the move was asked for. */
  fromNode?: string;
  /** The target's instance at the request (holds stored before it lack it). */
  toInstance?: string;
  /** The volume's epoch at the request: an attach for this move raises it above (holds stored before it lack it). */
  fromEpoch?: number;
  requestedAt: number;
  until: number;
  withService: boolean;
  /** The wants (task ids, `claim:<node>`) there at the request: the tasks a withService move follows are among them. */
  before: readonly string[];
  /** Services re-pinned for this move. */
  services: ReadonlyArray<{ id: string; name: string; added?: string; removed: readonly string[] }>;
  /**
   * When the volume reached the target (granted there, or found attached there by a new
   * leader, {@link moveArrived}). Stored with the hold, because a grant is not: a leader
   * that takes over after the bound still answers how the move went.
   */
  arrivedAt?: number;
  ended?: { reason: HoldEnd; at: number; message: string };
}

/**
 * Whether a write of the same move adds a fact the stored hold lacks (MoveHoldStore.putMoveHold): its arrival or its
 * end. Nothing changes once the stored hold has ended (its end is written once).
 */
export function addsToStored(stored: MoveHold, hold: MoveHold): boolean {
  if (stored.ended) return false;
  return hold.ended !== undefined || (hold.arrivedAt !== undefined && stored.arrivedAt === undefined);
}

/** The hold's want, ranked by chooseTarget between tasks and claims. */
export function holdWant(hold: MoveHold): Want {
  return { nodeId: hold.nodeId, source: "move", since: hold.requestedAt, ref: `move:${hold.id}` };
}

/** Why a standing hold ends now given the volume's other wants, or undefined while it stands. */
export function holdEnding(hold: MoveHold, wants: readonly Want[], now: number): { reason: HoldEnd; message: string } | undefined {
  const task = wants.find((want) => want.source === "task" && want.nodeId === hold.nodeId);
  if (task) return { reason: "taken-over", message: `Swarm task ${task.ref} on ${hold.hostname} wants the volume there now` };
  const newcomer = wants.find((want) => want.nodeId !== hold.nodeId && !hold.before.includes(want.ref));
  if (newcomer) {
    const who = newcomer.source === "task" ? `Swarm task ${newcomer.ref}` : "a container";
    return { reason: "superseded", message: `${who} on node ${newcomer.nodeId} wants the volume there (the workload wins over the move)` };
  }
  if (now >= hold.until) return { reason: "lapsed", message: `the move's hold on ${hold.hostname} lapsed at its bound` };
  return undefined;
}

/** Where a move stands: `arrived` on the target, `mounted` also mounted there, `abandoned` ended first. */
export type MoveState = "moving" | "arrived" | "mounted" | "abandoned";

/**
 * Whether the cloud shows the move done, for a leader that did not see it happen: the
 * volume attached to the target's instance at an epoch above the one at the request (so
 * the attach is this move's, fenced from the old holder). The old leader's grant is not
 * durable (ADR 0010), so this is what a new leader can prove. Holds stored without the
 * target's instance or the request's epoch never prove it.
 */
export function moveArrived(hold: MoveHold, epoch: number, cloud: CloudVolume | undefined): boolean {
  if (hold.toInstance === undefined || hold.fromEpoch === undefined || cloud === undefined) return false;
  return epoch > hold.fromEpoch && cloud.attachments.some((attachment) => attachment.instanceId === hold.toInstance && attachment.state === "attached");
}

/**
 * The move's state: arrived once it reached the target (its recorded arrival, or a grant
 * to the target at the volume's epoch), whatever came after; a hold that ended before
 * that is abandoned, unless a task on the target took it over (the volume follows that task).
 */
export function moveState(hold: MoveHold, record: VolumeRecord | undefined, facts: { mountedOnTarget: boolean; wantedOnTarget: boolean }): MoveState {
  const granted = record?.status.grantedTo;
  const grantedHere = record !== undefined && granted?.nodeId === hold.nodeId && granted.epoch === record.status.epoch;
  if (grantedHere || hold.arrivedAt !== undefined) return facts.mountedOnTarget ? "mounted" : "arrived";
  if (!hold.ended) return "moving";
  return hold.ended.reason === "taken-over" && facts.wantedOnTarget ? "moving" : "abandoned";
}
