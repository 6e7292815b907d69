/**
 * HOOK: where a non-bare lab will start swarmvol (an agent per node, the controller on a
 * manager) once those exist. `up` calls it after the swarm is ready, unless `bare`.
 *
 * How the agents are meant to plug in: pass `preDockerd` to `up` so each node's supervisor
 * starts the agent inside the node before dockerd, with `waitFor` set to the agent's
 * socket under /run/docker/plugins (host path: `node.paths.pluginDir`), so dockerd sees
 * the plugin at start and Swarm lists it on the node without the ~20 s refresh delay.
 * The controller can be started here as a Swarm service or with `execInNode`.
 */
import type { Logger } from "../../core/ports.js";
import type { LabState } from "./state.js";

export async function startSwarmvolOnLab(state: LabState, deps: { logger: Logger }): Promise<void> {
  deps.logger.warn({ dir: state.options.dir }, "swarmvol agents and controller are not wired into the lab yet; lab is bare");
}
