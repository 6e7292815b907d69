/**
 * Everything the drill needs before the first fault: host packages, a non-bare lab (EC2
 * emulator with EBS-like latencies, an agent per node, a controller replica per manager), the
 * PostgreSQL image (Debian's postgresql-15 via debootstrap, rootfs tar cached between
 * runs), the two swarmvol volumes and the stack. Side effects only; the stack text and
 * timeline maths live in pure modules.
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { CommandRunner, Logger } from "../../core/ports.js";
import { internal } from "../../core/errors.js";
import {
  BUSYBOX_IMAGE, REGISTRY, dockerHost, engineFor, up, type LabDeps, type LabState, type NodeState,
} from "../cluster/index.js";
import { ensureHostPackages, LAB_HOST_TOOLS, type HostTools } from "../cluster/hostPackages.js";
import { buildDebianRootfs } from "../images/debian.js";
import { importAndPush } from "../images/publish.js";
import { renderStack, DB_VOLUME, JENKINS_VOLUME, STACK_NAME, type StackInput } from "./stack.js";

export const POSTGRES_IMAGE = `${REGISTRY}/swarmvol/postgres:lab`;
const POSTGRES_CHANGES = [
  "ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "ENV LANG=C.UTF-8",
];

/** Commands the drill runs on the host (the lab's, plus the image builder and clients), and their Debian packages. */
export const HOST_TOOLS: HostTools = {
  ...LAB_HOST_TOOLS,
  debootstrap: "debootstrap",
  psql: "postgresql-client",
  docker: "docker.io",
};

/** Installs (apt-get) the packages of missing host tools; the drill is meant for a fresh root machine. */
export async function ensureHostTools(runner: CommandRunner, logger: Logger): Promise<void> {
  await ensureHostPackages(runner, logger, HOST_TOOLS);
}

/** lab/drill/workloads, from source or from dist/ (tsc does not copy shell scripts). */
export function workloadsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "workloads"), join(here, "..", "..", "..", "lab", "drill", "workloads")];
  const found = candidates.find((c) => existsSync(join(c, "postgres-entrypoint.sh")));
  if (found === undefined) throw internal("lab/drill/workloads not found", { candidates });
  return found;
}

export function stackScripts(): StackInput["scripts"] {
  const dir = workloadsDir();
  return {
    postgresEntrypoint: join(dir, "postgres-entrypoint.sh"),
    jenkinsEntrypoint: join(dir, "jenkins-entrypoint.sh"),
    jenkinsJob: join(dir, "jenkins-job.cgi"),
    jenkinsSums: join(dir, "jenkins-sums.cgi"),
  };
}

/** Runs the docker CLI against a lab node (DOCKER_HOST), failing with its stderr. */
export async function dockerCli(runner: CommandRunner, node: NodeState, args: readonly string[], timeoutMs = 120_000): Promise<string> {
  const result = await runner.run("env", [`DOCKER_HOST=${dockerHost(node)}`, "docker", ...args], { timeoutMs });
  if (result.code !== 0) throw internal(`docker ${args.join(" ")} failed: ${result.stderr.trim()}`, { args });
  return result.stdout;
}

export interface DrillLab {
  state: LabState;
  manager: NodeState;
  stackFile: string;
}

/**
 * `lab up` with swarmvol (EBS backend on the emulator; `fastCloud` only for the CI drill):
 * node1..nodeM managers, each with a controller replica; the rest workers for the workloads.
 */
export async function bringUpLab(options: { dir: string; nodes: number; managers: number; zones: number; fastCloud: boolean }, deps: LabDeps): Promise<LabState> {
  const { state } = await up({ dir: options.dir, nodes: options.nodes, managers: options.managers, zones: options.zones, fastCloud: options.fastCloud }, deps);
  return state;
}

/** Builds (first run: debootstrap, ~1 min) or reuses the cached rootfs, and pushes the image to the lab registry. */
export async function publishPostgres(runner: CommandRunner, manager: NodeState, cacheDir: string): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  const tar = await buildDebianRootfs(runner, cacheDir, { name: "postgres", packages: ["postgresql-15"] });
  await importAndPush(engineFor(manager, 600_000), tar, POSTGRES_IMAGE, POSTGRES_CHANGES);
  return POSTGRES_IMAGE;
}

/**
 * Pulls the workload images onto every worker before any fault, so a task rescheduled to
 * a node that never ran it measures Swarm and swarmvol, not a 400 MB pull (~12 s here).
 */
export async function prePullImages(runner: CommandRunner, state: LabState): Promise<void> {
  const workers = state.nodes.filter((node) => node.role === "worker");
  await Promise.all(workers.flatMap((node) => [POSTGRES_IMAGE, BUSYBOX_IMAGE].map((image) => dockerCli(runner, node, ["pull", "-q", image], 600_000))));
}

/**
 * Creates the two volumes through the plugin on the manager (`docker volume create -d swarmvol
 * -o size=1 NAME`; Create reaches the controller's catalog) before the stack is deployed: the
 * stack declares the database's `external: true`, so nothing else would create it. In a lab
 * of several zones they follow their tasks (`-o zonePolicy=follow`): a pinned volume would
 * wait forever for a task Swarm puts in the other zone.
 */
export async function createVolumes(manager: NodeState, zones = 1): Promise<void> {
  const engine = engineFor(manager, 120_000);
  const options: Record<string, string> = { size: "1", ...(zones > 1 ? { zonePolicy: "follow" } : {}) };
  for (const name of [DB_VOLUME, JENKINS_VOLUME]) {
    await engine.createVolume({ Name: name, Driver: "swarmvol", DriverOpts: options });
  }
}

/** Writes the stack file under the lab dir and deploys it from the manager. */
export async function deployStack(runner: CommandRunner, state: LabState, manager: NodeState): Promise<string> {
  const file = join(state.options.dir, "drill", "stack.yml");
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, renderStack({ postgresImage: POSTGRES_IMAGE, busyboxImage: BUSYBOX_IMAGE, scripts: stackScripts() }));
  await dockerCli(runner, manager, ["stack", "deploy", "--prune", "-c", file, STACK_NAME]);
  return file;
}

/** Log files worth keeping from a lab dir: per node, the cloud's, and the stack file. */
export function labLogFiles(labDir: string, nodeNames: readonly string[]): string[] {
  const perNode = ["agent.log", "controller.log", "node.log", "pre-dockerd.log"];
  return [
    ...nodeNames.flatMap((n) => perNode.map((f) => join("nodes", n, f))),
    join("cloud", "cloud.log"), join("cloud", "events.jsonl"), join("drill", "stack.yml"),
  ].map((rel) => join(labDir, rel));
}

/** Copies the lab's logs into `logsDir` (replacing the last run's), since `lab down` deletes them. */
export async function collectLogs(labDir: string, nodeNames: readonly string[], logsDir: string): Promise<void> {
  await rm(logsDir, { recursive: true, force: true });
  for (const file of labLogFiles(labDir, nodeNames)) {
    if (!existsSync(file)) continue;
    const target = join(logsDir, relative(labDir, file));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(file, target);
  }
}
