import type { LabState } from "../../lab/cluster/index.js";
import { dockerOn, managerOf } from "./labDocker.js";

/**
 * Where Swarm's own pipeline spent a deploy's time, in ms after `stack deploy` started,
 * for the baseline and the burst alike (so a round's note shows which stage swarmvol
 * stretched): the orchestrator created the task, the worker started its container
 * (dockerd's State.StartedAt), the worker's "running" report reached the manager (the
 * task's Status.Timestamp), and the bench's own poll of `docker service ls` saw it.
 */
export interface SwarmPipeline {
  tasksCreated: Edge;
  containersStarted: Edge;
  reportedRunning: Edge;
}

/** First and last of one stage across the deploy's tasks, in ms after the deploy. */
export interface Edge {
  first: number;
  last: number;
  count: number;
}

function edge(values: number[]): Edge {
  const finite = values.filter((value) => Number.isFinite(value));
  return { first: finite.length ? Math.min(...finite) : Number.NaN, last: finite.length ? Math.max(...finite) : Number.NaN, count: finite.length };
}

interface TaskInspect {
  CreatedAt: string;
  DesiredState: string;
  Status: { State: string; Timestamp: string; ContainerStatus?: { ContainerID?: string } };
}

async function containerStarts(state: LabState, stack: string): Promise<number[]> {
  const workers = state.nodes.filter((node) => node.role !== "manager");
  const perNode = await Promise.all(workers.map(async (node) => {
    const ids = (await dockerOn(node, ["ps", "-q", "--filter", `label=com.docker.stack.namespace=${stack}`])).split("\n").filter(Boolean);
    if (ids.length === 0) return [];
    const started = await dockerOn(node, ["inspect", "--format", "{{.State.StartedAt}}", ...ids]);
    return started.split("\n").map((line) => Date.parse(line.trim()));
  }));
  return perNode.flat();
}

/** Reads the running tasks of `stack` from the manager and their containers from the workers. */
export async function swarmPipeline(state: LabState, stack: string, startedAt: number): Promise<SwarmPipeline> {
  const ids = (await dockerOn(managerOf(state), ["stack", "ps", "-q", "--no-trunc", "--filter", "desired-state=running", stack])).split("\n").filter(Boolean);
  const tasks = ids.length ? (JSON.parse(await dockerOn(managerOf(state), ["inspect", ...ids])) as TaskInspect[]) : [];
  const running = tasks.filter((task) => task.Status.State === "running");
  const since = (time: string) => Date.parse(time) - startedAt;
  return {
    tasksCreated: edge(tasks.map((task) => since(task.CreatedAt))),
    containersStarted: edge((await containerStarts(state, stack)).map((time) => time - startedAt)),
    reportedRunning: edge(running.map((task) => since(task.Status.Timestamp))),
  };
}

/** `tasks +0.4..+3.1 s, containers +20.2..+48.0 s, running +21.0..+49.3 s` for a round's note. */
export function renderPipeline(pipeline: SwarmPipeline): string {
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const part = (label: string, value: Edge) => `${label} +${s(value.first)}..+${s(value.last)} s (${value.count})`;
  return [part("tasks", pipeline.tasksCreated), part("containers", pipeline.containersStarted), part("running", pipeline.reportedRunning)].join(", ");
}
