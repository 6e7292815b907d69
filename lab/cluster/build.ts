/**
 * What `up` builds once its checks have passed: the bridge, the state, the node
 * namespaces, registry, EC2 emulator and engines, the swarm, the image and swarmvol.
 * `up` (lab.ts) runs {@link buildLab} under its teardown-on-failure guard.
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../../core/ports.js";
import { publishBusybox } from "../images/busybox.js";
import { engineFor, initSwarm, joinSwarm, swarmNodeId, waitForEngine, waitForSwarmState } from "./engine.js";
import type { LabDeps, UpOptions, UpResult } from "./lab.js";
import { createBridge, createNodeNetwork, NETWORK_OWNER_FILE } from "./network.js";
import { installSupervisor, startNode } from "./node.js";
import { planNodes, REGISTRY, resolveOptions, STATE_DIR_NAMES, type StorageDriver } from "./plan.js";
import { startRegistry } from "./registry.js";
import { STATE_VERSION, writeState, type LabState, type NodeState, type SwarmvolState } from "./state.js";
import { agentPreDockerd, startLabCloudFor, startSwarmvolOnLab, writeNodeToken, writeTokenFile } from "./swarmvolHook.js";
import { waitForLocalActivation } from "./swarmvolPlugins.js";
import { probeStorageDriver } from "./storage.js";

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

/** Forms the swarm; each node gets its swarmvol token the moment its id is known (its agent waits for it). */
async function formSwarm(state: LabState): Promise<void> {
  const [first, ...rest] = state.nodes;
  if (first === undefined) return;
  const joined = async (node: NodeState) => {
    node.nodeId = await swarmNodeId(node);
    await writeNodeToken(state, node);
  };
  const tokens = await initSwarm(first);
  await joined(first);
  for (const node of rest.filter((n) => n.role === "manager")) {
    await joinSwarm(node, first, tokens.manager);
    await joined(node);
  }
  await Promise.all(rest.filter((n) => n.role === "worker").map(async (node) => {
    await joinSwarm(node, first, tokens.worker);
    await joined(node);
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

/** State dirs, storage probe, the state file and every node's network namespace. */
async function prepare(options: UpOptions, swarmvol: SwarmvolState | null, deps: LabDeps): Promise<LabState> {
  const { dir } = resolveOptions(options);
  for (const name of STATE_DIR_NAMES) await mkdir(join(dir, name), { recursive: true });
  const storage = await probeStorageDriver(deps.runner, join(dir, "cache"));
  const state = initialState(options, swarmvol, storage, await ensureHostDirs());
  await writeState(state);
  if (swarmvol !== null) await writeTokenFile(swarmvol);
  for (const node of state.nodes) await createNodeNetwork(deps.runner, node);
  return state;
}

/** The registry, the EC2 emulator and every node's dockerd (with its agent), in parallel. */
async function startEngines(state: LabState, timings: Record<string, number>, deps: LabDeps): Promise<void> {
  const { clock } = deps;
  const supervisor = await installSupervisor(state.options.dir);
  const registry = startRegistry(state.options.dir, deps);
  registry.catch(() => undefined); // awaited below; a node failing first must not leave it unhandled
  const cloud = timed(timings, "cloud", clock, () => startLabCloudFor(state, deps));
  cloud.catch(() => undefined);
  await Promise.all(state.nodes.map(async (node) => {
    await startNode(node, { ...deps, supervisor, storageDriver: state.storageDriver });
    await writeState(state);
    await waitForEngine(node, clock);
    if (state.swarmvol !== null && state.swarmvol !== undefined) await waitForLocalActivation(node, clock);
  }));
  state.registry.pid = await registry;
  await cloud;
  await writeState(state);
}

/** Everything `up` makes, from the bridge on; `up` tears it all down if this throws. */
export async function buildLab(options: UpOptions, swarmvol: SwarmvolState | null, deps: LabDeps): Promise<UpResult> {
  const { dir } = resolveOptions(options);
  const { clock } = deps;
  const timings: Record<string, number> = {};
  const start = clock.now();
  await writeFile(NETWORK_OWNER_FILE, dir);
  await createBridge(deps.runner);
  const state = await timed(timings, "prepare", clock, () => prepare(options, swarmvol, deps));
  await timed(timings, "engines", clock, () => startEngines(state, timings, deps));
  await timed(timings, "swarm", clock, () => formSwarm(state));
  await writeState(state);
  const [image] = await Promise.all([
    timed(timings, "image", clock, () => publishBusybox(deps.runner, engineFor(state.nodes[0] as NodeState), join(dir, "cache"))),
    timed(timings, "ready", clock, async () => {
      for (const node of state.nodes) await waitForSwarmState(state, node, ["ready"], clock);
    }),
    timed(timings, "swarmvol", clock, async () => {
      for (const [phase, ms] of Object.entries(await startSwarmvolOnLab(state, deps))) timings[`swarmvol.${phase}`] = ms;
    }),
  ]);
  timings.total = clock.now() - start;
  deps.logger.info({ dir, timings }, "lab up");
  return { state, image, timings };
}

