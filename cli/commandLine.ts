/**
 * The `swarmvol` command line on commander (ADR 0023): every subcommand declares its
 * arguments and options here, commander parses them and writes `--help`, and the house
 * keeps its own words and exit codes. A usage error commander finds (an unknown flag, a
 * missing operand, one too many, a flag without its value) is an INVALID_ARGUMENT (exit
 * 2, cli/exitCodes.ts) in the house's words, naming the command's valid flags or usage;
 * help is printed to stdout and exits 0. Commander never calls process.exit here.
 *
 * Operator commands share `--controller` (or SWARMVOL_CONTROLLER, default all-in-one's
 * http://127.0.0.1:7750), `--token-file` (or SWARMVOL_TOKEN_FILE, or SWARMVOL_TOKEN) and
 * `--json`; there is no token flag: argv is visible to every user in `ps`.
 */
import { Command, CommanderError, type Help, type OptionValues } from "commander";
import { defaultControllerUrl } from "../core/clusterConfig.js";
import { invalidArgument, quoted } from "../core/errors.js";
import { reportFailure } from "./exitCodes.js";

/** Where a parsed command writes: results to `out`, help too; warnings and errors to `err`. */
export interface CommandLineIo {
  out(text: string): void;
  err(text: string): void;
}

/** The words every usage error ends with: how to use this command. */
function usageOf(command: Command): string {
  return `usage: ${pathOf(command)} ${command.usage()}`.trimEnd();
}

function pathOf(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name());
  return names.join(" ");
}

const seeHelp = (command: Command) => `(see \`${pathOf(command)} --help\`)`;
const quotedIn = (message: string) => /'([^']*)'/.exec(message)?.[1] ?? "";

/** The house's message for a usage error commander found in `command`'s arguments. */
export function usageError(command: Command, message: string, code: string | undefined): string {
  switch (code) {
    case "commander.unknownOption": {
      const flag = quotedIn(message);
      if (flag === "--token" || flag.startsWith("--token=")) {
        return "no --token flag: argv is visible to every user in `ps`; set SWARMVOL_TOKEN_FILE (or --token-file) to a file holding the token";
      }
      const flags = command.options.filter((option) => !option.hidden).map((option) => option.long ?? option.short).join(", ");
      return `unknown argument ${quoted(flag)}; valid flags: ${flags || "none"}, --help ${seeHelp(command)}`;
    }
    case "commander.missingArgument":
      return `missing ${quotedIn(message)}; ${usageOf(command)} ${seeHelp(command)}`;
    case "commander.excessArguments": {
      const extra = command.args[command.registeredArguments.length] ?? "";
      return `unexpected argument ${quoted(extra)}; ${usageOf(command)} ${seeHelp(command)}`;
    }
    case "commander.missingMandatoryOptionValue":
      return `missing ${quotedIn(message).replace(/[<>]/g, "")}; ${usageOf(command)} ${seeHelp(command)}`;
    case "commander.optionMissingArgument": {
      const flag = /'(--?[\w-]+)/.exec(message)?.[1] ?? "the flag";
      return `flag ${flag} needs a value, like ${flag}=VALUE`;
    }
    case "commander.unknownCommand":
      return `unknown command ${quoted(command.args[0] ?? "")} of ${pathOf(command)}; ${usageOf(command)} ${seeHelp(command)}`;
    default:
      return `${message.replace(/^error: /, "")}; ${usageOf(command)} ${seeHelp(command)}`;
  }
}

/** Help in the house's layout: usage, what it does, commands, options; examples follow (addHelpText). */
function houseHelp(command: Command, helper: Help): string {
  const width = helper.padWidth(command, helper);
  const item = (term: string, description: string) => (description ? `  ${term.padEnd(width)}  ${description}` : `  ${term}`);
  const lines = [usageOf(command), ""];
  if (command.description()) lines.push(command.description(), "");
  const operands = helper.visibleArguments(command);
  if (operands.length > 0) lines.push("arguments:", ...operands.map((operand) => item(helper.argumentTerm(operand), helper.argumentDescription(operand))), "");
  const commands = helper.visibleCommands(command);
  if (commands.length > 0) lines.push("commands:", ...commands.map((sub) => item(helper.subcommandTerm(sub), helper.subcommandDescription(sub))), "");
  const options = helper.visibleOptions(command);
  if (options.length > 0) lines.push("options:", ...options.map((option) => item(helper.optionTerm(option), helper.optionDescription(option))), "");
  return `${lines.join("\n")}\n`;
}

