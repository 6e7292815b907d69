import { systemClock } from "../../core/clock.js";
import { pollUntil, type LabState, type NodeState } from "../../lab/cluster/index.js";
import { dockerCli } from "../../lab/drill/environment.js";
import { ProcessRunner } from "../../storage/os/commandRunner.js";

const runner = new ProcessRunner();

/** The docker CLI against one lab node (the drill's dockerCli), its output trimmed; throws with its stderr on failure. */
export async function dockerOn(node: NodeState, args: string[]): Promise<string> {
  return (await dockerCli(runner, node, args, 180_000)).trim();
}

export const managerOf = (state: LabState): NodeState => state.nodes.find((node) => node.role === "manager") as NodeState;
export const nodeNamed = (state: LabState, name: string): NodeState => state.nodes.find((node) => node.name === name) as NodeState;

export interface TaskRow {
  node: string;
  state: string;
  desired: string;
  createdAt: number;
  stateAt: number;
}

/** A service's tasks as the manager reports them (docker inspect on the task ids). */
export async function tasksOf(state: LabState, service: string): Promise<TaskRow[]> {
  const ids = (await dockerOn(managerOf(state), ["service", "ps", "-q", "--no-trunc", service])).split("\n").filter(Boolean);
  if (ids.length === 0) return [];
  const raw = JSON.parse(await dockerOn(managerOf(state), ["inspect", ...ids])) as Array<{
    NodeID?: string; CreatedAt: string; DesiredState: string; Status: { State: string; Timestamp: string };
  }>;
  const names = new Map(state.nodes.map((node) => [node.nodeId, node.name]));
  return raw.map((task) => ({
    node: names.get(task.NodeID ?? "") ?? "",
    state: task.Status.State,
    desired: task.DesiredState,
    createdAt: Date.parse(task.CreatedAt),
    stateAt: Date.parse(task.Status.Timestamp),
  }));
}

export const sleep = (ms: number) => systemClock.sleep(ms);

/** The lab's pollUntil on the wall clock, for probes that answer undefined while not there yet. */
export function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  return pollUntil(systemClock, timeoutMs, what, async () => (await probe()) ?? null, intervalMs);
}
