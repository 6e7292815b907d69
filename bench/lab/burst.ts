import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BUSYBOX_IMAGE, type LabState } from "../../lab/cluster/index.js";
import { profileBurst, removeBurstVolumes, slowestVolume, type BurstProfile, type SlowestVolume } from "./burstProfile.js";
import { dockerOn, managerOf, waitFor } from "./labDocker.js";
import { swarmPipeline, type SwarmPipeline } from "./swarmPipeline.js";
import { cpuBetween, cpuSnapshot, type CpuUse } from "./cpuShare.js";

/** How long a round waits for every service to run before it is counted as failed. */
export const BURST_TIMEOUT_MS = 300_000;

/**
 * A stack of `count` services, each with its own new swarmvol volume (driver_opts size
 * 1 GiB), or the same services with no volume at all (the baseline: Swarm's own time).
 */
export function burstStack(count: number, withVolumes = true): string {
  const services: string[] = [];
  const volumes: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const mount = withVolumes ? `\n    volumes: ["v${index}:/data"]` : "";
    services.push(`  s${index}:\n    image: ${BUSYBOX_IMAGE}\n    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]${mount}\n    deploy:\n      placement: {constraints: ["node.role==worker"]}\n      restart_policy: {delay: 1s}`);
    volumes.push(`  v${index}:\n    driver: swarmvol\n    driver_opts: {size: "1"}`);
  }
  const volumeSection = withVolumes ? `volumes:\n${volumes.join("\n")}\n` : "";
  return `version: "3.8"\nservices:\n${services.join("\n")}\n${volumeSection}`;
}

/** One deploy of the burst stack. */
export interface BurstRound {
  /** ms from `stack deploy` until every service ran; undefined when they did not within {@link BURST_TIMEOUT_MS}. */
  ms: number | undefined;
  /** Tasks that ended Failed or Rejected. */
  errors: number;
  /** Their distinct error texts with counts (`docker stack ps --no-trunc`), e.g. `3× task: non-zero exit (137)`. */
  taskErrors: string[];
  profile?: BurstProfile;
  slowest?: SlowestVolume;
  /** Swarm's own stages (task created, container started, running reported); undefined when they could not be read. */
  pipeline?: SwarmPipeline;
  /** CPU seconds by process group from the deploy until every service ran. */
  cpu?: CpuUse;
  /** Volumes the controller still refused to remove after the round, with its last answer. */
  leftovers: string[];
}

/** Counts each distinct task error text, most frequent first. */
export function countTaskErrors(lines: readonly string[]): { errors: number; taskErrors: string[] } {
  const counts = new Map<string, number>();
  let errors = 0;
  for (const line of lines) {
    const match = /^(Failed|Rejected)\S*\s*(.*)$/.exec(line.trim());
    if (!match) continue;
    errors += 1;
    const text = (match[2] ?? "").replace(/^.*?\bago\b\s*/, "").trim() || "(no error text)";
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  const taskErrors = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([text, count]) => `${count}× ${text}`);
  return { errors, taskErrors };
}

/**
 * `docker stack rm` until nothing of the stack is left: the services go at once, but the
 * stack's network is refused ("in use by task") while their tasks are still shutting down,
 * and the CLI then fails after removing the rest; asking again once they are gone removes it.
 * Then waits until every node has stopped the stack's containers and torn down its network:
 * a node's dockerd tears down one service binding after another for seconds after the
 * services are gone, and the next deploy's tasks wait for that on their node, so without
 * this wait the deploy after the baseline (the burst) paid for the baseline's teardown.
 */
async function removeStack(state: LabState, stack: string): Promise<void> {
  const manager = managerOf(state);
  await waitFor(`the ${stack} stack gone`, 120_000, async () => {
    const left = await dockerOn(manager, ["stack", "rm", stack]).then(() => "", (err: unknown) => (err as Error).message);
    if (left !== "" && !/in use|failed to remove some resources/i.test(left)) throw new Error(left);
    const services = await dockerOn(manager, ["service", "ls", "-q", "--filter", `name=${stack}_`]);
    return left === "" && services === "" ? true : undefined;
  }, 1000);
  await waitFor(`the ${stack} containers and network gone from every node`, 120_000, async () => {
    const leftovers = await Promise.all(state.nodes.map(async (node) => [
      await dockerOn(node, ["ps", "-aq", "--filter", `label=com.docker.stack.namespace=${stack}`]),
      await dockerOn(node, ["network", "ls", "-q", "--filter", `name=${stack}_default`]),
    ].join("")));
    return leftovers.every((left) => left === "") ? true : undefined;
  }, 500).catch((err: unknown) => process.stderr.write(`bench: lab-burst: ${(err as Error).message}; deploying anyway\n`));
}

/** Deploys the burst stack and waits for it; a round that times out is reported, not thrown. */
export async function deployBurst(state: LabState, dir: string, count: number, withVolumes = true, round = 1): Promise<BurstRound> {
  // Each round gets its own stack name, so its volumes are new ones.
  const stack = `${withVolumes ? "burst" : "baseline"}${round}`;
  const file = join(dir, `${stack}.yml`);
  await writeFile(file, burstStack(count, withVolumes));
  const manager = managerOf(state);
  const cpuBefore = await cpuSnapshot();
  const started = Date.now();
  await dockerOn(manager, ["stack", "deploy", "-c", file, stack]);
  const ms = await waitFor(`all ${count} burst services running`, BURST_TIMEOUT_MS, async () => {
    const replicas = (await dockerOn(manager, ["service", "ls", "--filter", `name=${stack}_`, "--format", "{{.Replicas}}"])).split("\n");
    return replicas.length === count && replicas.every((line) => line.startsWith("1/1")) ? Date.now() - started : undefined;
  }, 250).catch(() => undefined);
  const cpu = cpuBetween(cpuBefore, await cpuSnapshot());
  const pipeline = await swarmPipeline(state, stack, started).catch(() => undefined);
  const states = (await dockerOn(manager, ["stack", "ps", stack, "--no-trunc", "--format", "{{.CurrentState}} {{.Error}}"])).split("\n");
  const { errors, taskErrors } = countTaskErrors(states);
  const profile = withVolumes ? await profileBurst(state, stack, started) : undefined;
  const slowest = withVolumes ? await slowestVolume(state, stack, started) : undefined;
  await removeStack(state, stack);
  const leftovers = withVolumes ? await removeBurstVolumes(state, stack) : [];
  return {
    ms, errors, taskErrors, leftovers, cpu,
    ...(profile === undefined ? {} : { profile }), ...(slowest === undefined ? {} : { slowest }), ...(pipeline === undefined ? {} : { pipeline }),
  };
}
