/**
 * Pure planning of swarmvol on a lab: where the EC2 emulator and the controller listen,
 * and the exact argv of the emulator, each node's agent and the controller. No I/O here
 * (except {@link repoArtifacts}, which only looks for built files), so every flag the lab
 * passes is unit-tested against what `swarmvol agent` / `swarmvol controller` accept.
 *
 * Addresses follow the lab's rule: only the bridge and node addresses, never a wildcard.
 * The emulator runs in the root namespace on the bridge address (every node reaches it,
 * like the EC2 endpoint of a VPC); a controller replica runs inside every manager, and
 * each agent is given every replica's URL (`--controller URL1,URL2,…`) to fail over between.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { notFound } from "../../core/errors.js";
import type { FaultsPatch } from "../cloud/faults.js";
import { BRIDGE_ADDRESS, dockerHost, type NodePlan } from "./plan.js";

export const CLOUD_PORT = 4566;
export const CLOUD_ENDPOINT = `http://${BRIDGE_ADDRESS}:${CLOUD_PORT}`;
export const CONTROLLER_PORT = 7750;
/** Where each lab agent serves GET /metrics (`--metrics-listen`), on its node's address. */
export const AGENT_METRICS_PORT = 7751;
export const REGION = "us-east-1";
/** The agent's plugin socket inside a node; dockerd names the plugin after the file: `swarmvol`. */
export const PLUGIN_SOCKET = "/run/docker/plugins/swarmvol.sock";
export const PLUGIN_NAME = "swarmvol";
/** Inside a node, the node's own device dir (the emulator's links) is bound here. */
export const NODE_DEVICE_DIR = "/dev/disk/by-id";

/**
 * `lab up --fast-cloud`: transitions take a few ms instead of seconds, so tests are not
 * dominated by EBS-like waits but still see every intermediate state (never 0 ms).
 */
export const FAST_CLOUD_FAULTS: FaultsPatch = {
  latencyMs: { create: 20, attach: 20, detach: 20, delete: 10, snapshot: 20, snapshotPerGiB: 0, modify: 20, optimize: 20, stop: 20, start: 20 },
  busyPollMs: 100,
};

/** Built entry points the lab runs with `node` (tests run from source, daemons from dist). */
export interface RepoArtifacts {
  node: string;
  cliMain: string;
  cloudMain: string;
}

/** Walks up from this module to the checkout holding package.json (works from source and dist). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw notFound("swarmvol checkout not found above lab/cluster", {});
    dir = parent;
  }
  return dir;
}

/** The built CLI and emulator; FAILED_PRECONDITION naming `npm run build` when missing. */
export function repoArtifacts(): RepoArtifacts {
  const root = repoRoot();
  const artifacts = { node: process.execPath, cliMain: join(root, "dist", "cli", "main.js"), cloudMain: join(root, "dist", "lab", "cloud", "main.js") };
  for (const path of [artifacts.cliMain, artifacts.cloudMain]) {
    if (!existsSync(path)) throw notFound(`${path} is missing; run \`npm run build\` first`, { path });
  }
  return artifacts;
}

/** Paths of the lab's swarmvol files; all under dirs `down` removes. */
export function swarmvolPaths(labDir: string) {
  const cloudDir = join(labDir, "cloud");
  return {
    tokenFile: join(labDir, "nodes", "swarmvol.token"),
    cloudDir,
    cloudConfig: join(cloudDir, "instances.json"),
    cloudLog: join(cloudDir, "cloud.log"),
  };
}

export function nodeSwarmvolPaths(node: NodePlan) {
  return {
    /** This node's own API token (ADR 0011), written 0600 once the node joined the swarm and has its id. */
    nodeTokenFile: join(node.paths.dir, "swarmvol-node.token"),
    agentStateDir: join(node.paths.dir, "swarmvol"),
    agentLog: join(node.paths.dir, "agent.log"),
    controllerStateDir: join(node.paths.dir, "controller"),
    controllerLog: join(node.paths.dir, "controller.log"),
  };
}

export function controllerUrl(host: NodePlan): string {
  return `http://${host.address}:${CONTROLLER_PORT}`;
}

/** The nodes that host a controller replica: every manager, in node order (node1 first). */
export function controllerHosts<T extends NodePlan>(nodes: readonly T[]): T[] {
  return nodes.filter((n) => n.role === "manager");
}

/** The agents' `--controller` value: every replica's URL, comma-separated, first manager first. */
export function controllerList(controllers: readonly NodePlan[]): string {
  return controllers.map(controllerUrl).join(",");
}

/** One emulated EC2 instance per node; the emulator writes device links into the host path of the node's device dir. */
export function cloudInstances(nodes: readonly NodePlan[]) {
  return nodes.map((n) => ({ instanceId: n.instanceId, name: n.name, zone: n.zone, deviceDir: n.paths.deviceDir, privateIp: n.address }));
}

