/**
 * The lab's swarmvol controller replicas: one `swarmvol controller` per manager, each
 * started with `nsenter -t <manager PID 1> -n -m -u -p`, so it lives in its manager's
 * network, mount and PID namespaces, listens on that manager's address:7750 and keeps its
 * state dir and log under that node's dir. Killing a manager kills its replica with it, as
 * a controller hosted on a manager machine would die. Drills kill one replica alone with
 * {@link killController} (by default the leader; SIGKILL for a crash, SIGTERM for a
 * graceful stop) and bring replicas back with {@link startController}.
 *
 * With one manager this is exactly the single controller of before: one replica on node1.
 */
import { mkdir } from "node:fs/promises";
import type { Clock } from "../../core/ports.js";
import { notFound, timeout, unavailable } from "../../core/errors.js";
import { systemClock } from "../cloud/clock.js";
import { hostSpawner, listProcesses, signal, type DetachedSpawner } from "./host.js";
import { isNodePid1, isRunning, nodeExecArgs } from "./node.js";
import { requireState, writeState, type LabState, type NodeState, type SwarmvolState } from "./state.js";
import { waitForHealth } from "./swarmvolCloud.js";
import { controllerArgv, controllerHosts, controllerUrl, nodeSwarmvolPaths, repoArtifacts } from "./swarmvolPlan.js";
import { leaderReplica } from "./swarmvolReplicas.js";

export interface ControllerDeps {
  spawner: DetachedSpawner;
  clock: Clock;
}

const realDeps: ControllerDeps = { spawner: hostSpawner, clock: systemClock };

/** The first replica's node (node1): the one `controllerUrl` of the state names. */
export function controllerHost(state: LabState): NodeState {
  const host = controllerHosts(state.nodes)[0];
  if (host === undefined) throw unavailable("the lab has no manager to host the controller", {});
  return host;
}

function requireSwarmvol(state: LabState): SwarmvolState {
  if (state.swarmvol === undefined || state.swarmvol === null) {
    throw unavailable("this lab runs without swarmvol (--bare); no controller to manage", { dir: state.options.dir });
  }
  return state.swarmvol;
}

/** The replica host called `name`; NOT_FOUND lists the managers. */
function requireReplicaHost(state: LabState, name: string): NodeState {
  const host = controllerHosts(state.nodes).find((n) => n.name === name);
  if (host === undefined) {
    throw notFound(`no controller replica runs on ${name}`, { node: name, replicas: controllerHosts(state.nodes).map((n) => n.name) });
  }
  return host;
}

/** Records a replica's launcher PID (and the first replica's in `controllerPid`, for old readers). */
function recordLauncher(state: LabState, node: NodeState, pid: number | null): void {
  const swarmvol = requireSwarmvol(state);
  swarmvol.controllers = { ...(swarmvol.controllers ?? {}), [node.name]: pid };
  if (node.name === controllerHost(state).name) swarmvol.controllerPid = pid;
}

/** The launcher PID the state holds for a replica (a pre-replica state file: `controllerPid` for node1). */
export function launcherPid(state: LabState, node: string): number | null {
  const swarmvol = requireSwarmvol(state);
  const recorded = swarmvol.controllers?.[node];
  if (recorded !== undefined) return recorded;
  return node === controllerHost(state).name ? swarmvol.controllerPid : null;
}

/**
 * Host PIDs of controller daemons (not their nsenter launchers), found by state dir:
 * those of the replica on `node`, or of every replica when `node` is left out.
 */
export async function controllerPids(state: LabState, node?: string): Promise<number[]> {
  const hosts = node === undefined ? controllerHosts(state.nodes) : [requireReplicaHost(state, node)];
  const stateDirs = hosts.map((h) => nodeSwarmvolPaths(h).controllerStateDir);
  return (await listProcesses())
    .filter((p) => p.argv[0] !== "nsenter" && p.argv.includes("controller") && stateDirs.some((d) => p.argv.includes(d)))
    .map((p) => p.pid);
}

