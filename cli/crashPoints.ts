/**
 * The daemons' crash points (core/crashPoints.ts), armed from `SWARMVOL_CRASH_AT` read
 * once at start: a listed step, when reached, writes one log line (synchronously: the
 * process is gone right after) and sends SIGKILL to this very process, a real kill -9 at
 * that instant with no cleanup, no `finally`, no flush. Without the variable nothing is
 * armed and `reached` costs a call. Test-only by intent: armed daemons warn at start.
 */
import { writeSync } from "node:fs";
import { armCrashPoints, crashLogMessage, parseCrashSteps, type CrashDaemon, type CrashStep } from "../core/crashPoints.js";
import { noCrashPoints, type CrashPoints, type Logger } from "../core/ports.js";

/** Writes the crash line (pino's shape) to stderr, the daemon's log, and SIGKILLs this process. */
export function killThisProcess(step: CrashStep, daemon: CrashDaemon, write: (text: string) => void = (text) => void writeSync(2, text)): void {
  const line = { level: 60, time: Date.now(), pid: process.pid, name: `swarmvol-${daemon}`, step, msg: crashLogMessage };
  try {
    write(`${JSON.stringify(line)}\n`);
  } finally {
    process.kill(process.pid, "SIGKILL");
  }
}

/**
 * The crash points `env.SWARMVOL_CRASH_AT` arms for `daemon`; INVALID_ARGUMENT (the daemon
 * does not start) for a name that is not one of its steps, listing the valid ones. Logs
 * one warning when any is armed. `die` is the crash (tests pass a recording one).
 */
export function crashPointsFromEnv(
  env: Readonly<Record<string, string | undefined>>, daemon: CrashDaemon, logger: Logger,
  die: (step: CrashStep, daemon: CrashDaemon) => void = killThisProcess,
): CrashPoints {
  const steps = parseCrashSteps(env.SWARMVOL_CRASH_AT, daemon);
  if (steps.length === 0) return noCrashPoints;
  logger.warn({ steps, variable: "SWARMVOL_CRASH_AT" }, "crash points armed: this process kills itself (SIGKILL) when it reaches one; for drills only");
  return armCrashPoints(steps, (step) => die(step, daemon));
}
