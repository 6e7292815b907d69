#!/usr/bin/env node
import { loadDaemonConfig } from "../core/config.js";
import type { Logger } from "../core/ports.js";
import { startAllInOne } from "./allInOne.js";
import { reportFailure } from "./exitCodes.js";
import { createLogger } from "./runtime.js";

const usage = `usage: swarmvol [all-in-one] [--plugin-socket PATH] [--state-dir DIR] [--backend local]
                [--log-level LEVEL] [--api-listen HOST:PORT] [--docker-host unix:///PATH]
       swarmvol controller --token T [--listen HOST:PORT] [--docker-host unix:///PATH] [--ec2-endpoint URL]
       swarmvol agent --token T [--controller URL[,URL...]] [--controller-port P] [--instance-id ID --zone Z] [--plugin-socket PATH] [--device-dir DIR]
       swarmvol lab up|down|status|kill|partition|heal|restart|drain ...
       swarmvol drill [--scenario NAME] [--repeat N] [--json FILE] [--ci]
       swarmvol version`;

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

const daemons: ReadonlySet<string | undefined> = new Set([undefined, "all-in-one", "agent", "controller"]);

async function runDaemon(argv: string[]): Promise<number> {
  const config = loadDaemonConfig(process.env, argv);
  const daemon = await startAllInOne(config);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  await daemon.stop();
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (daemons.has(command) || command?.startsWith("--")) {
    const name = command === undefined || command.startsWith("--") ? "all-in-one" : command;
    let logger: Logger | undefined;
    guardDaemon(process, () => (logger ??= createLogger("info", `swarmvol-${name}`)));
  }
  switch (command) {
    case undefined:
      return runDaemon([]);
    case "all-in-one":
      return runDaemon(rest);
    case "lab":
      return (await import("./labCommand.js")).labCommand(rest);
    case "drill":
      return (await import("./drillCommand.js")).drillCommand(rest);
    case "agent":
      return (await import("./agentCommand.js")).agentCommand(rest);
    case "controller":
      return (await import("./controllerCommand.js")).controllerCommand(rest);
    case "version":
      process.stdout.write("swarmvol 0.1.0\n");
      return 0;
    case "help":
    case "--help":
      process.stdout.write(`${usage}\n`);
      return 0;
    default:
      if (command.startsWith("--")) return runDaemon(argv);
      process.stderr.write(`swarmvol: unknown command "${command}"\n${usage}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => process.exit(reportFailure(err)),
);