/** Starts one replica in its manager (unless it runs) and waits for its /v1/health. */
async function launchReplica(state: LabState, host: NodeState, deps: ControllerDeps, timeoutMs: number, crashAt?: readonly string[]): Promise<void> {
  const swarmvol = requireSwarmvol(state);
  const paths = nodeSwarmvolPaths(host);
  let launcher: number | null = null;
  if ((await controllerPids(state, host.name)).length === 0) {
    if (!(await isNodePid1(host, host.pid1))) throw unavailable(`${host.name} is not running; cannot start its controller replica`, { node: host.name });
    await mkdir(paths.controllerStateDir, { recursive: true });
    const argv = controllerArgv(host, {
      labDir: state.options.dir, logLevel: swarmvol.logLevel, artifacts: repoArtifacts(), fastCloud: swarmvol.fastCloud, fenceMode: swarmvol.fenceMode ?? "self",
      ...(crashAt === undefined ? {} : { crashAt }),
    });
    launcher = deps.spawner.spawnDetached("nsenter", nodeExecArgs(host.pid1 as number, argv), paths.controllerLog);
    recordLauncher(state, host, launcher);
    await writeState(state);
  }
  // Only a launcher started here can tell "exited early"; an adopted replica is just polled.
  await waitForHealth(`the swarmvol controller on ${host.name}`, `${controllerUrl(host)}/v1/health`, launcher, paths.controllerLog, deps.clock, timeoutMs);
}

/**
 * Starts the replicas on `nodes` (default: every manager) in parallel and waits until each
 * answers GET /v1/health. Replicas already running are left alone (idempotent). UNAVAILABLE
 * when a host node is down or a replica does not become healthy (with its log's tail).
 */
export async function launchController(state: LabState, deps: ControllerDeps, timeoutMs = 30_000, nodes?: readonly string[], crashAt?: readonly string[]): Promise<void> {
  requireSwarmvol(state);
  const hosts = nodes === undefined ? controllerHosts(state.nodes) : nodes.map((n) => requireReplicaHost(state, n));
  await Promise.all(hosts.map((host) => launchReplica(state, host, deps, timeoutMs, crashAt)));
}

export interface StartControllerOptions extends Partial<ControllerDeps> {
  /** The replica to start; default every replica that is not running. */
  node?: string;
  /** Per replica, until its /v1/health answers. @default 30_000 */
  timeoutMs?: number;
  /** Crash points this start arms (SWARMVOL_CRASH_AT, the crash-points drill); a later start is unarmed. */
  crashAt?: readonly string[];
}

/** Starts lab replicas again (after {@link killController} or a restart of their node). */
export async function startController(dir: string, options: StartControllerOptions = {}): Promise<void> {
  const deps = { spawner: options.spawner ?? realDeps.spawner, clock: options.clock ?? realDeps.clock };
  const state = await requireState(dir);
  await launchController(state, deps, options.timeoutMs, options.node === undefined ? undefined : [options.node], options.crashAt);
}

export interface KillControllerOptions {
  /** The replica to stop; default the one whose /v1/health says it leads. */
  node?: string;
  /** SIGKILL (a crash, the default) or SIGTERM (a graceful stop: handover). */
  signal?: "SIGKILL" | "SIGTERM";
  clock?: Clock;
  /** How long to wait for the processes to be gone. @default 5 s for SIGKILL, 30 s for SIGTERM */
  timeoutMs?: number;
}

/** Which replica was stopped, and when the signal went out (clock ms). */
export interface KilledController {
  node: string;
  signalledAt: number;
}

/**
 * Signals one replica's daemon alone (its node keeps running) and resolves once it and its
 * launcher are gone. Without `node` it stops the leader (UNAVAILABLE when no replica
 * leads; a lab with one replica stops that one without asking). Stopping a replica that is not running is a no-op; TIMEOUT if it outlives the wait.
 */
export async function killController(dir: string, options: KillControllerOptions = {}): Promise<KilledController> {
  const clock = options.clock ?? realDeps.clock;
  const sig = options.signal ?? "SIGKILL";
  const state = await requireState(dir);
  requireSwarmvol(state);
  const hosts = controllerHosts(state.nodes);
  // One replica is the controller, whatever it answers (it may be hung: that is when drills kill it).
  const node = options.node ?? (hosts.length === 1 ? hosts[0]?.name : (await leaderReplica(state))?.node);
  if (node === undefined) throw unavailable("no controller replica says it leads; name the replica to stop", { dir });
  const host = requireReplicaHost(state, node);
  const pids = await controllerPids(state, host.name);
  const signalledAt = clock.now();
  for (const pid of pids) signal(pid, sig);
  const deadline = signalledAt + (options.timeoutMs ?? (sig === "SIGKILL" ? 5_000 : 30_000));
  for (const pid of [...pids, launcherPid(state, host.name)]) {
    while (await isRunning(pid)) {
      if (clock.now() > deadline) throw timeout(`the controller replica on ${host.name} outlived ${sig}`, { node: host.name, pid });
      await clock.sleep(25);
    }
  }
  recordLauncher(state, host, null);
  await writeState(state);
  return { node: host.name, signalledAt };
}
