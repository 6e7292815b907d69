import { controllerSettings } from "../core/clusterConfig.js";
import { loadDaemonConfig, type Setting } from "../core/config.js";
import { eventsCommand, eventsUsage } from "./eventsCommand.js";
import { healthcheckCommand, healthcheckUsage } from "./healthcheck.js";
import { operatorCommand, operatorCommandNames, operatorUsage } from "./operatorCommands.js";
import { snapshotCommand, snapshotCommandNames, snapshotUsage } from "./snapshotCommands.js";
import { sourceOnlyCommand } from "./sourceOnly.js";

/** One `swarmvol` subcommand: its arguments in, its exit code (cli/exitCodes.ts) out. */
export type Command = (argv: string[]) => Promise<number>;

export const usage = `usage: swarmvol [all-in-one] [--plugin-socket PATH] [--state-dir DIR] [--backend local]
                [--log-level LEVEL] [--api-listen HOST:PORT] [--docker-host unix:///PATH]
       swarmvol controller [--listen HOST:PORT] [--docker-host unix:///PATH] [--ec2-endpoint URL] [--fence-mode self|power]
                [--lease-ttl-ms 3000] [--fence-grace-ms 2000] [--drain-fenced on|off]   (every setting: swarmvol controller --help)
       swarmvol agent [--controller URL[,URL...]] [--controller-port P] [--instance-id ID --zone Z] [--plugin-socket PATH] [--device-dir DIR]
                [--metrics-listen HOST:PORT]   (GET /metrics, off unless given; docs/metrics.md)
${[...operatorUsage, ...snapshotUsage, eventsUsage].map((line) => `       ${line}`).join("\n")}
       swarmvol token node NODE_ID [--out FILE]
       (every command reads its token from SWARMVOL_TOKEN_FILE or SWARMVOL_TOKEN, never from argv:
        controllers and operators the controllers' secret, each agent its own node's token)
       ${healthcheckUsage}
       swarmvol lab up|down|status|kill|partition|heal|restart|drain ...   (source checkout only)
       swarmvol drill [--scenario NAME] [--repeat N] [--json FILE] [--ci]   (source checkout only)
       swarmvol version
Operator commands (ls ... status, snapshot, snapshots, events) take --help, the controller from --controller or SWARMVOL_CONTROLLER
and the token from SWARMVOL_TOKEN_FILE (or SWARMVOL_TOKEN).`;

/** The daemons: long-running, so cli/main.ts guards them against stray rejections. */
export const daemonNames: ReadonlySet<string> = new Set(["all-in-one", "agent", "controller"]);

async function runDaemon(argv: string[]): Promise<number> {
  const config = loadDaemonConfig(process.env, argv);
  const daemon = await (await import("./allInOne.js")).startAllInOne(config);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  await daemon.stop();
  return 0;
}

const printing = (text: string): Command => async () => {
  process.stdout.write(text);
  return 0;
};

/** `swarmvol controller --help`: every setting with its environment variable, default and use. */
export function settingsUsage(command: string, table: Readonly<Record<string, Setting>>): string {
  const rows = Object.values(table).map((setting) => {
    const fallback = setting.fallback === undefined ? "" : `(default ${setting.fallback})`;
    return `  ${setting.flag.padEnd(26)}${setting.env.padEnd(34)}${fallback}${setting.help === undefined ? "" : `  ${setting.help}`}`.trimEnd();
  });
  return `usage: ${command} [--FLAG VALUE]...   (each flag overrides its environment variable)\n${rows.join("\n")}\n`;
}

/**
 * Every subcommand cli/main.ts dispatches, by name; modules load only when their command
 * runs. A message that tells the user to run `swarmvol X` must name one of these
 * (test/component/commandMentions.test.ts checks every product source).
 */
export const commands: ReadonlyMap<string, Command> = new Map<string, Command>([
  ["all-in-one", runDaemon],
  ["agent", async (argv) => (await import("./agentCommand.js")).agentCommand(argv)],
  ["controller", async (argv) => (argv.includes("--help")
    ? printing(settingsUsage("swarmvol controller", controllerSettings))(argv)
    : (await import("./controllerCommand.js")).controllerCommand(argv))],
  ...operatorCommandNames.map((name): [string, Command] => [name, (argv) => operatorCommand(name, argv)]),
  ...snapshotCommandNames.map((name): [string, Command] => [name, (argv) => snapshotCommand(name, argv)]),
  ["events", (argv) => eventsCommand(argv)],
  ["token", async (argv) => (await import("./tokenCommand.js")).tokenCommand(argv)],
  ["healthcheck", (argv) => healthcheckCommand(argv)],
  // Not in the image: cli/sourceOnly.ts keeps the compiler from following them into lab/.
  ["lab", sourceOnlyCommand("lab")],
  ["drill", sourceOnlyCommand("drill")],
  ["version", printing("swarmvol 0.1.0\n")],
  ["help", printing(`${usage}\n`)],
]);
