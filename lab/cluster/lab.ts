/**
 * The lab's verbs: up, down, status and node operations (kill, partition, heal, restart,
 * drain, exec). Each verb reads the state file, acts, and writes the state back, so verbs
 * can come from different processes (the CLI, a test, a drill).
 */
import { join } from "node:path";
import type { Clock, CommandResult, CommandRunner, Logger } from "../../core/ports.js";
import { silentLogger } from "../../core/ports.js";
import { alreadyExists } from "../../core/errors.js";
import { BUSYBOX_IMAGE } from "../images/busybox.js";
import { listSwarmNodes, setAvailability, waitForEngine, waitForSwarmState } from "./engine.js";
import { hostRunner, hostSpawner, type DetachedSpawner } from "./host.js";
import { assertBridgeAbsent, healLink, linkIsUp, partitionLink } from "./network.js";
import { execInNode, isNodePid1, killNode, startNode } from "./node.js";
import { resolveOptions, type LabOptions, type NodePlan } from "./plan.js";
import { buildStatus, type ControllerObservation, type LabStatus, type NodeObservation } from "./status.js";
import { findNode, readState, requireState, writeState, type LabState } from "./state.js";
import { teardown } from "./teardown.js";
import { buildLab } from "./build.js";
import { cleanUpOnFailure } from "./cleanup.js";
import { ensureHostPackages, LAB_HOST_TOOLS } from "./hostPackages.js";
import { planSwarmvol } from "./swarmvolHook.js";
import { signalAgent } from "./powerFencing.js";
import { controllerPids, launchController } from "./swarmvolController.js";
import { controllerHosts } from "./swarmvolPlan.js";
import { replicaHealth, roleOf } from "./swarmvolReplicas.js";
import { waitForPlugins } from "./swarmvolPlugins.js";

/** Every side effect the lab has, injectable for tests and drills. */
export interface LabDeps {
  runner: CommandRunner;
  spawner: DetachedSpawner;
  clock: Clock;
  logger: Logger;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(signal.reason);
      }, { once: true });
    }),
};

export function defaultLabDeps(overrides: Partial<LabDeps> = {}): LabDeps {
  return { runner: hostRunner, spawner: hostSpawner, clock: systemClock, logger: silentLogger, ...overrides };
}

/** What `up` may start inside a node before its dockerd (the swarmvol agent, later). */
export interface PreDockerd {
  argv: string[];
  /** A path inside the node (e.g. the agent's plugin socket) dockerd waits for, ≤ 30 s. */
  waitFor?: string;
}

export interface UpOptions extends LabOptions {
  /**
   * Called once per node at `up`; the result is kept in the state and rerun on restart.
   * Without `bare` it replaces the swarmvol agent, and must still serve and activate a
   * `swarmvol` volume plugin (up waits for that), e.g. a stub plugin in a test.
   */
  preDockerd?: (node: NodePlan) => PreDockerd | null;
  /** Near-zero EC2 emulator latencies instead of the AWS-like defaults (for tests). @default false */
  fastCloud?: boolean;
  /**
   * Install missing host packages with apt-get (as root) before creating anything. false:
   * fail with the exact `apt-get install` command instead. @default true
   */
  installHostPackages?: boolean;
}

export interface UpResult {
  state: LabState;
  image: string;
  /** Milliseconds per phase, and `total`. */
  timings: Record<string, number>;
}

/**
 * Brings a lab up from nothing: bridge, node namespaces, registry, one dockerd per node,
 * the swarm, the busybox image in the registry, and (unless `bare`) swarmvol.
 *
 * Before it creates anything it checks the options, that no lab is up (ALREADY_EXISTS,
 * CONFLICT for a bridge already there) and that the host tools are on PATH: missing ones
 * are installed with apt-get, or UNAVAILABLE names the exact `apt-get install` command
 * (see {@link ensureHostPackages}). A failure at any later step runs the same teardown as
 * {@link down} and rethrows the error, noting that it cleaned up (see {@link cleanUpOnFailure}).
 */
export async function up(options: UpOptions = {}, deps: LabDeps = defaultLabDeps()): Promise<UpResult> {
  const resolved = resolveOptions(options);
  if ((await readState(resolved.dir)) !== null) {
    throw alreadyExists("a lab is already up in this directory; run `swarmvol lab down` first", { dir: resolved.dir });
  }
  const swarmvol = resolved.bare ? null : planSwarmvol(resolved, { fastCloud: options.fastCloud, env: process.env });
  await ensureHostPackages(deps.runner, deps.logger, LAB_HOST_TOOLS, { install: options.installHostPackages ?? true });
  await assertBridgeAbsent(deps.runner);
  return cleanUpOnFailure(() => buildLab(options, swarmvol, deps), () => teardown(resolved.dir, deps), deps.logger, { dir: resolved.dir });
}

