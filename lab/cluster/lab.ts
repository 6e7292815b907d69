/**
 * The lab's verbs: up, down, status and node operations (kill, partition, heal, restart,
 * drain, exec). Each verb reads the state file, acts, and writes the state back, so verbs
 * can come from different processes (the CLI, a test, a drill).
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Clock, CommandResult, CommandRunner, Logger } from "../../core/ports.js";
import { silentLogger } from "../../core/ports.js";
import { alreadyExists } from "../../core/errors.js";
import { BUSYBOX_IMAGE, publishBusybox } from "../images/busybox.js";
import { engineFor, initSwarm, joinSwarm, listSwarmNodes, setAvailability, swarmNodeId, waitForEngine, waitForSwarmState } from "./engine.js";
import { hostRunner, hostSpawner, type DetachedSpawner } from "./host.js";
import { createBridge, createNodeNetwork, healLink, linkIsUp, NETWORK_OWNER_FILE, partitionLink } from "./network.js";
import { execInNode, installSupervisor, isNodePid1, killNode, startNode } from "./node.js";
import { planNodes, REGISTRY, resolveOptions, STATE_DIR_NAMES, type LabOptions, type NodePlan, type StorageDriver } from "./plan.js";
import { startRegistry } from "./registry.js";
import { buildStatus, type ControllerObservation, type LabStatus, type NodeObservation } from "./status.js";
import { findNode, readState, requireState, STATE_VERSION, writeState, type LabState, type NodeState, type SwarmvolState } from "./state.js";
import { teardown } from "./teardown.js";
import { agentPreDockerd, planSwarmvol, startLabCloudFor, startSwarmvolOnLab, writeTokenFile } from "./swarmvolHook.js";
import { controllerPids, launchController } from "./swarmvolController.js";
import { controllerHosts } from "./swarmvolPlan.js";
import { replicaHealth, roleOf } from "./swarmvolReplicas.js";
import { waitForLocalActivation, waitForPlugins } from "./swarmvolPlugins.js";
import { probeStorageDriver } from "./storage.js";

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
}

export interface UpResult {
  state: LabState;
  image: string;
  /** Milliseconds per phase, and `total`. */
  timings: Record<string, number>;
}

function initialState(options: UpOptions, swarmvol: SwarmvolState | null, storageDriver: StorageDriver, createdHostDirs: string[]): LabState {
  const resolved = resolveOptions(options);
  const preDockerd = options.preDockerd ?? (swarmvol === null ? undefined : agentPreDockerd(resolved, swarmvol));
  const nodes: NodeState[] = planNodes(resolved).map((plan) => {
    const pre = preDockerd?.(plan) ?? null;
    return { ...plan, launcherPid: null, pid1: null, nodeId: null, preDockerd: pre?.argv ?? null, preDockerdWaitFor: pre?.waitFor ?? null };
  });
  return {
    version: STATE_VERSION,
    options: resolved,
    createdAt: new Date().toISOString(),
    storageDriver,
    registry: { address: REGISTRY, pid: null },
    createdHostDirs,
    nodes,
    cloud: { endpoint: resolved.cloudEndpoint, pid: null },
    swarmvol,
  };
}

/** Creates /dev/disk/by-id when the host lacks it (nodes bind their device dir over it). */
async function ensureHostDirs(): Promise<string[]> {
  const created: string[] = [];
  for (const dir of ["/dev/disk", "/dev/disk/by-id"]) {
    if (!existsSync(dir)) {
      await mkdir(dir);
      created.push(dir);
    }
  }
  return created;
}

async function formSwarm(state: LabState): Promise<void> {
  const [first, ...rest] = state.nodes;
  if (first === undefined) return;
  const tokens = await initSwarm(first);
  first.nodeId = await swarmNodeId(first);
  for (const node of rest.filter((n) => n.role === "manager")) {
    await joinSwarm(node, first, tokens.manager);
    node.nodeId = await swarmNodeId(node);
  }
  await Promise.all(rest.filter((n) => n.role === "worker").map(async (node) => {
    await joinSwarm(node, first, tokens.worker);
    node.nodeId = await swarmNodeId(node);
  }));
}

async function timed<T>(timings: Record<string, number>, phase: string, clock: Clock, fn: () => Promise<T>): Promise<T> {
  const start = clock.now();
  try {
    return await fn();
  } finally {
    timings[phase] = clock.now() - start;
  }
}

/**
 * Brings a lab up from nothing: bridge, node namespaces, registry, one dockerd per node,
 * the swarm, the busybox image in the registry, and (unless `bare`) swarmvol. On failure
 * everything made so far is torn down and the error is rethrown.
 */
export async function up(options: UpOptions = {}, deps: LabDeps = defaultLabDeps()): Promise<UpResult> {
  const resolved = resolveOptions(options);
  if ((await readState(resolved.dir)) !== null) {
    throw alreadyExists("a lab is already up in this directory; run `swarmvol lab down` first", { dir: resolved.dir });
  }
  const { clock } = deps;
  const timings: Record<string, number> = {};
  const start = clock.now();
  const swarmvol = resolved.bare ? null : planSwarmvol(resolved, { fastCloud: options.fastCloud, env: process.env });
  await createBridge(deps.runner);
  await writeFile(NETWORK_OWNER_FILE, resolved.dir);
  try {
    const state = await timed(timings, "prepare", clock, async () => {
      for (const name of STATE_DIR_NAMES) await mkdir(join(resolved.dir, name), { recursive: true });
      const storage = await probeStorageDriver(deps.runner, join(resolved.dir, "cache"));
      const s = initialState(options, swarmvol, storage, await ensureHostDirs());
      await writeState(s);
      if (swarmvol !== null) await writeTokenFile(swarmvol);
      for (const node of s.nodes) await createNodeNetwork(deps.runner, node);
      return s;
    });
    await timed(timings, "engines", clock, async () => {
      const supervisor = await installSupervisor(resolved.dir);
      const registry = startRegistry(resolved.dir, deps);
      const cloud = timed(timings, "cloud", clock, () => startLabCloudFor(state, deps));
      cloud.catch(() => undefined); // awaited below; a node failing first must not leave it unhandled
      await Promise.all(state.nodes.map(async (node) => {
        await startNode(node, { ...deps, supervisor, storageDriver: state.storageDriver });
        await writeState(state);
        await waitForEngine(node, clock);
        if (swarmvol !== null) await waitForLocalActivation(node, clock);
      }));
      state.registry.pid = await registry;
      await cloud;
      await writeState(state);
    });
    await timed(timings, "swarm", clock, () => formSwarm(state));
    await writeState(state);
    const [image] = await Promise.all([
      timed(timings, "image", clock, () => publishBusybox(deps.runner, engineFor(state.nodes[0] as NodeState), join(resolved.dir, "cache"))),
      timed(timings, "ready", clock, async () => {
        for (const node of state.nodes) await waitForSwarmState(state, node, ["ready"], clock);
      }),
      timed(timings, "swarmvol", clock, async () => {
        for (const [phase, ms] of Object.entries(await startSwarmvolOnLab(state, deps))) timings[`swarmvol.${phase}`] = ms;
      }),
    ]);
    timings.total = clock.now() - start;
    deps.logger.info({ dir: resolved.dir, timings }, "lab up");
    return { state, image, timings };
  } catch (err) {
    deps.logger.error({ err }, "lab up failed; tearing down");
    await teardown(resolved.dir, deps);
    throw err;
  }
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
