/**
 * Starting, killing and entering one lab node. A node is a launcher process
 * (`nsenter --net=<netns> unshare -m -u -p -f --mount-proc`) whose only child is PID 1 of
 * the node's PID namespace: the supervisor script node.sh, which prepares the node's
 * mounts and hostname, starts the optional pre-dockerd program and execs dockerd.
 * `ip netns exec` is avoided on purpose: it remounts /sys and dockerd then loses cgroups.
 */
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Clock, CommandResult, CommandRunner } from "../../core/ports.js";
import { internal, timeout, unavailable } from "../../core/errors.js";
import { childrenOf, cmdline, innermostPid, signal, type DetachedSpawner } from "./host.js";
import { dockerdArgs, type StorageDriver } from "./plan.js";
import type { NodeState } from "./state.js";

/** Where node.sh is: next to this module in the repo, or in the repo when run from dist/. */
export function supervisorSource(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "node.sh"), join(here, "..", "..", "..", "lab", "cluster", "node.sh")];
  const found = candidates.find((c) => existsSync(c));
  if (found === undefined) throw internal("lab/cluster/node.sh not found", { candidates });
  return found;
}

/** Copies the supervisor into the lab dir so restarts do not depend on the checkout. */
export async function installSupervisor(labDir: string): Promise<string> {
  const target = join(labDir, "node.sh");
  await copyFile(supervisorSource(), target);
  return target;
}

/**
 * Creates the node's directories and (re)writes its pre-dockerd files. The exec-root is
 * emptied first, as a reboot empties /run: after a kill it holds containerd's pidfile,
 * and in the node's fresh PID namespace that PID is often one of dockerd's own threads,
 * so dockerd would believe containerd is still running and wait for it forever.
 */
export async function prepareNodeDir(node: NodeState): Promise<void> {
  const { paths } = node;
  await rm(paths.execRoot, { recursive: true, force: true });
  for (const dir of [paths.dir, paths.pluginDir, paths.deviceDir, paths.dataRoot, paths.execRoot]) {
    await mkdir(dir, { recursive: true });
  }
  const argvFile = join(paths.dir, "pre-dockerd.argv");
  const waitFile = join(paths.dir, "pre-dockerd.wait");
  if (node.preDockerd !== null && node.preDockerd.length > 0) {
    await writeFile(argvFile, node.preDockerd.map((a) => `${a}\0`).join(""));
  } else {
    await rm(argvFile, { force: true });
  }
  if (node.preDockerdWaitFor !== null) await writeFile(waitFile, node.preDockerdWaitFor);
  else await rm(waitFile, { force: true });
}

/** The launcher argv: enter the node's netns, then new mount/UTS/PID namespaces. */
export function launcherArgs(node: NodeState, supervisor: string, storageDriver: StorageDriver): string[] {
  return [
    `--net=/run/netns/${node.netns}`,
    "unshare", "-m", "-u", "-p", "-f", "--mount-proc", "--propagation", "private",
    "bash", supervisor, node.paths.dir, node.name, "--",
    ...dockerdArgs(node, storageDriver),
  ];
}

/** Whether `pid` is a live (not zombie) process. */
export async function isRunning(pid: number | null): Promise<boolean> {
  if (pid === null) return false;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Whether `pid` is still this node's PID 1 (guards against a reused PID). */
export async function isNodePid1(node: NodeState, pid: number | null): Promise<boolean> {
  if (pid === null || !(await isRunning(pid))) return false;
  const argv = (await cmdline(pid)) ?? [];
  return argv.some((a) => a.startsWith(node.paths.dir)) && (await innermostPid(pid)) === 1;
}

/**
 * Starts the node and returns once its PID 1 exists (dockerd may still be starting; see
 * engine.waitForEngine). Updates launcherPid and pid1 in place.
 */
export async function startNode(
  node: NodeState,
  deps: { spawner: DetachedSpawner; clock: Clock; supervisor: string; storageDriver: StorageDriver },
): Promise<void> {
  await prepareNodeDir(node);
  const launcher = deps.spawner.spawnDetached("nsenter", launcherArgs(node, deps.supervisor, deps.storageDriver), node.paths.log);
  node.launcherPid = launcher;
  node.pid1 = null;
  for (let i = 0; i < 100 && node.pid1 === null; i++) {
    const [child] = await childrenOf(launcher);
    if (child !== undefined && (await innermostPid(child)) === 1) node.pid1 = child;
    else await deps.clock.sleep(50);
  }
  if (node.pid1 === null) {
    throw unavailable(`node ${node.name} did not start; see ${node.paths.log}`, { node: node.name, log: node.paths.log });
  }
}

/**
 * SIGKILL to PID 1 of the node's PID namespace: the kernel kills every process of the
 * node at once, like a power cut. Waits until PID 1 is gone. A stopped node is a no-op.
 */
export async function killNode(node: NodeState, clock: Clock): Promise<void> {
  if (await isNodePid1(node, node.pid1)) {
    signal(node.pid1 as number, "SIGKILL");
    for (let i = 0; i < 200 && (await isRunning(node.pid1)); i++) await clock.sleep(50);
    if (await isRunning(node.pid1)) throw timeout(`node ${node.name} PID 1 survived SIGKILL`, { pid: node.pid1 });
  }
  for (let i = 0; i < 100 && (await isRunning(node.launcherPid)); i++) await clock.sleep(50);
  node.pid1 = null;
  node.launcherPid = null;
}

/** nsenter argv that runs `argv` in the node's network, mount, UTS and PID namespaces. */
export function nodeExecArgs(pid1: number, argv: readonly string[]): string[] {
  return ["-t", String(pid1), "-n", "-m", "-u", "-p", "--", ...argv];
}

/** Runs a command inside a running node (as if on that machine). UNAVAILABLE if it is down. */
export async function execInNode(
  runner: CommandRunner,
  node: NodeState,
  argv: readonly string[],
  options?: { timeoutMs?: number; input?: string },
): Promise<CommandResult> {
  if (!(await isNodePid1(node, node.pid1))) {
    throw unavailable(`node ${node.name} is not running`, { node: node.name });
  }
  return runner.run("nsenter", nodeExecArgs(node.pid1 as number, argv), options);
}
