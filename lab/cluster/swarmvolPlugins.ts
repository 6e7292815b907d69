/**
 * Waiting until Swarm knows every node has the swarmvol volume plugin. The scheduler only
 * places a task that mounts a `swarmvol` volume on a node whose description lists the
 * plugin; until then the task stays Pending with "missing plugin". dockerd lists a v1
 * plugin only once it is activated (the agent asks its own engine for GET /volumes after
 * dockerd starts), and the node's Swarm agent reports it at its next description refresh
 * (about every 20 s). So `up` is not done before every node advertises it.
 */
import type { Clock } from "../../core/ports.js";
import { timeout } from "../../core/errors.js";
import { engineFor, pollUntil, withManager } from "./engine.js";
import type { LabState, NodeState } from "./state.js";
import { nodeSwarmvolPaths, PLUGIN_NAME } from "./swarmvolPlan.js";

interface DescribedNode {
  ID: string;
  Description?: { Engine?: { Plugins?: { Type?: string; Name?: string }[] } };
}

/** Whether a node object (docker node inspect) lists the Volume plugin `name`. */
export function advertisesVolumePlugin(node: DescribedNode, name = PLUGIN_NAME): boolean {
  return (node.Description?.Engine?.Plugins ?? []).some((p) => p.Type === "Volume" && p.Name === name);
}

/**
 * Waits until the node's own engine has activated the plugin (`docker info` lists it under
 * Plugins.Volume, the same list Swarm's node description is built from). Done before the
 * node joins, its first description already carries the plugin, which saves `up` one
 * ~20 s description refresh. TIMEOUT points at the agent's log.
 */
export async function waitForLocalActivation(node: NodeState, clock: Clock, ms = 30_000): Promise<void> {
  const engine = engineFor(node, 2_000);
  try {
    await pollUntil(clock, ms, `${node.name}'s engine to activate ${PLUGIN_NAME}`, async () => {
      const info = (await engine.info()) as { Plugins?: { Volume?: string[] } };
      return (info.Plugins?.Volume ?? []).includes(PLUGIN_NAME) ? true : null;
    }, 100);
  } catch (err) {
    const log = nodeSwarmvolPaths(node).agentLog;
    throw timeout(`${node.name}'s dockerd has not activated the ${PLUGIN_NAME} plugin after ${ms / 1000} s; see ${log}`, { node: node.name, log }, err);
  }
}

/** Nodes of `nodes` whose Swarm description does not list the plugin yet (per a manager). */
export async function nodesMissingPlugin(state: LabState, nodes: readonly NodeState[]): Promise<NodeState[]> {
  const described = await withManager(state, async (engine) => (await engine.listNodes()) as DescribedNode[]);
  return nodes.filter((n) => {
    const seen = described.find((d) => d.ID === n.nodeId);
    return seen === undefined || !advertisesVolumePlugin(seen);
  });
}

/**
 * Resolves once every node in `nodes` advertises the `swarmvol` Volume plugin. TIMEOUT
 * names the nodes still missing it and where their agents log.
 */
export async function waitForPlugins(state: LabState, nodes: readonly NodeState[], clock: Clock, ms = 90_000): Promise<void> {
  let missing: NodeState[] = [...nodes];
  try {
    await pollUntil(clock, ms, "the swarmvol plugin on every node", async () => {
      missing = await nodesMissingPlugin(state, nodes);
      return missing.length === 0 ? true : null;
    }, 500);
  } catch (err) {
    const names = missing.map((n) => n.name);
    const logs = missing.map((n) => nodeSwarmvolPaths(n).agentLog);
    throw timeout(
      `Swarm does not list the ${PLUGIN_NAME} volume plugin on ${names.join(", ")} after ${ms / 1000} s ` +
        `(the agent must serve ${PLUGIN_NAME}.sock before dockerd starts and activate itself with GET /volumes); see ${logs.join(", ")}`,
      { nodes: names, logs },
      err,
    );
  }
}
