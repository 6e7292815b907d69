/**
 * The daemons' command lines on commander: `swarmvol [all-in-one]`, `swarmvol agent`,
 * `swarmvol controller`. Their flags are declared from the settings tables of core/ (the
 * one place that knows each flag, its environment variable and its default), so `--help`
 * lists exactly what the daemon reads; commander refuses an unknown flag, and the flags
 * given go on to the daemon's loader (core/config.ts, core/clusterConfig.ts), which checks
 * every value with the environment as it always did (environment first, flags override).
 */
import type { Setting } from "../core/config.js";
import { documented, type CommandDoc, SwarmvolCommand } from "./commandLine.js";

/** `--state-dir` → `<DIR>`: the last word of the flag names the value. */
function placeholder(flag: string): string {
  return `<${(flag.split("-").pop() ?? "value").toUpperCase()}>`;
}

function helpOf(setting: Setting): string {
  const from = `${setting.help === undefined ? "" : `${setting.help}; `}or ${setting.env}`;
  if (setting.fallback !== undefined) return `${from}; default ${setting.fallback}`;
  return setting.required ? `${from}; required: ${setting.required}` : from;
}

/**
 * A daemon's declaration: one option per setting. The action hands the daemon the flags
 * given on the command line as `--flag=value` (defaults and the environment stay the
 * loader's to apply) and sets `outcome.code` to what the daemon returns when it stops.
 */
export function daemonCommandLine(
  name: string, settings: Readonly<Record<string, Setting>>, doc: CommandDoc, run: (argv: string[]) => Promise<number>, outcome: { code: number },
): SwarmvolCommand {
  const command = documented(new SwarmvolCommand(name), doc);
  for (const setting of Object.values(settings)) command.option(`${setting.flag} ${placeholder(setting.flag)}`, helpOf(setting));
  command.action(async () => {
    const given = command.options.filter((option) => command.getOptionValueSource(option.attributeName()) === "cli");
    outcome.code = await run(given.map((option) => `${option.long}=${String(command.getOptionValue(option.attributeName()))}`));
  });
  return command;
}
