/**
 * The lab's state file (`<dir>/lab.json`): what `up` made, so that node operations from
 * another process (the CLI, a test, a drill) find the nodes, and `down` knows what to
 * remove. Written atomically (temp file + rename) after every change.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { notFound } from "../../core/errors.js";
import type { NodePlan, ResolvedOptions, StorageDriver } from "./plan.js";

export const STATE_VERSION = 1;

export interface NodeState extends NodePlan {
  /** Host PID of the launcher (`unshare`), the parent of the node's PID 1. Null when stopped. */
  launcherPid: number | null;
  /** Host PID of PID 1 of the node's PID namespace (dockerd after the supervisor execs). */
  pid1: number | null;
  /** Swarm node id once the node has joined. */
  nodeId: string | null;
  /** Optional argv the supervisor starts inside the node before dockerd (the agent). */
  preDockerd: string[] | null;
  /** Path inside the node the supervisor waits for before starting dockerd. */
  preDockerdWaitFor: string | null;
}

/**
 * What a non-bare lab runs besides the engines: the EC2 emulator (root namespace), an agent
 * per node (pre-dockerd) and a controller replica inside every manager. Null for `--bare`.
 * State files written before the replicas existed lack `controllers`; readers treat that as
 * one replica on the first manager whose launcher is `controllerPid`.
 */
export interface SwarmvolState {
  /**
   * The controllers' secret: the operator's token, and the key of every node's own token
   * (ADR 0011; each agent reads its node's file, swarmvolPlan.ts `nodeTokenFile`). The
   * state file is 0600; the secret is also in `tokenFile`.
   */
  token: string;
  /** 0600 file the controllers' launch wrapper points them at, so it never appears in a process's argv. */
  tokenFile: string;
  /** SWARMVOL_LOG_LEVEL for the daemons, fixed at `up` so restarts from other processes agree. */
  logLevel: string;
  /** Near-zero emulator latencies (`lab up --fast-cloud`). */
  fastCloud: boolean;
  /** `http://<first manager>:7750`: the first replica's URL (kept for callers that know one controller). */
  controllerUrl: string;
  /** Host PID of the first replica's `nsenter` launcher, or null when not started by the lab. */
  controllerPid: number | null;
  /** Host PID of each replica's `nsenter` launcher, by manager node name (null: not started by the lab). */
  controllers?: Record<string, number | null>;
  /** The replicas' `--fence-mode` (absent: self); see lab/cluster/powerFencing.ts. */
  fenceMode?: "self" | "power";
}

export interface LabState {
  version: number;
  options: ResolvedOptions;
  createdAt: string;
  storageDriver: StorageDriver;
  registry: { address: string; pid: number | null };
  /** Directories the lab created outside its own dir (removed by down when empty). */
  createdHostDirs: string[];
  nodes: NodeState[];
  /** The EC2 emulator: its URL and host PID (null for a bare lab). */
  cloud: { endpoint: string | null; pid?: number | null };
  /** Absent or null for a bare lab (and for state files written before swarmvol was wired). */
  swarmvol?: SwarmvolState | null;
}

export function statePath(dir: string): string {
  return join(dir, "lab.json");
}

/** The state, or null when no lab has been brought up in `dir`. */
export async function readState(dir: string): Promise<LabState | null> {
  let text: string;
  try {
    text = await readFile(statePath(dir), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  return JSON.parse(text) as LabState;
}

/** Like {@link readState} but a missing lab is NOT_FOUND (for node operations). */
export async function requireState(dir: string): Promise<LabState> {
  const state = await readState(dir);
  if (state === null) throw notFound("no lab is up in this directory; run `swarmvol lab up`", { dir });
  return state;
}

let writeCounter = 0;

/** Atomic write; concurrent writers in one process each use their own temp file. */
export async function writeState(state: LabState): Promise<void> {
  const path = statePath(state.options.dir);
  await mkdir(state.options.dir, { recursive: true });
  const tmp = `${path}.${process.pid}.${++writeCounter}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

export async function removeState(dir: string): Promise<void> {
  await rm(statePath(dir), { force: true });
}

/** The node called `name`; NOT_FOUND lists the names that exist. */
export function findNode(state: LabState, name: string): NodeState {
  const node = state.nodes.find((n) => n.name === name);
  if (node === undefined) {
    throw notFound(`no lab node named ${name}`, { node: name, nodes: state.nodes.map((n) => n.name) });
  }
  return node;
}
