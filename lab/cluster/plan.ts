/**
 * Pure planning for the lab: which nodes exist, their names, addresses, namespaces,
 * links, paths, instance ids and zones. No I/O here, so every allocation rule is
 * unit-tested and the side-effecting code only follows the plan.
 *
 * The lab owns exactly one bridge (`svbr0`, 10.213.0.1/24) and names everything it makes
 * with a fixed prefix (`svn<i>` network namespaces, `svv<i>` host veth ends,
 * `swarmvol-lab-node<i>` cgroups) so that `down` can find leftovers after a crash even
 * without the state file. One lab per machine.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { invalidArgument } from "../../core/errors.js";

export const BRIDGE = "svbr0";
export const SUBNET_PREFIX = "10.213.0";
export const BRIDGE_ADDRESS = `${SUBNET_PREFIX}.1`;
export const PREFIX_LENGTH = 24;
export const NETNS_PREFIX = "svn";
export const VETH_PREFIX = "svv";
export const CGROUP_PREFIX = "swarmvol-lab-";
export const REGISTRY_PORT = 5000;
export const REGISTRY = `${BRIDGE_ADDRESS}:${REGISTRY_PORT}`;
export const SWARM_PORT = 2377;
/** Largest lab: node addresses .11 … .(10+MAX_NODES) stay inside the /24. */
export const MAX_NODES = 20;
export const DEFAULT_LAB_DIR = "/var/lib/swarmvol-lab";
/** Sub-directories of the lab dir: node data (removed by down) and the image cache (kept). */
export const STATE_DIR_NAMES = ["nodes", "cache"] as const;
const REGION = "us-east-1";
const ZONE_LETTERS = "abcdef";

export type NodeRole = "manager" | "worker";

/** What a user asks for. Every field has a default (see {@link resolveOptions}). */
export interface LabOptions {
  /** @default 3 */
  nodes?: number;
  /** Managers are node1..nodeM; the rest are workers. @default 1 */
  managers?: number;
  /** Availability zones, assigned round-robin: node1 a, node2 b, node3 a… @default 1 */
  zones?: number;
  /** No swarmvol agents or controller: only the engines and Swarm. @default false */
  bare?: boolean;
  /** Lab directory: state file, node data-roots, sockets, registry. @default /var/lib/swarmvol-lab */
  dir?: string;
  /** The EC2 emulator's endpoint, once lab/cloud runs one. @default null */
  cloudEndpoint?: string | null;
}

export interface ResolvedOptions {
  nodes: number;
  managers: number;
  zones: number;
  bare: boolean;
  dir: string;
  cloudEndpoint: string | null;
}

/** Everything about one node that follows from its index and the lab directory. */
export interface NodePlan {
  index: number;
  name: string;
  role: NodeRole;
  address: string;
  netns: string;
  veth: string;
  instanceId: string;
  zone: string;
  cgroupParent: string;
  paths: NodePaths;
}

export interface NodePaths {
  dir: string;
  socket: string;
  dataRoot: string;
  execRoot: string;
  /** Host path bound over /run/docker/plugins inside the node. */
  pluginDir: string;
  /** Host path bound over /dev/disk/by-id inside the node. */
  deviceDir: string;
  log: string;
}

function positiveInt(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw invalidArgument(`\`${name}\` must be an integer from 1 to ${max}`, { [name]: value });
  }
  return value;
}

/** Fills defaults and validates; throws INVALID_ARGUMENT naming the bad option. */
export function resolveOptions(options: LabOptions = {}): ResolvedOptions {
  const nodes = positiveInt("nodes", options.nodes ?? 3, MAX_NODES);
  const managers = positiveInt("managers", options.managers ?? 1, nodes);
  const zones = positiveInt("zones", options.zones ?? 1, ZONE_LETTERS.length);
  const dir = options.dir ?? DEFAULT_LAB_DIR;
  if (!dir.startsWith("/") || dir === "/") {
    throw invalidArgument("`dir` must be an absolute path other than /", { dir });
  }
  if (dir.startsWith("/run/") || dir.startsWith("/var/run/") || dir.startsWith("/dev/")) {
    throw invalidArgument("`dir` must not be under /run or /dev: nodes mount over those", { dir });
  }
  return { nodes, managers, zones, bare: options.bare ?? false, dir, cloudEndpoint: options.cloudEndpoint ?? null };
}

/** Node i (1-based) lives at 10.213.0.(10+i). */
export function nodeAddress(index: number): string {
  return `${SUBNET_PREFIX}.${10 + index}`;
}

/**
 * A deterministic EC2-shaped instance id: "i-0" and 16 hex digits (17 hex digits after
 * "i-", the real format). Derived from the node name only, so the same node has the same
 * id in every lab run and the cloud emulator can be seeded before the nodes exist.
 */
export function instanceIdFor(nodeName: string): string {
  const digest = createHash("sha256").update(`swarmvol-lab/${nodeName}`).digest("hex");
  return `i-0${digest.slice(0, 16)}`;
}

/** Round-robin zones: with 2 zones node1 → us-east-1a, node2 → us-east-1b, node3 → a. */
export function zoneFor(index: number, zones: number): string {
  return `${REGION}${ZONE_LETTERS[(index - 1) % zones]}`;
}

export function nodePaths(dir: string, name: string): NodePaths {
  const nodeDir = join(dir, "nodes", name);
  return {
    dir: nodeDir,
    socket: join(nodeDir, "docker.sock"),
    dataRoot: join(nodeDir, "data"),
    execRoot: join(nodeDir, "exec"),
    pluginDir: join(nodeDir, "plugins"),
    deviceDir: join(nodeDir, "by-id"),
    log: join(nodeDir, "node.log"),
  };
}

export function planNodes(options: ResolvedOptions): NodePlan[] {
  return Array.from({ length: options.nodes }, (_, i) => {
    const index = i + 1;
    const name = `node${index}`;
    return {
      index,
      name,
      role: index <= options.managers ? "manager" : "worker",
      address: nodeAddress(index),
      netns: `${NETNS_PREFIX}${index}`,
      veth: `${VETH_PREFIX}${index}`,
      instanceId: instanceIdFor(name),
      zone: zoneFor(index, options.zones),
      cgroupParent: `${CGROUP_PREFIX}${name}`,
      paths: nodePaths(options.dir, name),
    };
  });
}

export type StorageDriver = "overlay2" | "vfs";

/**
 * dockerd's argv for a node. No iptables, masquerading or default bridge: the lab's
 * network is the bridge it built, and the node must never route anywhere else.
 */
export function dockerdArgs(node: NodePlan, storageDriver: StorageDriver): string[] {
  return [
    "dockerd",
    "--data-root", node.paths.dataRoot,
    "--exec-root", node.paths.execRoot,
    "-H", `unix://${node.paths.socket}`,
    "--iptables=false",
    "--ip-masq=false",
    "--bridge=none",
    "--storage-driver", storageDriver,
    "--insecure-registry", REGISTRY,
    "--cgroup-parent", `/${node.cgroupParent}`,
    "--log-level", "warn",
  ];
}

/** `DOCKER_HOST` value for a node, usable from the root namespace. */
export function dockerHost(node: NodePlan): string {
  return `unix://${node.paths.socket}`;
}
