/**
 * The lab's EC2 emulator process: `node dist/lab/cloud/main.js` in the root namespace,
 * detached (it outlives `lab up`, like a cloud outlives the operator's shell), listening
 * only on the bridge address, with real loop devices whose backing files live under
 * `<labdir>/cloud`. `down` finds it by that path in its argv, kills it and detaches the
 * loops (teardown.ts), so a crashed `up` leaves nothing behind either.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { request } from "node:http";
import type { Clock } from "../../core/ports.js";
import { unavailable } from "../../core/errors.js";
import { pollUntil } from "./engine.js";
import type { DetachedSpawner } from "./host.js";
import { isRunning } from "./node.js";
import type { NodePlan } from "./plan.js";
import { CLOUD_ENDPOINT, cloudArgv, cloudInstances, swarmvolPaths, type RepoArtifacts } from "./swarmvolPlan.js";

/** Status code of a GET (no body kept), or null when nothing answers within `timeoutMs`. */
export function httpGetStatus(url: string, timeoutMs = 1_000): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request(url, { method: "GET", timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.on("error", () => resolve(null));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

/** The last `lines` lines of a log, for error messages ("" when unreadable). */
export async function logTail(path: string, lines = 15): Promise<string> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Waits until `url` answers 200 while the process `pid` lives. A process that exits
 * early fails at once, with the tail of its log, instead of after the whole timeout.
 */
export async function waitForHealth(
  what: string, url: string, pid: number | null, log: string, clock: Clock, ms: number,
): Promise<void> {
  let outcome: "healthy" | "exited" | "timeout" = "timeout";
  let cause: unknown;
  try {
    outcome = await pollUntil(clock, ms, `${what} at ${url}`, async () => {
      if ((await httpGetStatus(url)) === 200) return "healthy" as const;
      if (pid !== null && !(await isRunning(pid))) return "exited" as const;
      return null;
    }, 100);
  } catch (err) {
    cause = err;
  }
  if (outcome === "healthy") return;
  const why = outcome === "exited" ? "exited during startup" : `did not become healthy within ${ms} ms`;
  throw unavailable(`${what} ${why} (${url}); log ${log}:\n${await logTail(log)}`, { url, log, pid }, cause);
}

export interface LabCloudOptions {
  labDir: string;
  nodes: readonly NodePlan[];
  fastCloud: boolean;
  artifacts: RepoArtifacts;
}

/**
 * Writes the instance list (one instance per node, device links into each node's
 * device dir), starts the emulator and resolves with its PID once /_swarmvol/health answers.
 */
export async function startLabCloud(
  options: LabCloudOptions,
  deps: { spawner: DetachedSpawner; clock: Clock },
): Promise<{ pid: number; endpoint: string }> {
  const paths = swarmvolPaths(options.labDir);
  await mkdir(paths.cloudDir, { recursive: true });
  await writeFile(paths.cloudConfig, `${JSON.stringify({ instances: cloudInstances(options.nodes) }, null, 2)}\n`);
  const pid = deps.spawner.spawnDetached(options.artifacts.node, cloudArgv(options.labDir, options.artifacts, options.fastCloud), paths.cloudLog);
  await waitForHealth("the EC2 emulator", `${CLOUD_ENDPOINT}/_swarmvol/health`, pid, paths.cloudLog, deps.clock, 30_000);
  return { pid, endpoint: CLOUD_ENDPOINT };
}
