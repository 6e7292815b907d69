/**
 * What the drill asks Swarm, through the first lab manager that answers: the tasks of a
 * service, where its running task is, and node availability. Parsing is pure and
 * exported for tests; the rest is a thin layer over dockerode.
 */
import type { Clock } from "../../core/ports.js";
import type { LabState, NodeState } from "../cluster/index.js";
import { withManager } from "../cluster/index.js";
import type { DrillTask } from "./timeline.js";

interface RawTask {
  ID?: string;
  NodeID?: string;
  CreatedAt?: string;
  DesiredState?: string;
  Status?: { State?: string; Timestamp?: string; Err?: string };
}

/** Parses the Engine's task objects (GET /tasks) into {@link DrillTask}s. */
export function parseTasks(raw: unknown): DrillTask[] {
  if (!Array.isArray(raw)) return [];
  return (raw as RawTask[]).map((t) => ({
    id: t.ID ?? "",
    nodeId: t.NodeID === undefined || t.NodeID === "" ? null : t.NodeID,
    createdAt: Date.parse(t.CreatedAt ?? "") || 0,
    state: t.Status?.State ?? "unknown",
    desiredState: t.DesiredState ?? "unknown",
    stateAt: Date.parse(t.Status?.Timestamp ?? "") || 0,
  }));
}

/** The task that is running and meant to run (at most one for a 1-replica service), newest first. */
export function runningTask(tasks: readonly DrillTask[]): DrillTask | undefined {
  return [...tasks]
    .filter((t) => t.state === "running" && t.desiredState === "running")
    .sort((a, b) => b.createdAt - a.createdAt)[0];
}

/** The lab node a Swarm node id belongs to. */
export function labNodeById(state: LabState, nodeId: string | null): NodeState | undefined {
  return nodeId === null ? undefined : state.nodes.find((n) => n.nodeId === nodeId);
}

/** Every task of a service (all states), from a manager. */
export async function serviceTasks(state: LabState, service: string): Promise<DrillTask[]> {
  return withManager(state, async (engine) => parseTasks(await engine.listTasks({ filters: { service: [service] } })));
}

/** Where the service runs now: the running task and its lab node, or null. */
export async function locateService(state: LabState, service: string): Promise<{ task: DrillTask; node: NodeState } | null> {
  const task = runningTask(await serviceTasks(state, service));
  const node = task === undefined ? undefined : labNodeById(state, task.nodeId);
  return task === undefined || node === undefined ? null : { task, node };
}

/**
 * Sets a node's availability (active | drain) through a manager. The lab has a `drain`
 * verb but no way back, and the drill must return each node to service after a scenario.
 */
export async function setNodeAvailability(state: LabState, node: NodeState, availability: "active" | "drain"): Promise<void> {
  await withManager(state, async (engine) => {
    const target = engine.getNode(node.nodeId ?? node.name);
    const current = (await target.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
    await target.update({ _query: { version: current.Version.Index }, _body: { ...current.Spec, Availability: availability } });
  });
}

/** Waits until Swarm finished rolling the service's update (UpdateStatus completed), at most 180 s (then says so). */
export async function waitForUpdate(state: LabState, service: string, clock: Clock, note: (message: string) => void): Promise<void> {
  const deadline = clock.now() + 180_000;
  while (clock.now() < deadline) {
    const status = await withManager(state, async (engine) => {
      const info = (await engine.getService(service).inspect()) as { UpdateStatus?: { State?: string } };
      return info.UpdateStatus?.State ?? "completed";
    }).catch(() => "unknown");
    if (status === "completed") return;
    await clock.sleep(500);
  }
  note(`the update of service ${service} after --constraint-rm did not complete within 180 s`);
}

/** The `swarmvol.zone` label of every Swarm node, by node id, as a manager lists them. */
export async function nodeZoneLabels(state: LabState): Promise<Map<string, string | undefined>> {
  return withManager(state, async (engine) => {
    const nodes = (await engine.listNodes()) as Array<{ ID?: string; Spec?: { Labels?: Record<string, string> } }>;
    return new Map(nodes.map((node) => [node.ID ?? "", node.Spec?.Labels?.["swarmvol.zone"]]));
  });
}
