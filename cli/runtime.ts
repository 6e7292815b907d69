import { readFile, stat } from "node:fs/promises";
import { pino, destination } from "pino";
import { invalidArgument, isSwarmvolError } from "../core/errors.js";
import { withoutTrailing } from "../core/text.js";
import type { Logger } from "../core/ports.js";
import type { LogLevel } from "../core/config.js";

export { systemClock } from "../core/clock.js";

/** Structured JSON logs on stderr (stdout stays free for command output). */
export function createLogger(level: LogLevel, name: string): Logger {
  return pino({ name, level, base: { pid: process.pid } }, destination(2));
}

/**
 * Largest token file read. Tokens are tens of bytes; the cap refuses a wrong file (a key
 * bundle, a log) before reading it into every daemon's memory and every request header.
 */
export const maxTokenFileBytes = 4096;

/**
 * The environment with SWARMVOL_TOKEN read from SWARMVOL_TOKEN_FILE (a Docker secret such
 * as /run/secrets/swarmvol_token) when only the file is given, so the token never needs to
 * be in argv or in the service's environment. Trailing newlines are dropped.
 */
export async function withTokenFile(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  const file = env.SWARMVOL_TOKEN_FILE;
  if (!file || env.SWARMVOL_TOKEN) return env;
  let token: string;
  try {
    const size = (await stat(file)).size;
    if (size > maxTokenFileBytes) {
      throw invalidArgument(`SWARMVOL_TOKEN_FILE ${file} holds ${size} bytes; a token is at most ${maxTokenFileBytes}: is it the right file?`, { file });
    }
    token = withoutTrailing(await readFile(file, "utf8"), "\r\n");
  } catch (err) {
    if (isSwarmvolError(err)) throw err;
    throw invalidArgument(`cannot read SWARMVOL_TOKEN_FILE ${file}: ${(err as Error).message}; give a readable file holding the API token`, { file });
  }
  if (token === "") throw invalidArgument(`SWARMVOL_TOKEN_FILE ${file} is empty; put the API token in it`, { file });
  return { ...env, SWARMVOL_TOKEN: token };
}

/** Resolves on the first SIGTERM or SIGINT; a second one exits at once (an operator insisting). */
export function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const first = (signal: string) => {
      process.once("SIGTERM", () => process.exit(143));
      process.once("SIGINT", () => process.exit(130));
      resolve(signal);
    };
    process.once("SIGTERM", () => first("SIGTERM"));
    process.once("SIGINT", () => first("SIGINT"));
  });
}

/**
 * Runs a daemon's shutdown within `ms`: a slow client or a stuck call must not keep the
 * process up past what its supervisor (systemd, Swarm) waits before SIGKILL.
 */
export async function stopWithin(ms: number, logger: Logger, work: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), ms)));
  const outcome = await Promise.race([work().then(() => "done" as const), late]).finally(() => clearTimeout(timer));
  if (outcome === "late") logger.warn({ ms }, "shutdown did not finish in time; exiting anyway");
}
