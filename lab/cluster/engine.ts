/**
 * The lab's use of each node's Engine API (API 1.41, dockerd 20.10) through dockerode on
 * the node's socket: readiness, forming the swarm, asking a manager about nodes, drain.
 */
import Docker from "dockerode";
import type { Clock } from "../../core/ports.js";
import { timeout, unavailable } from "../../core/errors.js";
import { SWARM_PORT, type NodePlan } from "./plan.js";
import type { LabState, NodeState } from "./state.js";

/** A dockerode client for a node, usable from the root namespace. */
export function engineFor(node: NodePlan, timeoutMs = 30_000): Docker {
  return new Docker({ socketPath: node.paths.socket, version: "v1.41", timeout: timeoutMs });
}

/** Polls `fn` every `intervalMs` until it returns a non-null value or `ms` pass. */
export async function pollUntil<T>(
  clock: Clock,
  ms: number,
  what: string,
  fn: () => Promise<T | null>,
  intervalMs = 250,
): Promise<T> {
  const deadline = clock.now() + ms;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await fn();
      if (value !== null) return value;
    } catch (err) {
      lastError = err;
    }
    if (clock.now() >= deadline) {
      throw timeout(`timed out after ${ms} ms waiting for ${what}`, { what, ms }, lastError ?? undefined);
    }
    await clock.sleep(intervalMs);
  }
}

/** Waits until the node's dockerd answers `/_ping`. */
export async function waitForEngine(node: NodePlan, clock: Clock, ms = 60_000): Promise<void> {
  const engine = engineFor(node, 2_000);
  await pollUntil(clock, ms, `dockerd on ${node.name}`, async () => ((await engine.ping()) ? true : null), 100);
}

/** Swarm node id of a node's engine ("" when not in a swarm). */
export async function swarmNodeId(node: NodePlan): Promise<string> {
  const info = (await engineFor(node).info()) as { Swarm?: { NodeID?: string } };
  return info.Swarm?.NodeID ?? "";
}

/** `docker swarm init` on the first manager; returns the worker and manager join tokens. */
export async function initSwarm(first: NodePlan): Promise<{ worker: string; manager: string }> {
  const engine = engineFor(first);
  await engine.swarmInit({
    ListenAddr: `${first.address}:${SWARM_PORT}`,
    AdvertiseAddr: first.address,
    DataPathAddr: first.address,
  });
  const swarm = (await engine.swarmInspect()) as { JoinTokens: { Worker: string; Manager: string } };
  return { worker: swarm.JoinTokens.Worker, manager: swarm.JoinTokens.Manager };
}

export async function joinSwarm(node: NodePlan, leader: NodePlan, token: string): Promise<void> {
  await engineFor(node, 60_000).swarmJoin({
    ListenAddr: `${node.address}:${SWARM_PORT}`,
    AdvertiseAddr: node.address,
    DataPathAddr: node.address,
    RemoteAddrs: [`${leader.address}:${SWARM_PORT}`],
    JoinToken: token,
  });
}

/** The subset of a Swarm node object the lab reads. */
export interface SwarmNode {
  ID: string;
  Version: { Index: number };
  Spec: { Name?: string; Role: string; Availability: string; Labels?: Record<string, string> };
  Description?: { Hostname?: string };
  Status: { State: string; Addr?: string };
}

/**
 * Runs `fn` against the first manager that answers. Managers are tried in order; a killed
 * or partitioned-away manager is skipped. UNAVAILABLE when no manager answers.
 */
export async function withManager<T>(state: LabState, fn: (engine: Docker, node: NodeState) => Promise<T>): Promise<T> {
  const errors: string[] = [];
  for (const node of state.nodes.filter((n) => n.role === "manager")) {
    const engine = engineFor(node, 5_000);
    try {
      const info = (await engine.info()) as { Swarm?: { ControlAvailable?: boolean } };
      if (info.Swarm?.ControlAvailable !== true) throw new Error("not an active manager");
      return await fn(engine, node);
    } catch (err) {
      errors.push(`${node.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw unavailable("no lab manager answered", { errors });
}

export async function listSwarmNodes(state: LabState): Promise<SwarmNode[]> {
  return withManager(state, async (engine) => (await engine.listNodes()) as SwarmNode[]);
}

/** Sets a node's availability (active | pause | drain) through a manager. */
export async function setAvailability(state: LabState, node: NodeState, availability: string): Promise<void> {
  await withManager(state, async (engine) => {
    const target = engine.getNode(node.nodeId ?? node.name);
    const current = (await target.inspect()) as SwarmNode;
    await target.update({ _query: { version: current.Version.Index }, _body: { ...current.Spec, Availability: availability } });
  });
}

/** Waits until the manager reports `node` in one of `states` (ready, down, disconnected, unknown). */
export async function waitForSwarmState(
  state: LabState,
  node: NodeState,
  states: readonly string[],
  clock: Clock,
  ms = 60_000,
): Promise<string> {
  return pollUntil(clock, ms, `${node.name} to be ${states.join("|")}`, async () => {
    const found = (await listSwarmNodes(state)).find((n) => n.ID === node.nodeId);
    return found !== undefined && states.includes(found.Status.State) ? found.Status.State : null;
  }, 500);
}
