#!/usr/bin/env node
import { loadDaemonConfig } from "../core/config.js";
import { startAllInOne } from "./allInOne.js";
import { reportFailure } from "./exitCodes.js";

const usage = `usage: swarmvol [all-in-one] [--plugin-socket PATH] [--state-dir DIR] [--backend local]
                [--log-level LEVEL] [--api-listen HOST:PORT] [--docker-host unix:///PATH]
       swarmvol controller --token T [--listen HOST:PORT] [--docker-host unix:///PATH] [--ec2-endpoint URL]
       swarmvol agent --controller URL --token T [--instance-id ID --zone Z] [--plugin-socket PATH] [--device-dir DIR]
       swarmvol lab up|down|status|kill|partition|heal|restart|drain ...
       swarmvol drill [--scenario NAME] [--repeat N] [--json FILE] [--ci]
       swarmvol version`;

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
