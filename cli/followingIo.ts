import { systemClock } from "../core/clock.js";
import type { OperatorIo } from "./operatorCommands.js";

/**
 * The operator io of a command that follows work as it happens (`move`, `resize --wait`,
 * `events -f`): a stop signal and a sleep between asks, beside the output.
 */
export interface FollowingIo extends OperatorIo {
  /** Aborted on SIGINT/SIGTERM (and, when asked, a closed stdout): the command ends with exit 0. */
  signal: AbortSignal;
  /** Resolves after `ms`, or early (never rejects) when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/**
 * This process's following io. `endOnClosedStdout`: a closed pipe (`swarmvol events -f |
 * head`) stops the command quietly instead of failing its next write.
 */
export function processFollowingIo(options: { endOnClosedStdout?: boolean } = {}): FollowingIo {
  const stop = new AbortController();
  const abort = () => stop.abort();
  process.once("SIGINT", abort);
  process.once("SIGTERM", abort);
  if (options.endOnClosedStdout === true) process.stdout.on("error", abort);
  return {
    env: process.env,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    now: () => Date.now(),
    signal: stop.signal,
    sleep: (ms, signal) => systemClock.sleep(ms, signal).catch(() => undefined),
  };
}
