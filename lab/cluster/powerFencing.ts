/**
 * What the lab needs for power fencing drills (ADR 0012): the controller replicas' fence
 * mode (kept in the state file, so every later start of a replica uses it, and applied by
 * a rolling restart like an operator's upgrade), and freezing a node's agent alone: the
 * `frozen-agent` scenario's hung agent, which neither renews its lease nor fences itself.
 */
import type { FenceMode } from "../../core/fencing.js";
import { notFound } from "../../core/errors.js";
import { restartControllers, type RestartControllersOptions, type RolloutStep } from "./controllerRollout.js";
import { listProcesses, signal } from "./host.js";
import { requireState, writeState, type LabState, type NodeState } from "./state.js";
import { nodeSwarmvolPaths } from "./swarmvolPlan.js";

/**
 * Host PIDs of the swarmvol agent of `node` (the daemon, not its launch wrapper before its
 * exec), found by its state dir in argv.
 */
export async function agentPids(node: NodeState): Promise<number[]> {
  const stateDir = nodeSwarmvolPaths(node).agentStateDir;
  return (await listProcesses())
    .filter((p) => p.argv[0] !== "nsenter" && p.argv[0] !== "/bin/sh" && p.argv.includes("agent") && p.argv.includes(stateDir))
    .map((p) => p.pid);
}

/**
 * SIGSTOP (freeze) or SIGCONT (thaw) to the node's agent; resolves with the PIDs signalled.
 * NOT_FOUND when no agent runs there (unless thawing: a node powered off since has none).
 */
export async function signalAgent(node: NodeState, sig: "SIGSTOP" | "SIGCONT"): Promise<number[]> {
  const pids = await agentPids(node);
  if (pids.length === 0 && sig === "SIGSTOP") throw notFound(`no swarmvol agent runs on ${node.name}`, { node: node.name });
  for (const pid of pids) signal(pid, sig);
  return pids;
}

/** The fence mode the lab's replicas run with (`self` when the state file predates it). */
export function fenceModeOf(state: LabState): FenceMode {
  return state.swarmvol?.fenceMode ?? "self";
}

/**
 * Sets the replicas' `--fence-mode` and restarts them one by one (SIGTERM: a handover each)
 * so the new mode is in force when it resolves. Nothing happens when it already is.
 */
export async function setFenceMode(dir: string, mode: FenceMode, options: RestartControllersOptions = {}): Promise<RolloutStep[]> {
  const state = await requireState(dir);
  if (state.swarmvol === undefined || state.swarmvol === null) throw notFound("this lab runs without swarmvol (--bare)", { dir });
  if (fenceModeOf(state) === mode) return [];
  state.swarmvol.fenceMode = mode;
  await writeState(state);
  return restartControllers(dir, options);
}
