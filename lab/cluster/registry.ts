/**
 * The lab registry: Debian's `docker-registry` (distribution v2) in the root namespace,
 * listening only on the bridge address 10.213.0.1:5000, storing blobs under the lab dir.
 * Nodes pull workload images from it (each dockerd has --insecure-registry for it), so a
 * Swarm task starts at once instead of spending ~20 s on a failed pull of a local image.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { get } from "node:http";
import { join } from "node:path";
import type { Clock } from "../../core/ports.js";
import { pollUntil } from "./engine.js";
import type { DetachedSpawner } from "./host.js";
import { BRIDGE_ADDRESS, REGISTRY_PORT } from "./plan.js";

export function registryPaths(labDir: string): { dir: string; config: string; data: string; log: string } {
  const dir = join(labDir, "registry");
  return { dir, config: join(dir, "config.yml"), data: join(dir, "data"), log: join(dir, "registry.log") };
}

/** The registry's configuration: filesystem storage, no auth, bridge address only. */
export function registryConfig(dataDir: string): string {
  return [
    "version: 0.1",
    "log:",
    "  level: warn",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${dataDir}`,
    "  delete:",
    "    enabled: true",
    "http:",
    `  addr: ${BRIDGE_ADDRESS}:${REGISTRY_PORT}`,
    "",
  ].join("\n");
}

function registryAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get({ host: BRIDGE_ADDRESS, port: REGISTRY_PORT, path: "/v2/", timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
  });
}

/** Starts the registry (the bridge must exist) and waits until `/v2/` answers; returns its PID. */
export async function startRegistry(labDir: string, deps: { spawner: DetachedSpawner; clock: Clock }): Promise<number> {
  const paths = registryPaths(labDir);
  await mkdir(paths.data, { recursive: true });
  await writeFile(paths.config, registryConfig(paths.data));
  const pid = deps.spawner.spawnDetached("docker-registry", ["serve", paths.config], paths.log);
  await pollUntil(deps.clock, 30_000, "the lab registry", async () => ((await registryAnswers()) ? true : null), 100);
  return pid;
}
