/**
 * `down`: removes everything the lab made, with or without its state file, and is safe to
 * run any number of times. Order matters: processes first (so nothing holds mounts,
 * loop devices or namespaces), then host mounts and loop devices under the lab dir (the
 * EC2 emulator's volumes are files under <dir>/cloud), then
 * the network, cgroups, created host dirs, and last the lab's files (the image cache
 * under <dir>/cache is kept: rebuilding it is the slow part of `up`).
 */
import { existsSync } from "node:fs";
import { readdir, readFile, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import type { Clock, CommandRunner, Logger } from "../../core/ports.js";
import { isRunning } from "./node.js";
import { innermostPid, listProcesses, signal } from "./host.js";
import { NETWORK_OWNER_FILE, removeNetwork } from "./network.js";
import { CGROUP_PREFIX } from "./plan.js";
import { registryPaths } from "./registry.js";
import { readState, removeState, statePath } from "./state.js";

export interface TeardownDeps {
  runner: CommandRunner;
  clock: Clock;
  logger: Logger;
}

/**
 * Whether a process's argv marks it as one the lab in `dir` started: nodes (and the
 * swarmvol agents and controller inside them, whose state dirs are under nodes/), the
 * registry, or the EC2 emulator (its config and data are under cloud/).
 */
export function isLabProcess(argv: readonly string[], dir: string): boolean {
  const nodesDir = join(dir, "nodes") + "/";
  const cloudDir = join(dir, "cloud") + "/";
  const registryConfig = registryPaths(dir).config;
  return argv.some((a) => a.startsWith(nodesDir) || a.startsWith(cloudDir) || a.includes(`unix://${nodesDir}`) || a === registryConfig);
}

/** Mount points at or under `dir` in /proc/self/mountinfo text, deepest first. */
export function mountsUnder(mountinfo: string, dir: string): string[] {
  const points = mountinfo
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    .map((p) => p.replace(/\\040/g, " "))
    .filter((p) => p === dir || p.startsWith(dir + "/"));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Loop devices whose backing file is under `dir`, from `losetup --list --noheadings -O NAME,BACK-FILE`. */
export function loopsUnder(losetupOutput: string, dir: string): string[] {
  return losetupOutput
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 2 && (cols[1] ?? "").startsWith(dir + "/"))
    .map((cols) => cols[0] ?? "");
}

async function labProcesses(dir: string): Promise<{ pid: number; argv: string[] }[]> {
  const ancestors = new Set([process.pid, process.ppid]);
  return (await listProcesses()).filter((p) => !ancestors.has(p.pid) && isLabProcess(p.argv, dir));
}

async function killAndWait(pids: readonly number[], clock: Clock): Promise<void> {
  for (const pid of pids) signal(pid, "SIGKILL");
  for (const pid of pids) {
    for (let i = 0; i < 200 && (await isRunning(pid)); i++) await clock.sleep(50);
  }
}

const isLauncher = (argv: readonly string[]) => argv[0] === "unshare" || argv[0] === "nsenter";

/**
 * SIGKILLs every lab process. Each node's PID 1 goes first and alone: that takes its
 * whole namespace, and its launcher (`unshare`) reaps it and exits by itself. Killing the
 * launcher at the same time would orphan PID 1 to the machine's init, and some inits
 * (this sandbox's) never reap, leaving zombies. Whatever is left (registry) goes next.
 */
async function killLabProcesses(dir: string, deps: TeardownDeps): Promise<void> {
  const victims = await labProcesses(dir);
  const pid1s: number[] = [];
  for (const p of victims) if ((await innermostPid(p.pid)) === 1) pid1s.push(p.pid);
  await killAndWait(pid1s, deps.clock);
  for (let i = 0; i < 40 && (await labProcesses(dir)).some((p) => isLauncher(p.argv)); i++) await deps.clock.sleep(50);
  await killAndWait((await labProcesses(dir)).map((p) => p.pid), deps.clock);
  if (victims.length > 0) deps.logger.info({ killed: victims.map((p) => p.pid) }, "lab processes killed");
}

async function releaseMountsAndLoops(dir: string, deps: TeardownDeps): Promise<void> {
  const mountinfo = await readFile("/proc/self/mountinfo", "utf8");
  for (const point of mountsUnder(mountinfo, dir)) {
    await deps.runner.run("umount", ["-l", point]);
  }
  const loops = await deps.runner.run("losetup", ["--list", "--noheadings", "-O", "NAME,BACK-FILE"]);
  for (const device of loopsUnder(loops.stdout, dir)) {
    await deps.runner.run("losetup", ["-d", device]);
  }
}

/** Removes the per-node cgroups (dockerd --cgroup-parent), children first; only empty dirs go. */
async function removeCgroups(): Promise<void> {
  const root = "/sys/fs/cgroup";
  const controllers = await readdir(root).catch(() => [] as string[]);
  const removeTree = async (path: string): Promise<void> => {
    const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isDirectory()) await removeTree(join(path, entry.name));
    await rmdir(path).catch(() => undefined);
  };
  for (const controller of controllers) {
    const entries = await readdir(join(root, controller), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.isDirectory() && entry.name.startsWith(CGROUP_PREFIX)) await removeTree(join(root, controller, entry.name));
    }
    if (controller.startsWith(CGROUP_PREFIX)) await removeTree(join(root, controller));
  }
}

/** Tears the lab in `dir` down completely. Never throws for things already gone. */
export async function teardown(dir: string, deps: TeardownDeps): Promise<void> {
  const state = await readState(dir).catch(() => null);
  await killLabProcesses(dir, deps);
  await releaseMountsAndLoops(dir, deps);
  const owner = (await readFile(NETWORK_OWNER_FILE, "utf8").catch(() => "")).trim();
  if (owner !== "" && owner !== dir && existsSync(statePath(owner))) {
    deps.logger.warn({ dir, owner }, "the lab network belongs to another lab that is still up; left in place");
  } else {
    await removeNetwork(deps.runner);
    await removeCgroups();
    await rm(NETWORK_OWNER_FILE, { force: true });
  }
  for (const hostDir of [...(state?.createdHostDirs ?? [])].reverse()) {
    await rmdir(hostDir).catch(() => undefined);
  }
  await rm(join(dir, "nodes"), { recursive: true, force: true });
  await rm(registryPaths(dir).dir, { recursive: true, force: true });
  await rm(join(dir, "cloud"), { recursive: true, force: true });
  await rm(join(dir, "node.sh"), { force: true });
  await removeState(dir);
  deps.logger.info({ dir }, "lab down");
}