/**
 * A commander Command with the house's rules: usage errors thrown as INVALID_ARGUMENT in
 * the house's words (never printed by commander, never process.exit), help in the house's
 * layout; subcommands made by `.command()` are the same kind.
 */
export class SwarmvolCommand extends Command {
  constructor(name?: string) {
    super(name);
    this.exitOverride();
    this.configureHelp({ formatHelp: houseHelp, sortOptions: false });
    this.helpOption("-h, --help", "show this help");
    this.allowExcessArguments(false);
  }

  override createCommand(name?: string): SwarmvolCommand {
    return new SwarmvolCommand(name);
  }

  override error(message: string, errorOptions?: { code?: string; exitCode?: number }): never {
    throw invalidArgument(usageError(this, message, errorOptions?.code));
  }
}

/** What a command is for, how it is written, and examples people can copy. */
export interface CommandDoc {
  summary: string;
  /** After the command's name: `NAME [--controller URL[,URL...]] [--json]`. */
  usage: string;
  examples: readonly string[];
  /** More paragraphs after the summary. */
  details?: string;
}

/** Sets a command's words: its description, usage line and examples after the options. */
export function documented<C extends Command>(command: C, doc: CommandDoc): C {
  command.description(doc.details ? `${doc.summary}\n\n${doc.details}` : doc.summary).summary(doc.summary).usage(doc.usage);
  const heading = doc.examples.length === 1 ? "example:" : "examples:";
  command.addHelpText("after", `${heading}\n${doc.examples.map((line) => `  ${line}`).join("\n")}\n`);
  return command;
}

/** The options every operator command takes. */
export interface OperatorFlags extends OptionValues {
  controller?: string;
  tokenFile?: string;
  json?: boolean;
}

export const operatorUsageTail = "[--controller URL[,URL...]] [--token-file FILE] [--json]";

/** Adds `--controller`, `--token-file` and `--json`. */
export function withOperatorOptions<C extends Command>(command: C): C {
  return command
    .option("--controller <URL[,URL...]>", `the controller replicas, comma-separated (or SWARMVOL_CONTROLLER; default ${defaultControllerUrl}, all-in-one)`)
    .option("--token-file <FILE>", "a file holding the controllers' secret (or SWARMVOL_TOKEN_FILE, or SWARMVOL_TOKEN); never a token on the command line")
    .option("--json", "print the controller's objects as JSON instead of text");
}

/** The environment with `--token-file` applied: a flag wins over SWARMVOL_TOKEN and SWARMVOL_TOKEN_FILE. */
export function operatorEnv(env: NodeJS.ProcessEnv, flags: OperatorFlags): NodeJS.ProcessEnv {
  if (flags.tokenFile === undefined) return env;
  const { SWARMVOL_TOKEN: _token, ...rest } = env;
  return { ...rest, SWARMVOL_TOKEN_FILE: flags.tokenFile };
}

/** `--controller` as core/clusterConfig.ts loadOperatorConfig reads it (it checks the URLs). */
export function controllerArgs(flags: OperatorFlags): string[] {
  return flags.controller === undefined ? [] : ["--controller", flags.controller];
}

/**
 * Parses `argv` (the words after `swarmvol`) with `program` and runs the action it
 * selects; resolves to the exit code the action set through `outcome` (0 for help),
 * or the usage error's (2).
 */
export async function runParsed(program: Command, argv: readonly string[], io: CommandLineIo, outcome: { code: number }): Promise<number> {
  const output = { writeOut: (text: string) => io.out(text), writeErr: (text: string) => io.err(text), outputError: (text: string) => io.err(text) };
  const configure = (command: Command): void => {
    command.configureOutput(output);
    command.commands.forEach(configure);
  };
  configure(program);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return outcome.code;
  } catch (err) {
    if (!(err instanceof CommanderError)) return reportFailure(err, io.err);
    // Help asked for exits 0; help shown because a command was missing exits as a usage error.
    if (err.exitCode === 0) return 0;
    return err.code === "commander.help" ? 2 : reportFailure(invalidArgument(err.message), io.err);
  }
}

/** A root `swarmvol` holding one subcommand, for running that subcommand alone (its tests, its runner). */
export function rootFor(command: Command): SwarmvolCommand {
  const root = new SwarmvolCommand("swarmvol");
  root.addCommand(command);
  return root;
}
