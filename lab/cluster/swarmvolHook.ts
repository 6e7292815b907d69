/**
 * swarmvol on a (non-bare) lab, run the way an operator runs it:
 *
 * 1. `planSwarmvol`: a fresh random secret (the controllers' and operators' token) and the
 *    daemons' log level, fixed at `up`; `writeNodeToken` gives each node its own token
 *    (`swarmvol token node`'s, ADR 0011) as soon as it joined the swarm and has its id.
 * 2. `agentPreDockerd`: every node's supervisor starts `swarmvol agent` inside the node
 *    BEFORE dockerd and waits for its plugin socket, so dockerd finds the plugin at start.
 * 3. `startLabCloudFor`: the EC2 emulator in the root namespace on 10.213.0.1:4566.
 * 4. `startSwarmvolOnLab`: once the swarm exists, a controller replica inside every manager
 *    (swarmvolController.ts), then wait until Swarm lists the plugin on every node.
 *
 * Teardown needs nothing from here: the emulator, agents and controller all carry a path
 * under the lab dir in their argv, so `down` finds and kills them even without the state file.
 */
import { randomBytes } from "node:crypto";
import { chmod, readFile, rename, writeFile } from "node:fs/promises";
import { issueNodeToken } from "../../api/credentials.js";
import type { Clock, Logger } from "../../core/ports.js";
import { invalidArgument } from "../../core/errors.js";
import type { DetachedSpawner } from "./host.js";
import { planNodes, type NodePlan, type ResolvedOptions } from "./plan.js";
import { writeState, type LabState, type NodeState, type SwarmvolState } from "./state.js";
import { startLabCloud } from "./swarmvolCloud.js";
import { launchController } from "./swarmvolController.js";
import { waitForPlugins } from "./swarmvolPlugins.js";
import { waitForLeader } from "./swarmvolReplicas.js";
import { agentArgv, controllerHosts, controllerUrl, nodeSwarmvolPaths, PLUGIN_SOCKET, repoArtifacts, swarmvolPaths } from "./swarmvolPlan.js";

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

export interface SwarmvolHookDeps {
  spawner: DetachedSpawner;
  clock: Clock;
  logger: Logger;
}

/**
 * What a non-bare lab records about swarmvol. The log level comes from SWARMVOL_LOG_LEVEL
 * in `env` (default info) and is checked here, before anything starts. Also checks that
 * the daemons are built (`npm run build`), so `up` fails before creating anything.
 */
export function planSwarmvol(
  options: ResolvedOptions,
  settings: { fastCloud?: boolean; env?: Readonly<Record<string, string | undefined>> } = {},
): SwarmvolState {
  const logLevel = settings.env?.SWARMVOL_LOG_LEVEL || "info";
  if (!LOG_LEVELS.includes(logLevel)) {
    throw invalidArgument(`SWARMVOL_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`, { logLevel });
  }
  repoArtifacts();
  const hosts = controllerHosts(planNodes(options));
  const [host] = hosts;
  if (host === undefined) throw invalidArgument("a lab with swarmvol needs at least one manager", { managers: options.managers });
  return {
    token: randomBytes(24).toString("base64url"),
    tokenFile: swarmvolPaths(options.dir).tokenFile,
    logLevel,
    fastCloud: settings.fastCloud ?? false,
    controllerUrl: controllerUrl(host),
    controllerPid: null,
    controllers: Object.fromEntries(hosts.map((h) => [h.name, null])),
  };
}

/**
 * Each node's pre-dockerd program: its agent, given every replica's URL, with dockerd
 * waiting for the plugin socket.
 */
export function agentPreDockerd(options: ResolvedOptions, swarmvol: SwarmvolState): (node: NodePlan) => { argv: string[]; waitFor: string } {
  const artifacts = repoArtifacts();
  const hosts = controllerHosts(planNodes(options));
  return (node) => ({
    argv: agentArgv(node, hosts, { labDir: options.dir, logLevel: swarmvol.logLevel, artifacts }),
    waitFor: PLUGIN_SOCKET,
  });
}

/**
 * Writes the token file (0600) the daemons' launch wrapper reads, and that `lab status`
 * names for scripts and the CLI (SWARMVOL_TOKEN_FILE). Call before any node starts. A file
 * left with wider permissions is narrowed first: `mode` applies only when it is created.
 */
export async function writeTokenFile(swarmvol: SwarmvolState): Promise<void> {
  await chmod(swarmvol.tokenFile, 0o600).catch(() => undefined);
  await writeFile(swarmvol.tokenFile, `${swarmvol.token}\n`, { mode: 0o600 });
}

/**
 * The lab's API token, read from its token file: how drills, benchmarks and scripts reach
 * the controllers (`lab status --json` names the file, never the token).
 */
export async function readTokenFile(swarmvol: Pick<SwarmvolState, "tokenFile">): Promise<string> {
  return (await readFile(swarmvol.tokenFile, "utf8")).trimEnd();
}

/**
 * Issues `node`'s own token (what `swarmvol token node ID --out FILE` writes) into its
 * `nodeTokenFile`, 0600, in one rename: its agent, started before the node joined, is
 * waiting for this file and must never read half of it. No-op on a bare lab.
 */
export async function writeNodeToken(state: LabState, node: NodeState): Promise<void> {
  const swarmvol = state.swarmvol;
  if (swarmvol === undefined || swarmvol === null) return;
  if (node.nodeId === null) throw invalidArgument(`${node.name} has no swarm node id yet; issue its token once it joined`, { node: node.name });
  const file = nodeSwarmvolPaths(node).nodeTokenFile;
  await writeFile(`${file}.tmp`, `${issueNodeToken(swarmvol.token, node.nodeId)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

/** Starts the EC2 emulator for the lab's nodes and records its endpoint and PID in the state. */
export async function startLabCloudFor(state: LabState, deps: SwarmvolHookDeps): Promise<void> {
  const swarmvol = state.swarmvol;
  if (swarmvol === undefined || swarmvol === null) return;
  const cloud = await startLabCloud(
    { labDir: state.options.dir, nodes: state.nodes, fastCloud: swarmvol.fastCloud, artifacts: repoArtifacts() },
    deps,
  );
  state.cloud = { endpoint: cloud.endpoint, pid: cloud.pid };
  await writeState(state);
  deps.logger.info({ endpoint: cloud.endpoint, pid: cloud.pid, fast: swarmvol.fastCloud }, "EC2 emulator up");
}

/**
 * After the swarm is formed: starts a controller replica inside every manager, waits for
 * each one's /v1/health and for one of them to lead, then until Swarm lists the plugin on every node. Returns the time of each step.
 */
export async function startSwarmvolOnLab(state: LabState, deps: SwarmvolHookDeps): Promise<Record<string, number>> {
  const timings: Record<string, number> = {};
  if (state.swarmvol === undefined || state.swarmvol === null) return timings;
  let start = deps.clock.now();
  await launchController(state, deps);
  // Healthy is not enough: agents and drills need the replica that leads (elected within a few lease periods).
  const { leader } = await waitForLeader(state, { clock: deps.clock, timeoutMs: 30_000, intervalMs: 100 });
  timings.controller = deps.clock.now() - start;
  deps.logger.info({ urls: controllerHosts(state.nodes).map(controllerUrl), leader: leader.node, ms: timings.controller }, "swarmvol controller replicas healthy, one leading");
  start = deps.clock.now();
  await waitForPlugins(state, state.nodes, deps.clock);
  timings.plugins = deps.clock.now() - start;
  deps.logger.info({ ms: timings.plugins }, "every node advertises the swarmvol volume plugin");
  return timings;
}
