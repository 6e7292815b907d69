/**
 * A Swarm service's placement constraints as a move to another node must change them,
 * pure: the operator's `docker service update --constraint-rm … --constraint-add
 * node.hostname==<target>` (ADR 0023). A pin to a node (`node.hostname==X`, `node.id==X`)
 * is replaced by the pin to the target; every other constraint stays, and those this
 * module can evaluate against the target (`node.role`, `node.labels.*`, `!=` of the
 * target's hostname or id) are reported when the target does not meet them, since Swarm
 * would then leave the task pending forever.
 */
import type { SwarmNode } from "./swarm.js";

/** What a constraint is checked against: the target as Swarm knows it. */
export type ConstraintTarget = Pick<SwarmNode, "id" | "hostname" | "role" | "labels">;

/** A constraint split as Swarm reads it: `key==value` or `key!=value`, spaces around the operator allowed. */
interface Parsed {
  /** Lower case, but for a label's name (Swarm matches label names exactly). */
  key: string;
  equals: boolean;
  value: string;
}

function parse(constraint: string): Parsed | undefined {
  const match = /^\s*([^=!\s]+)\s*(==|!=)\s*(.*?)\s*$/.exec(constraint);
  if (!match) return undefined;
  const key = match[1] ?? "";
  const lower = key.toLowerCase();
  return { key: lower.startsWith("node.labels.") ? `node.labels.${key.slice("node.labels.".length)}` : lower, equals: match[2] === "==", value: match[3] ?? "" };
}

/** Whether the constraint pins the service to one node (by hostname or id). */
export function isNodePin(constraint: string): boolean {
  const parsed = parse(constraint);
  return parsed !== undefined && parsed.equals && (parsed.key === "node.hostname" || parsed.key === "node.id");
}

/** The pin swarmvol adds: Swarm places the service's tasks on the target only. */
export function pinTo(hostname: string): string {
  return `node.hostname==${hostname}`;
}

/** The target's value of a constraint key, or undefined when this module cannot tell. */
function valueOf(key: string, target: ConstraintTarget): string | undefined {
  if (key === "node.hostname") return target.hostname;
  if (key === "node.id") return target.id;
  if (key === "node.role") return target.role;
  if (key.startsWith("node.labels.")) {
    return target.labels[key.slice("node.labels.".length)] ?? "";
  }
  return undefined;
}

/** Whether the target meets the constraint; true when it cannot be evaluated here (engine labels, platform). */
export function meets(constraint: string, target: ConstraintTarget): boolean {
  const parsed = parse(constraint);
  if (!parsed) return true;
  const actual = valueOf(parsed.key, target);
  if (actual === undefined) return true;
  // Swarm compares values without regard to case (swarmkit's constraint.Match).
  return (actual.toLowerCase() === parsed.value.toLowerCase()) === parsed.equals;
}

/** The constraints after the move, and what changed. */
export interface ConstraintChange {
  constraints: string[];
  /** The pin added; undefined when the service was already pinned to the target. */
  added: string | undefined;
  /** Pins to other nodes taken out. */
  removed: string[];
  /** Constraints the target does not meet (the move must be refused: Swarm could not place the task). */
  unmet: string[];
}

/**
 * The service's constraints with every node pin replaced by one to the target; `unmet`
 * lists the remaining constraints the target fails.
 */
export function constraintsFor(current: readonly string[], target: ConstraintTarget): ConstraintChange {
  const pin = pinTo(target.hostname);
  const pinnedHere = current.some((constraint) => isNodePin(constraint) && meets(constraint, target));
  const removed = current.filter((constraint) => isNodePin(constraint) && !meets(constraint, target));
  const kept = current.filter((constraint) => !removed.includes(constraint));
  const unmet = kept.filter((constraint) => !isNodePin(constraint) && !meets(constraint, target));
  const added = pinnedHere ? undefined : pin;
  return { constraints: added === undefined ? kept : [...kept, added], added, removed, unmet };
}

/** `docker service update` flags an operator would type for this change. */
export function updateFlags(change: ConstraintChange): string {
  return [...change.removed.map((constraint) => `--constraint-rm ${constraint}`), ...(change.added ? [`--constraint-add ${change.added}`] : [])].join(" ");
}
