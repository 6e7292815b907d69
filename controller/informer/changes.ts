/**
 * Which volumes a relist made dirty: pure, so every kind of change is table-testable.
 *
 * A volume is dirty when something that decides where it must be attached moved: one of
 * its tasks appeared, disappeared, changed node or desired state, started or stopped
 * occupying its node, or changed mounts; or a node holding one of its tasks changed state,
 * availability or volume plugins (a node going down or drained is exactly when a volume
 * has to follow its task elsewhere).
 */
import { liveTaskStates, type SwarmNode, type SwarmTask } from "../../core/swarm.js";
import type { Delta } from "./cache.js";

export type DirtyReason =
  | "task-added" | "task-changed" | "task-removed"
  | "node-added" | "node-changed" | "node-removed"
  | "resync";

/** Why a volume was reported dirty (for logs and metrics; reconcile must not depend on it). */
export interface DirtyCause {
  reason: DirtyReason;
  taskId?: string;
  nodeId?: string;
}

/** Actual task states after which the task's container holds nothing. */
const finishedStates: ReadonlySet<string> = new Set(["complete", "shutdown", "failed", "rejected", "remove", "orphaned"]);

/**
 * Tasks worth caching: those Swarm wants running, and those told to stop whose container
 * may still run (it may still hold the volume, which matters for single-writer safety).
 */
export function isLiveTask(task: SwarmTask): boolean {
  return task.desiredState === "running" || !finishedStates.has(task.state);
}

const volumeNames = (task: SwarmTask): string[] => task.volumes.map((volume) => volume.source);

function sameVolumes(a: SwarmTask, b: SwarmTask): boolean {
  return JSON.stringify(a.volumes) === JSON.stringify(b.volumes);
}

/**
 * A task change matters to placement when its node, desired state or volumes change, or
 * when it starts or stops occupying its node. Steps between live states (pending →
 * assigned → … → running) change nothing a decision reads: a 50-service deploy would
 * otherwise reconcile every volume eight times.
 */
export function taskMatters(before: SwarmTask, after: SwarmTask): boolean {
  return before.nodeId !== after.nodeId || before.desiredState !== after.desiredState
    || liveTaskStates.has(before.state) !== liveTaskStates.has(after.state) || !sameVolumes(before, after);
}

export function nodeMatters(before: SwarmNode, after: SwarmNode): boolean {
  return before.state !== after.state || before.availability !== after.availability
    || before.volumePlugins.join("\n") !== after.volumePlugins.join("\n");
}

/**
 * The dirty volumes of one relist, each with its first cause, in a stable order.
 * `tasksBefore`/`tasksAfter` are the whole task caches around the relist: a node change
 * dirties the volumes of tasks that were on the node before or are on it now.
 */
export function dirtyVolumes(
  tasks: Delta<SwarmTask>,
  nodes: Delta<SwarmNode>,
  tasksBefore: Iterable<SwarmTask>,
  tasksAfter: Iterable<SwarmTask>,
): Map<string, DirtyCause> {
  const dirty = new Map<string, DirtyCause>();
  const mark = (names: Iterable<string>, cause: DirtyCause) => {
    for (const name of names) if (!dirty.has(name)) dirty.set(name, cause);
  };
  for (const task of tasks.added) mark(volumeNames(task), { reason: "task-added", taskId: task.id });
  for (const { before, after } of tasks.updated) {
    if (taskMatters(before, after)) mark([...volumeNames(before), ...volumeNames(after)], { reason: "task-changed", taskId: after.id });
  }
  for (const task of tasks.deleted) mark(volumeNames(task), { reason: "task-removed", taskId: task.id });

  const changedNodes = new Map<string, DirtyCause>();
  for (const node of nodes.added) changedNodes.set(node.id, { reason: "node-added", nodeId: node.id });
  for (const { after } of nodes.updated.filter(({ before, after }) => nodeMatters(before, after))) {
    changedNodes.set(after.id, { reason: "node-changed", nodeId: after.id });
  }
  for (const node of nodes.deleted) changedNodes.set(node.id, { reason: "node-removed", nodeId: node.id });
  if (changedNodes.size === 0) return dirty;
  for (const task of [...tasksBefore, ...tasksAfter]) {
    const cause = task.nodeId === undefined ? undefined : changedNodes.get(task.nodeId);
    if (cause) mark(volumeNames(task), cause);
  }
  return dirty;
}
