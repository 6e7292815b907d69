/**
 * Public API of the lab cluster, for tests, drills, benchmarks and the CLI. Import from
 * here rather than from the individual modules: those may be reorganised.
 */
export {
  up, down, status, killLabNode, partitionLabNode, healLabNode, restartLabNode, drainLabNode, execLabNode, freezeAgentLabNode, thawAgentLabNode,
  defaultLabDeps, systemClock, BUSYBOX_IMAGE,
  type LabDeps, type UpOptions, type UpResult, type PreDockerd,
} from "./lab.js";
export { engineFor, listSwarmNodes, waitForSwarmState, withManager, pollUntil, type SwarmNode } from "./engine.js";
export { readState, requireState, findNode, type LabState, type NodeState, type SwarmvolState } from "./state.js";
export { buildStatus, renderStatusTable, type ControllerStatus, type LabStatus, type NodeStatus } from "./status.js";
export {
  BRIDGE, BRIDGE_ADDRESS, DEFAULT_LAB_DIR, REGISTRY, dockerHost, instanceIdFor, nodeAddress, planNodes, resolveOptions, zoneFor,
  type LabOptions, type NodePlan, type NodePaths, type NodeRole,
} from "./plan.js";
export { parseLabArgs, LAB_USAGE, type LabCommand } from "./args.js";
export {
  killController, startController, controllerHost, controllerPids, launcherPid,
  type KillControllerOptions, type KilledController, type StartControllerOptions,
} from "./swarmvolController.js";
export { restartControllers, type RestartControllersOptions, type RolloutStep } from "./controllerRollout.js";
export {
  controllerReplicas, fetchHealth, leaderReplica, leadersOf, replicaHealth, roleOf, waitForLeader,
  type ControllerReplica, type ReplicaHealth, type WaitForLeaderOptions,
} from "./swarmvolReplicas.js";
export { advertisesVolumePlugin, waitForPlugins } from "./swarmvolPlugins.js";
export { readTokenFile } from "./swarmvolHook.js";
export { agentPids, fenceModeOf, setFenceMode, signalAgent } from "./powerFencing.js";
export {
  CLOUD_ENDPOINT, CLOUD_PORT, CONTROLLER_PORT, FAST_CLOUD_FAULTS, PLUGIN_NAME, PLUGIN_SOCKET, REGION,
  controllerHosts, controllerList, controllerUrl, nodeSwarmvolPaths, swarmvolPaths,
} from "./swarmvolPlan.js";
export { renewalsOk, socketAnswers, startAgent, stopAgent, type AgentDeps, type StartAgentOptions } from "./swarmvolAgent.js";
