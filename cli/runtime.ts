import * as os from "node:os";
import { readFile, stat } from "node:fs/promises";
import { pino, destination, type DestinationStream } from "pino";
import { invalidArgument, isSwarmvolError } from "../core/errors.js";
import { withoutTrailing } from "../core/text.js";
import type { Logger } from "../core/ports.js";
import type { LogLevel } from "../core/config.js";

export { systemClock } from "../core/clock.js";

/**
 * Fields pino replaces with "[redacted]" wherever a caller puts them. No code logs a token
 * (ADR 0011: messages are constant and fields name nodes and files, never credentials);
 * this is the second wall, for the field somebody adds one day.
 */
export const redactedFields = ["token", "secret", "authorization", "*.token", "*.secret", "*.authorization", "headers.authorization", "*.headers.authorization"];

/** Structured JSON logs on stderr (stdout stays free for command output); tests pass their own stream. */
export function createLogger(level: LogLevel, name: string, stream: DestinationStream = destination(2)): Logger {
  return pino({ name, level, base: { pid: process.pid }, redact: { paths: redactedFields, censor: "[redacted]" } }, stream);
}

/**
 * A token file's content (trailing newlines dropped), or undefined while it does not exist
 * (an agent's node token arrives when its node joins); INVALID_ARGUMENT when unreadable.
 */
export async function readTokenFileIfThere(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, "utf8")).replace(/[\r\n]+$/, "");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw invalidArgument(`cannot read SWARMVOL_TOKEN_FILE ${file}: ${(err as Error).message}; give a readable file holding this node's token`, { file });
  }
}

/**
 * Largest token file read. Tokens are tens of bytes; the cap refuses a wrong file (a key
 * bundle, a log) before reading it into every daemon's memory and every request header.
 */
export const maxTokenFileBytes = 4096;

/**
 * The environment with SWARMVOL_TOKEN read from SWARMVOL_TOKEN_FILE (a Docker secret such
 * as /run/secrets/swarmvol_token) when only the file is given, so the token never needs to
 * be in argv or in the service's environment. Trailing newlines are dropped. (Agents read
 * theirs with {@link readTokenFileIfThere}: it may not exist yet when they start.)
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

/**
 * Asks for the daemon's scheduling priority (`--nice`). Raising it needs root
 * (CAP_SYS_NICE); without, the daemon runs as it was started and says so once.
 */
export function applyNice(nice: number, logger: Logger, priority: Pick<typeof import("node:os"), "getPriority" | "setPriority"> = os): void {
  try {
    if (priority.getPriority(0) === nice) return;
    priority.setPriority(0, nice);
    logger.info({ nice }, "scheduling priority set");
  } catch (err) {
    logger.warn({ nice, err: (err as Error).message }, "could not set the scheduling priority; leases may lapse on a CPU-starved node");
  }
}
