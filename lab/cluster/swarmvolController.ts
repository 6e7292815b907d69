/**
 * The lab's swarmvol controller: `swarmvol controller` started with
 * `nsenter -t <node1 PID 1> -n -m -u -p`, so it lives in the first manager's network, mount
 * and PID namespaces. Killing that node kills the controller with it, as a controller
 * hosted on a manager machine would die. Drills kill it alone with {@link killController}
 * (SIGKILL, e.g. in the middle of a move) and bring it back with {@link startController}.
 */
import { mkdir } from "node:fs/promises";
import type { Clock } from "../../core/ports.js";
import { unavailable } from "../../core/errors.js";
import { systemClock } from "../cloud/clock.js";
import { hostSpawner, listProcesses, signal, type DetachedSpawner } from "./host.js";
import { isNodePid1, isRunning, nodeExecArgs } from "./node.js";
import { requireState, writeState, type LabState, type NodeState, type SwarmvolState } from "./state.js";
import { waitForHealth } from "./swarmvolCloud.js";
import { controllerArgv, nodeSwarmvolPaths, repoArtifacts } from "./swarmvolPlan.js";

export interface ControllerDeps {
  spawner: DetachedSpawner;
  clock: Clock;
}

const realDeps: ControllerDeps = { spawner: hostSpawner, clock: systemClock };

/** The node the lab runs the controller on: the first manager (node1). */
export function controllerHost(state: LabState): NodeState {
  const host = state.nodes.find((n) => n.role === "manager");
  if (host === undefined) throw unavailable("the lab has no manager to host the controller", {});
  return host;
}

function requireSwarmvol(state: LabState): SwarmvolState {
  if (state.swarmvol === undefined || state.swarmvol === null) {
    throw unavailable("this lab runs without swarmvol (--bare); no controller to manage", { dir: state.options.dir });
  }
  return state.swarmvol;
}

/** Host PIDs of the controller daemon itself (not its nsenter launcher), found by its state dir. */
export async function controllerPids(state: LabState): Promise<number[]> {
  const stateDir = nodeSwarmvolPaths(controllerHost(state)).controllerStateDir;
  return (await listProcesses())
    .filter((p) => p.argv[0] !== "nsenter" && p.argv.includes("controller") && p.argv.includes(stateDir))
    .map((p) => p.pid);
}

/**
 * Starts the controller inside the host node and waits until GET /v1/health answers.
 * A controller that is already running is left alone (idempotent). UNAVAILABLE when the
 * host node is down or the controller does not become healthy (with its log's tail).
 */
export async function launchController(state: LabState, deps: ControllerDeps, timeoutMs = 30_000): Promise<void> {
  const swarmvol = requireSwarmvol(state);
  const host = controllerHost(state);
  const paths = nodeSwarmvolPaths(host);
  const healthUrl = `${swarmvol.controllerUrl}/v1/health`;
  let launcher: number | null = null;
  if ((await controllerPids(state)).length === 0) {
    if (!(await isNodePid1(host, host.pid1))) throw unavailable(`${host.name} is not running; cannot start the controller`, { node: host.name });
    await mkdir(paths.controllerStateDir, { recursive: true });
    const argv = controllerArgv(host, { labDir: state.options.dir, logLevel: swarmvol.logLevel, artifacts: repoArtifacts(), fastCloud: swarmvol.fastCloud });
    launcher = deps.spawner.spawnDetached("nsenter", nodeExecArgs(host.pid1 as number, argv), paths.controllerLog);
    swarmvol.controllerPid = launcher;
    await writeState(state);
  }
  // Only a launcher started here can tell "exited early"; an adopted controller is just polled.
  await waitForHealth("the swarmvol controller", healthUrl, launcher, paths.controllerLog, deps.clock, timeoutMs);
}

/** Starts the lab's controller again (after {@link killController} or a restart of its node). */
export async function startController(dir: string, deps: ControllerDeps = realDeps): Promise<void> {
  await launchController(await requireState(dir), deps);
}

/**
 * SIGKILL to the controller process alone (its node keeps running): the crash a drill
 * injects mid-move. Resolves once it is gone. Killing a stopped controller is a no-op.
 */
export async function killController(dir: string, deps: { clock: Clock } = realDeps): Promise<void> {
  const state = await requireState(dir);
  const swarmvol = requireSwarmvol(state);
  const pids = await controllerPids(state);
  for (const pid of pids) signal(pid, "SIGKILL");
  for (const pid of [...pids, swarmvol.controllerPid]) {
    for (let i = 0; i < 200 && (await isRunning(pid)); i++) await deps.clock.sleep(25);
  }
  swarmvol.controllerPid = null;
  await writeState(state);
}
