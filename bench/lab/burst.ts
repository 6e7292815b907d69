import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BUSYBOX_IMAGE, type LabState } from "../../lab/cluster/index.js";
import { profileBurst, removeBurstVolumes, type BurstProfile } from "./burstProfile.js";
import { dockerOn, managerOf, waitFor } from "./labDocker.js";

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

/** Deploys the burst stack; resolves with the ms until every service runs, the failed tasks seen and, with volumes, where the time went. */
export async function deployBurst(state: LabState, dir: string, count: number, withVolumes = true, round = 1): Promise<{ ms: number; errors: number; profile?: BurstProfile }> {
  // Each round gets its own stack name, so its volumes are new ones.
  const stack = `${withVolumes ? "burst" : "baseline"}${round}`;
  const file = join(dir, `${stack}.yml`);
  await writeFile(file, burstStack(count, withVolumes));
  const manager = managerOf(state);
  const started = Date.now();
  await dockerOn(manager, ["stack", "deploy", "-c", file, stack]);
  const ms = await waitFor(`all ${count} burst services running`, 300_000, async () => {
    const replicas = (await dockerOn(manager, ["service", "ls", "--filter", `name=${stack}_`, "--format", "{{.Replicas}}"])).split("\n");
    return replicas.length === count && replicas.every((line) => line.startsWith("1/1")) ? Date.now() - started : undefined;
  }, 250);
  const states = (await dockerOn(manager, ["stack", "ps", stack, "--format", "{{.CurrentState}} {{.Error}}"])).split("\n");
  const errors = states.filter((line) => /^(Failed|Rejected)/.test(line)).length;
  const profile = withVolumes ? await profileBurst(state, stack, started) : undefined;
  await dockerOn(manager, ["stack", "rm", stack]);
  await waitFor(`the ${stack} stack gone`, 120_000, async () =>
    (await dockerOn(manager, ["service", "ls", "-q", "--filter", `name=${stack}_`])) === "" ? true : undefined, 500);
  if (withVolumes) await removeBurstVolumes(state, stack);
  return { ms, errors, ...(profile === undefined ? {} : { profile }) };
}
