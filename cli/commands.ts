import { agentSettings, controllerSettings } from "../core/clusterConfig.js";
import { daemonSettings, loadDaemonConfig } from "../core/config.js";
import { rootFor, runParsed, type SwarmvolCommand } from "./commandLine.js";
import { daemonCommandLine } from "./daemonCommands.js";
import { eventsCommand, eventsUsage } from "./eventsCommand.js";
import { healthcheckCommand, healthcheckUsage } from "./healthcheck.js";
import { moveCommand, moveUsage } from "./moveCommand.js";
import { resizeCommand, resizeUsage } from "./resizeCommand.js";
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
${[...operatorUsage, ...snapshotUsage, eventsUsage, moveUsage, resizeUsage].map((line) => `       ${line}`).join("\n")}
       swarmvol token node NODE_ID [--out FILE]
       (every command reads its token from --token-file, SWARMVOL_TOKEN_FILE or SWARMVOL_TOKEN, never from argv:
        controllers and operators the controllers' secret, each agent its own node's token; every command takes --help)
       ${healthcheckUsage}
       swarmvol lab up|down|status|kill|partition|heal|restart|drain ...   (source checkout only)
       swarmvol drill [--scenario NAME] [--repeat N] [--json FILE] [--ci]   (source checkout only)
       swarmvol version
Operator commands (ls ... status, snapshot, snapshots, events, move, resize) take --help, the controller from --controller or SWARMVOL_CONTROLLER
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

const processOut = { out: (text: string) => void process.stdout.write(text), err: (text: string) => void process.stderr.write(text) };

/** Runs a command declared on commander alone: its own root, this process's output. */
const declared = (build: (outcome: { code: number }) => SwarmvolCommand): Command => (argv) => {
  const outcome = { code: 0 };
  const command = build(outcome);
  return runParsed(rootFor(command), [command.name(), ...argv], processOut, outcome);
};

const daemons: Array<[string, Command]> = [
  ["all-in-one", declared((outcome) => daemonCommandLine("all-in-one", daemonSettings, {
    summary: "Runs the plugin and its API on one host, on the local backend (the default: no flags, no cloud).",
    usage: "[--plugin-socket PATH] [--state-dir DIR] [--api-listen HOST:PORT] [--log-level LEVEL] [--docker-host unix:///PATH]",
    examples: ["swarmvol", "swarmvol all-in-one --state-dir /srv/swarmvol --api-listen 127.0.0.1:7750"],
  }, runDaemon, outcome))],
  ["agent", declared((outcome) => daemonCommandLine("agent", agentSettings, {
    summary: "Runs the node agent: the Docker volume plugin of this node, holding a lease from the controller.",
    usage: "[--controller URL[,URL...]] [--controller-port P] [--instance-id ID --zone Z] [--plugin-socket PATH] [--device-dir DIR] [--share-mounter efs-utils|bind:DIR] [--metrics-listen HOST:PORT]",
    examples: ["SWARMVOL_TOKEN_FILE=/etc/swarmvol/node.token swarmvol agent", "swarmvol agent --controller http://10.0.0.5:7750,http://10.0.0.6:7750 --metrics-listen 127.0.0.1:7751"],
  }, async (argv) => (await import("./agentCommand.js")).agentCommand(argv), outcome))],
  ["controller", declared((outcome) => daemonCommandLine("controller", controllerSettings, {
    summary: "Runs one controller replica (one on every manager; one leads): informer, placement, EBS, the API.",
    usage: "[--listen HOST:PORT] [--docker-host unix:///PATH] [--ec2-endpoint URL] [--fence-mode self|power] ...",
    examples: ["SWARMVOL_TOKEN_FILE=/run/secrets/swarmvol_token swarmvol controller --listen 0.0.0.0:7750"],
  }, async (argv) => (await import("./controllerCommand.js")).controllerCommand(argv), outcome))],
];

/**
 * Every subcommand cli/main.ts dispatches, by name; modules load only when their command
 * runs. Each parses its own arguments on commander (cli/commandLine.ts). A message that
 * tells the user to run `swarmvol X` must name one of these
 * (test/component/commandMentions.test.ts checks every product source).
 */
export const commands: ReadonlyMap<string, Command> = new Map<string, Command>([
  ...daemons,
  ...operatorCommandNames.map((name): [string, Command] => [name, (argv) => operatorCommand(name, argv)]),
  ...snapshotCommandNames.map((name): [string, Command] => [name, (argv) => snapshotCommand(name, argv)]),
  ["events", (argv) => eventsCommand(argv)],
  ["move", (argv) => moveCommand(argv)],
  ["resize", (argv) => resizeCommand(argv)],
  ["token", async (argv) => (await import("./tokenCommand.js")).tokenCommand(argv)],
  ["healthcheck", (argv) => healthcheckCommand(argv)],
  // Not in the image: cli/sourceOnly.ts keeps the compiler from following them into lab/.
  ["lab", sourceOnlyCommand("lab")],
  ["drill", sourceOnlyCommand("drill")],
  ["version", printing("swarmvol 0.1.0\n")],
  ["help", async (argv) => (argv[0] !== undefined && argv[0] !== "help" && commands.has(argv[0]) ? (commands.get(argv[0]) as Command)(["--help"]) : printing(`${usage}\n`)([]))],
]);

/** What each command is for, one line each, in `swarmvol --help`. */
export const summaries: Readonly<Record<string, string>> = {
  "all-in-one": "the plugin and its API on one host (the default)", agent: "the node agent (the plugin of a swarm node)",
  controller: "a controller replica (on every manager)", ls: "the volumes", inspect: "one volume", nodes: "the nodes", fence: "fence a node",
  unfence: "take a fence back", snapshot: "take (or rm) a snapshot", snapshots: "list snapshots", status: "every controller replica's role", events: "the controller's events (-f: live)", move: "move a volume to a node",
  resize: "grow a volume and its filesystem",
  token: "issue a node's token", healthcheck: "this container's daemon's health", lab: "the lab (source checkout)",
  drill: "failover drills (source checkout)", version: "this build's version", help: "this overview, or a command's help",
};
