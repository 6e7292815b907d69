#!/usr/bin/env node
import type { Logger } from "../core/ports.js";
import { commands, daemonNames, usage } from "./commands.js";
import { reportFailure } from "./exitCodes.js";
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

/** No command, or flags first: the all-in-one daemon with those flags; `--help` is `help`. */
function commandOf(argv: string[]): [string, string[]] {
  const [first, ...rest] = argv;
  if (first === "--help") return ["help", rest];
  if (first === undefined || first.startsWith("--")) return ["all-in-one", argv];
  return [first, rest];
}

async function main(argv: string[]): Promise<number> {
  const [command, args] = commandOf(argv);
  const run = commands.get(command);
  if (run === undefined) {
    process.stderr.write(`swarmvol: unknown command "${command}"\n${usage}\n`);
    return 2;
  }
  if (daemonNames.has(command)) {
    let logger: Logger | undefined;
    guardDaemon(process, () => (logger ??= createLogger("info", `swarmvol-${command}`)));
  }
  return run(args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => process.exit(reportFailure(err)),
);