export function cloudArgv(labDir: string, artifacts: RepoArtifacts, fastCloud: boolean): string[] {
  const paths = swarmvolPaths(labDir);
  return [
    artifacts.cloudMain, "--config", paths.cloudConfig, "--data", paths.cloudDir,
    "--host", BRIDGE_ADDRESS, "--port", String(CLOUD_PORT),
    // StopInstances cuts the power of the lab node behind the instance (power fencing, ADR 0012).
    "--lab-dir", labDir,
    ...(fastCloud ? ["--faults", JSON.stringify(FAST_CLOUD_FAULTS)] : []),
  ];
}

/**
 * `sh -c` wrapper every swarmvol daemon starts through: points SWARMVOL_TOKEN_FILE at its
 * 0600 token file (the daemon reads it: neither `ps` nor its environment ever shows the
 * token; an agent's file may appear only once its node joined), drops any inherited
 * SWARMVOL_TOKEN (it would win over the file) and SWARMVOL_CRASH_AT (only a launch that
 * asks for crash points gets them), sets SWARMVOL_LOG_LEVEL, and execs the daemon with its
 * output appended to its own log. Arguments: TOKEN_FILE LEVEL LOG ARGV…
 */
export const LAUNCH_WRAPPER =
  'unset SWARMVOL_TOKEN SWARMVOL_CRASH_AT; SWARMVOL_TOKEN_FILE=$1; SWARMVOL_LOG_LEVEL=$2; export SWARMVOL_TOKEN_FILE SWARMVOL_LOG_LEVEL; ' +
  'log=$3; shift 3; exec "$@" >>"$log" 2>&1 </dev/null';

export interface LaunchSettings {
  labDir: string;
  logLevel: string;
  artifacts: RepoArtifacts;
  /** With a fast cloud a stuck attach is given up after 5 s instead of EBS's 90 s, so tests can inject one. */
  fastCloud?: boolean;
  /** The controller's `--fence-mode` (power fencing drills, ADR 0012). @default "self" */
  fenceMode?: "self" | "power";
  /**
   * Crash points this one launch arms (SWARMVOL_CRASH_AT, core/crashPoints.ts): the daemon
   * kills itself with SIGKILL at the first listed step it reaches. Never kept in the state:
   * any later start of the daemon is unarmed.
   */
  crashAt?: readonly string[];
}

function wrapped(settings: LaunchSettings, tokenFile: string, log: string, args: readonly string[]): string[] {
  const armed = settings.crashAt !== undefined && settings.crashAt.length > 0 ? ["env", `SWARMVOL_CRASH_AT=${settings.crashAt.join(",")}`] : [];
  return ["/bin/sh", "-c", LAUNCH_WRAPPER, "swarmvol-launch", tokenFile, settings.logLevel, log,
    ...armed, settings.artifacts.node, settings.artifacts.cliMain, ...args];
}

/**
 * The agent's argv, run by the node's supervisor inside the node before dockerd. With one
 * controller `--controller` is its URL (as before HA); with several, the comma-separated list.
 * Its token is the node's own (`nodeTokenFile`), never the controllers' secret.
 */
export function agentArgv(node: NodePlan, controllers: readonly NodePlan[], settings: LaunchSettings): string[] {
  const paths = nodeSwarmvolPaths(node);
  return wrapped(settings, paths.nodeTokenFile, paths.agentLog, [
    "agent",
    "--controller", controllerList(controllers),
    "--plugin-socket", PLUGIN_SOCKET,
    "--state-dir", paths.agentStateDir,
    "--docker-host", dockerHost(node),
    "--instance-id", node.instanceId,
    "--zone", node.zone,
    "--device-dir", NODE_DEVICE_DIR,
    "--hostname", node.name,
    "--metrics-listen", `${node.address}:${AGENT_METRICS_PORT}`,
  ]);
}

/** The controller's argv (to run inside `host`'s namespaces), listening on the host node's address; its token is the secret. */
export function controllerArgv(host: NodePlan, settings: LaunchSettings): string[] {
  const paths = nodeSwarmvolPaths(host);
  return wrapped(settings, swarmvolPaths(settings.labDir).tokenFile, paths.controllerLog, [
    "controller",
    "--listen", `${host.address}:${CONTROLLER_PORT}`,
    "--docker-host", dockerHost(host),
    "--ec2-endpoint", CLOUD_ENDPOINT,
    "--region", REGION,
    "--state-dir", paths.controllerStateDir,
    ...(settings.fastCloud ? ["--stuck-attach-ms", "5000"] : []),
    ...(settings.fenceMode === "power" ? ["--fence-mode", "power"] : []),
  ]);
}
