/**
 * `swarmvol healthcheck`: the image's HEALTHCHECK. Asks the daemon of this container
 * (core/healthcheck.ts decides which endpoint from PID 1's arguments) and exits 0 when it
 * answers as a healthy daemon does, 8 (UNAVAILABLE, or TIMEOUT after `--timeout-ms`)
 * otherwise; Docker counts any non-zero exit as a failed check.
 *
 * Healthy means: a plugin socket answers `/Plugin.Activate` with `{"Implements":["VolumeDriver"]}`;
 * an API answers `GET /v1/health` 200 with `"status": "ok"` (a standby replica is healthy:
 * it is ready to lead).
 */
import { readFile } from "node:fs/promises";
import { request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { apiPaths } from "../api/contract.js";
import { invalidArgument, timeout, toSwarmvolError, unavailable } from "../core/errors.js";
import { healthPlan, type HealthTarget } from "../core/healthcheck.js";
import type { HealthProbe, ProbeRequest } from "../core/ports.js";
import { documented, rootFor, runParsed, SwarmvolCommand } from "./commandLine.js";
import { reportFailure } from "./exitCodes.js";

export const healthcheckUsage = "swarmvol healthcheck [--timeout-ms N]   (this container's daemon: exit 0 healthy, 8 not; the image's HEALTHCHECK)";

/** Docker waits 30 s by default for a check; the daemons answer these in milliseconds. */
const defaultTimeoutMs = 2000;
/** An answer longer than this is not one of ours. */
const maxAnswerBytes = 64 * 1024;

export interface HealthcheckDeps {
  probe: HealthProbe;
  env: Readonly<Record<string, string | undefined>>;
  out(text: string): void;
  err(text: string): void;
}

function requestOf(target: HealthTarget): ProbeRequest {
  return target.kind === "plugin"
    ? { socket: target.socket, method: "POST", path: "/Plugin.Activate" }
    : { url: `${target.baseUrl}${apiPaths.health}`, method: "GET" };
}

function describe(target: HealthTarget): string {
  return target.kind === "plugin" ? `plugin socket ${target.socket} (/Plugin.Activate)` : `API ${target.baseUrl}${apiPaths.health}`;
}

function jsonOf(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Why this answer is not a healthy daemon's, or undefined when it is. */
export function unhealthyReason(target: HealthTarget, answer: { status: number; body: string }): string | undefined {
  if (answer.status !== 200) return `answered HTTP ${answer.status}`;
  const json = jsonOf(answer.body);
  if (target.kind === "plugin") {
    const implemented = json?.Implements;
    return Array.isArray(implemented) && implemented.includes("VolumeDriver") ? undefined : "answered without Implements [\"VolumeDriver\"]";
  }
  return json?.status === "ok" ? undefined : "answered without \"status\": \"ok\"";
}

async function ask(probe: HealthProbe, target: HealthTarget, timeoutMs: number): Promise<string | undefined> {
  try {
    return unhealthyReason(target, await probe.request(requestOf(target), timeoutMs));
  } catch (err) {
    return toSwarmvolError(err).message;
  }
}

function timeoutOf(text: string | undefined): number {
  const given = text ?? String(defaultTimeoutMs);
  const value = Number(given);
  if (!/^\d+$/.test(given) || value < 1 || value > 60_000) throw invalidArgument(`--timeout-ms must be a whole number of milliseconds from 1 to 60000, got "${given}"`);
  return value;
}

/** Asks this container's daemon; resolves to 0 healthy, 8 not (or 2 for a bad timeout). */
async function check(timeoutText: string | undefined, deps: HealthcheckDeps): Promise<number> {
  let timeoutMs: number;
  try {
    timeoutMs = timeoutOf(timeoutText);
  } catch (err) {
    return reportFailure(err, deps.err);
  }
  const plan = healthPlan(await deps.probe.daemonArgs(), deps.env);
  const reasons: string[] = [];
  for (const target of plan.targets) {
    const reason = await ask(deps.probe, target, timeoutMs);
    if (reason === undefined) {
      deps.out(`healthy: ${plan.daemon ?? "swarmvol"} ${describe(target)} answered\n`);
      return 0;
    }
    reasons.push(`${describe(target)}: ${reason}`);
  }
  const who = plan.daemon === undefined ? "no swarmvol daemon is PID 1; tried the defaults" : `the ${plan.daemon} is not healthy`;
  return reportFailure(unavailable(`healthcheck: ${who}: ${reasons.join("; ")}`), deps.err);
}

/** The commander declaration of `swarmvol healthcheck`; its action sets `outcome.code`. */
export function healthcheckCommandLine(deps: HealthcheckDeps, outcome: { code: number }): SwarmvolCommand {
  const command = documented(new SwarmvolCommand("healthcheck"), {
    summary: "Asks this container's swarmvol daemon whether it is healthy: exit 0 healthy, 8 not (the image's HEALTHCHECK).",
    details: "The daemon is PID 1's: its plugin socket answers /Plugin.Activate, or its API GET /v1/health; without one, both defaults are tried.",
    usage: "[--timeout-ms N]", examples: ["HEALTHCHECK CMD [\"swarmvol\", \"healthcheck\", \"--timeout-ms\", \"2000\"]"],
  }).option("--timeout-ms <N>", `how long to wait for the answer, 1 to 60000 (default ${defaultTimeoutMs})`);
  command.action(async () => {
    outcome.code = await check(command.opts<{ timeoutMs?: string }>().timeoutMs, deps);
  });
  return command;
}

/** Runs `swarmvol healthcheck <argv…>`; returns the exit code. */
export async function healthcheckCommand(argv: string[], deps: HealthcheckDeps = processDeps()): Promise<number> {
  const outcome = { code: 0 };
  return runParsed(rootFor(healthcheckCommandLine(deps, outcome)), ["healthcheck", ...argv], deps, outcome);
}

function processDeps(): HealthcheckDeps {
  return {
    probe: nodeHealthProbe,
    env: process.env,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
  };
}

/** Reads one answer, up to `maxAnswerBytes`. */
function readAnswer(res: IncomingMessage, req: ClientRequest): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxAnswerBytes) req.destroy(unavailable(`answer longer than ${maxAnswerBytes} bytes`));
      else chunks.push(chunk);
    });
    res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    res.on("error", reject);
  });
}

/** The real probe: /proc/1/cmdline, and node:http over a Unix socket or TCP. */
export const nodeHealthProbe: HealthProbe = {
  async daemonArgs() {
    try {
      const text = await readFile("/proc/1/cmdline", "utf8");
      return text.split("\0").filter((arg, index, all) => arg !== "" || index < all.length - 1);
    } catch {
      return undefined;
    }
  },
  request(probe, timeoutMs) {
    const signal = AbortSignal.timeout(timeoutMs);
    const where = "socket" in probe ? probe.socket : probe.url;
    return new Promise((resolve, reject) => {
      const options = { method: probe.method, signal, headers: { Accept: "application/json", "Content-Length": 0 } };
      const req = "socket" in probe
        ? httpRequest({ ...options, socketPath: probe.socket, path: probe.path, headers: { ...options.headers, Host: "plugin.moby.localhost" } })
        : httpRequest(probe.url, options);
      req.on("response", (res) => readAnswer(res, req).then(resolve, reject));
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (signal.aborted) reject(timeout(`no answer within ${timeoutMs} ms`, { where }));
        else reject(unavailable(`nothing answers (${err.code ?? err.message})`, { where }));
      });
      req.end();
    });
  },
};
