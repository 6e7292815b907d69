/**
 * The `swarmvol` program on commander: one subcommand per entry of cli/commands.ts, each
 * handed its own arguments to parse (on commander too, cli/commandLine.ts), and
 * `all-in-one` the default, so `swarmvol` alone or with flags first runs the all-in-one
 * daemon as it always did. An unknown command exits 2 with the overview; `swarmvol
 * --help` and `swarmvol help` print the overview, `swarmvol help NAME` that command's help.
 */
import { invalidArgument, quoted } from "../core/errors.js";
import { runParsed, SwarmvolCommand, type CommandLineIo } from "./commandLine.js";
import { commands, summaries, usage, type Command } from "./commands.js";
import { reportFailure } from "./exitCodes.js";

/** Told before a command runs, with its name (cli/main.ts guards the daemons). */
export type BeforeRun = (name: string) => void;

/** The default command also gets what no command matched: a word there is a command that does not exist. */
function unknownCommand(args: readonly string[], io: CommandLineIo): number | undefined {
  const [first] = args;
  if (first === undefined || first.startsWith("-")) return undefined;
  const code = reportFailure(invalidArgument(`unknown command ${quoted(first)}; \`swarmvol help\` lists them`), io.err);
  io.err(`${usage}\n`);
  return code;
}

/** The program: every command of cli/commands.ts, its arguments passed through untouched. */
export function swarmvolProgram(io: CommandLineIo, outcome: { code: number }, beforeRun: BeforeRun = () => undefined): SwarmvolCommand {
  const program = new SwarmvolCommand("swarmvol").enablePositionalOptions().helpOption(false).helpCommand(false)
    .description("Volumes that follow their Docker Swarm tasks.").usage("[COMMAND] [ARGS...]");
  for (const [name, run] of commands) {
    const sub = program.command(name, { isDefault: name === "all-in-one" }).description(summaries[name] ?? "")
      .helpOption(false).allowUnknownOption().allowExcessArguments().passThroughOptions().argument("[args...]");
    sub.action(async (args: string[]) => {
      const refused = name === "all-in-one" && program.args[0] !== "all-in-one" ? unknownCommand(args, io) : undefined;
      if (refused !== undefined) {
        outcome.code = refused;
        return;
      }
      beforeRun(name);
      outcome.code = await (run as Command)(args);
    });
  }
  return program;
}

/** Runs `swarmvol <argv…>`; resolves to the exit code. `--help` first is `help`. */
export function runSwarmvol(argv: readonly string[], beforeRun?: BeforeRun, io: CommandLineIo = processOut): Promise<number> {
  const words = argv[0] === "--help" || argv[0] === "-h" ? ["help", ...argv.slice(1)] : argv;
  const outcome = { code: 0 };
  return runParsed(swarmvolProgram(io, outcome, beforeRun), words, io, outcome);
}

const processOut: CommandLineIo = { out: (text) => void process.stdout.write(text), err: (text) => void process.stderr.write(text) };