/** Removes everything the lab in `dir` made (also after a crash). Safe to run twice. */
export async function down(dir: string, deps: LabDeps = defaultLabDeps()): Promise<void> {
  await teardown(dir, deps);
}

/** Each replica's role (its own /v1/health) and daemon PID, for `status`. */
async function observeControllers(state: LabState): Promise<ControllerObservation[]> {
  const answers = await replicaHealth(state);
  return Promise.all(answers.map(async (a) => ({
    node: a.node, url: a.url, role: roleOf(a.health), pid: (await controllerPids(state, a.node))[0] ?? null,
  })));
}

/** The status --json document (see status.ts for the contract). */
export async function status(dir: string, deps: LabDeps = defaultLabDeps()): Promise<LabStatus> {
  const state = await requireState(dir);
  const controllers = observeControllers(state);
  const swarm = await listSwarmNodes(state).catch(() => null);
  const observed = new Map<string, NodeObservation>();
  for (const node of state.nodes) {
    const seen = swarm?.find((s) => s.ID === node.nodeId);
    observed.set(node.name, {
      running: await isNodePid1(node, node.pid1),
      linkUp: await linkIsUp(deps.runner, node),
      swarmState: seen?.Status.State ?? null,
    });
  }
  return buildStatus(state, observed, await controllers);
}

/** SIGKILL to the node's PID 1: the whole node (engine, containers, agent) dies at once. */
export async function killLabNode(dir: string, name: string, deps: LabDeps = defaultLabDeps()): Promise<void> {
  const state = await requireState(dir);
  await killNode(findNode(state, name), deps.clock);
  await writeState(state);
}

/** Cuts the node's link to the bridge; its processes keep running. */
export async function partitionLabNode(dir: string, name: string, deps: LabDeps = defaultLabDeps()): Promise<void> {
  const state = await requireState(dir);
  await partitionLink(deps.runner, findNode(state, name));
}

export async function healLabNode(dir: string, name: string, deps: LabDeps = defaultLabDeps()): Promise<void> {
  const state = await requireState(dir);
  await healLink(deps.runner, findNode(state, name));
}

/**
 * Kills the node (if running) and starts it again on the same data-root: Swarm state,
 * images and volumes persist, like a machine reboot. Resolves once dockerd answers and,
 * for a node in the swarm, once a manager reports it ready again. With swarmvol, the
 * node's agent restarts with it (it is the node's pre-dockerd program), a manager's
 * controller replica comes back (as a boot-time service would), and it resolves only
 * once Swarm lists the plugin on the node again (up to one ~20 s description refresh).
 */
export async function restartLabNode(dir: string, name: string, deps: LabDeps = defaultLabDeps()): Promise<void> {
  const state = await requireState(dir);
  const node = findNode(state, name);
  await killNode(node, deps.clock);
  const supervisor = join(dir, "node.sh");
  await startNode(node, { ...deps, supervisor, storageDriver: state.storageDriver });
  await writeState(state);
  await waitForEngine(node, deps.clock);
  if (node.nodeId !== null) await waitForSwarmState(state, node, ["ready"], deps.clock, 90_000);
  if (state.swarmvol === undefined || state.swarmvol === null) return;
  if (controllerHosts(state.nodes).some((h) => h.name === node.name)) await launchController(state, deps, 30_000, [node.name]);
  await waitForPlugins(state, [node], deps.clock);
}

/** SIGSTOP to the node's swarmvol agent alone: it neither renews its lease nor fences itself (ADR 0012). */
export async function freezeAgentLabNode(dir: string, name: string, deps: LabDeps = defaultLabDeps()): Promise<void> {
  const pids = await signalAgent(findNode(await requireState(dir), name), "SIGSTOP");
  deps.logger.info({ node: name, pids }, "lab node agent frozen");
}

/** SIGCONT to the node's swarmvol agent (none running is fine: a powered-off node has none). */
export async function thawAgentLabNode(dir: string, name: string, deps: LabDeps = defaultLabDeps()): Promise<void> {
  const pids = await signalAgent(findNode(await requireState(dir), name), "SIGCONT");
  deps.logger.info({ node: name, pids }, "lab node agent thawed");
}

/** `docker node update --availability drain` through a manager. */
export async function drainLabNode(dir: string, name: string, deps: LabDeps = defaultLabDeps()): Promise<void> {
  const state = await requireState(dir);
  await setAvailability(state, findNode(state, name), "drain");
  deps.logger.info({ node: name }, "lab node drained");
}

/** Runs `argv` inside the node's namespaces (nsenter -t <pid1> -n -m -u -p). */
export async function execLabNode(
  dir: string,
  name: string,
  argv: readonly string[],
  deps: LabDeps = defaultLabDeps(),
): Promise<CommandResult> {
  const state = await requireState(dir);
  return execInNode(deps.runner, findNode(state, name), argv);
}

export { BUSYBOX_IMAGE };
