#!/usr/bin/env node
import type { Logger } from "../core/ports.js";
import { daemonNames } from "./commands.js";
import { reportFailure } from "./exitCodes.js";
import { runSwarmvol } from "./program.js";
import { createLogger } from "./runtime.js";

/**
 * Keeps a daemon up through a promise that rejected with nobody awaiting it: logged as an
 * error and the daemon goes on. The step it belonged to is lost, and the next heartbeat or
 * reconcile pass redoes it; a dead agent would lapse its lease and a dead controller stall
 * every node. An uncaught exception leaves the process in an unknown state: logged, then
 * exit 1, for Swarm or systemd to restart it.
 */
export function guardDaemon(proc: Pick<NodeJS.Process, "on" | "exit">, logger: () => Logger | undefined): void {
  const report = (msg: string, err: unknown) => {
    const fields = { err: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    let target: Logger | undefined;
    try {
      target = logger();
    } catch {
      target = undefined;
    }
    if (target) target.error(fields, msg);
    else console.error(`swarmvol: ${msg}: ${fields.err}`);
  };
  proc.on("unhandledRejection", (reason) => report("unhandled promise rejection; the daemon keeps running", reason));
  proc.on("uncaughtException", (err) => {
    report("uncaught exception; the daemon exits", err);
    proc.exit(1);
  });
}

/** Runs the command line (cli/program.ts on commander); the daemons are guarded first. */
function main(argv: string[]): Promise<number> {
  return runSwarmvol(argv, (command) => {
    if (!daemonNames.has(command)) return;
    let logger: Logger | undefined;
    guardDaemon(process, () => (logger ??= createLogger("info", `swarmvol-${command}`)));
  });
}

// The AWS SDK versions package.json pins support Node 20; the SDK warns on every start that
// versions published after early 2027 will not (a multi-line warning in a JSON log). The
// pins are exact and deliberate, so the warning says nothing to act on; set the variable to
// "false" to see it again.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => process.exit(reportFailure(err)),
);
