/**
 * Pure parsing of `swarmvol lab …` arguments (everything after "lab"):
 *
 *   up [--nodes N] [--managers M] [--zones Z] [--bare] [--fast-cloud] [--no-install] [--dir D]
 *   down [--dir D]
 *   status [--json] [--dir D]
 *   kill|partition|heal|restart|drain|freeze-agent|thaw-agent NODE [--dir D]
 *   fence-mode self|power [--dir D]              (the replicas' --fence-mode, rolling restart)
 *   kill-controller [NODE] [--term] [--dir D]     (default: the leading replica, SIGKILL)
 *   start-controller [NODE] [--dir D]             (default: every stopped replica)
 *   restart-controllers [--kill] [--dir D]        (rolling, SIGTERM unless --kill)
 *
 * Flags take `--flag value` or `--flag=value`. Errors are INVALID_ARGUMENT with a message
 * meant for the terminal.
 */
import { clipped, invalidArgument, quoted } from "../../core/errors.js";

export const NODE_VERBS = ["kill", "partition", "heal", "restart", "drain", "freeze-agent", "thaw-agent"] as const;
export type NodeVerb = (typeof NODE_VERBS)[number];

export type LabCommand =
  | { verb: "up"; dir?: string; nodes?: number; managers?: number; zones?: number; bare: boolean; fastCloud: boolean; install: boolean }
  | { verb: "down"; dir?: string }
  | { verb: "status"; dir?: string; json: boolean }
  | { verb: NodeVerb; dir?: string; node: string }
  | { verb: "kill-controller"; dir?: string; node?: string; signal: "SIGKILL" | "SIGTERM" }
  | { verb: "start-controller"; dir?: string; node?: string }
  | { verb: "restart-controllers"; dir?: string; signal: "SIGKILL" | "SIGTERM" }
  | { verb: "fence-mode"; dir?: string; mode: "self" | "power" }
  | { verb: "help" };

export const LAB_USAGE = `usage: swarmvol lab <command> [--dir D]
  up [--nodes N] [--managers M] [--zones Z] [--bare] [--fast-cloud] [--no-install]
                                                       start a lab (default 3 nodes, 1 manager) with
                                                       swarmvol (agents, controller, EC2 emulator);
                                                       --bare: engines only; --fast-cloud: ~0 EC2 latencies;
                                                       --no-install: name missing host packages, do not apt-get them
  down                                                 remove everything the lab made
  status [--json]                                      nodes, roles, states, sockets
  kill NODE | partition NODE | heal NODE | restart NODE | drain NODE
  freeze-agent NODE | thaw-agent NODE                  SIGSTOP / SIGCONT to the node's swarmvol agent only
  fence-mode self|power                                the replicas' --fence-mode (rolling restart)
  kill-controller [NODE] [--term]                      stop one controller replica (default the
                                                       leader; SIGKILL, --term: SIGTERM)
  start-controller [NODE]                              start a replica (default every stopped one)
  restart-controllers [--kill]                         rolling restart, one replica at a time
--dir defaults to /var/lib/swarmvol-lab`;

const VALUE_FLAGS = new Set(["--dir", "--nodes", "--managers", "--zones"]);
const BOOLEAN_FLAGS = new Set(["--bare", "--json", "--fast-cloud", "--no-install", "--term", "--kill"]);

interface Split {
  positional: string[];
  values: Map<string, string>;
  booleans: Set<string>;
}

function splitArgs(argv: readonly string[]): Split {
  const split: Split = { positional: [], values: new Map(), booleans: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith("--") ? (arg.split(/=(.*)/s, 2) as [string, string?]) : [arg, undefined];
    if (VALUE_FLAGS.has(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === "") throw invalidArgument(`${flag} needs a value`, { flag });
      split.values.set(flag, value);
    } else if (BOOLEAN_FLAGS.has(flag) && inline === undefined) {
      split.booleans.add(flag);
    } else if (arg.startsWith("-")) {
      throw invalidArgument(`unknown option ${quoted(arg)}`, { option: clipped(arg) });
    } else {
      split.positional.push(arg);
    }
  }
  return split;
}

function intFlag(split: Split, flag: string): number | undefined {
  const raw = split.values.get(flag);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw invalidArgument(`${flag} must be a whole number`, { flag, value: raw });
  return Number(raw);
}

function allowOnly(split: Split, verb: string, flags: readonly string[]): void {
  for (const flag of [...split.values.keys(), ...split.booleans]) {
    if (!flags.includes(flag)) throw invalidArgument(`${flag} does not apply to \`lab ${verb}\``, { flag, verb });
  }
}

/** Parses `argv` (after "lab") into a command; `help` for no arguments or help flags. */
export function parseLabArgs(argv: readonly string[]): LabCommand {
  if (argv.length === 0 || argv.some((a) => a === "-h" || a === "--help" || a === "help")) return { verb: "help" };
  const split = splitArgs(argv);
  const [verb, ...rest] = split.positional;
  const dir = split.values.get("--dir");
  const expectArgs = (n: number) => {
    if (rest.length !== n) throw invalidArgument(`\`lab ${verb}\` takes ${n === 0 ? "no arguments" : "a node name"}`, { args: rest });
  };
  switch (verb) {
    case "up":
      allowOnly(split, verb, ["--dir", "--nodes", "--managers", "--zones", "--bare", "--fast-cloud", "--no-install"]);
      expectArgs(0);
      return {
        verb, dir, nodes: intFlag(split, "--nodes"), managers: intFlag(split, "--managers"), zones: intFlag(split, "--zones"),
        bare: split.booleans.has("--bare"), fastCloud: split.booleans.has("--fast-cloud"), install: !split.booleans.has("--no-install"),
      };
    case "down":
      allowOnly(split, verb, ["--dir"]);
      expectArgs(0);
      return { verb, dir };
    case "status":
      allowOnly(split, verb, ["--dir", "--json"]);
      expectArgs(0);
      return { verb, dir, json: split.booleans.has("--json") };
    case "kill-controller":
    case "start-controller":
    case "restart-controllers":
      return controllerCommand(verb, split, rest, dir);
    case "fence-mode": {
      allowOnly(split, verb, ["--dir"]);
      const mode = rest[0];
      if (rest.length !== 1 || (mode !== "self" && mode !== "power")) throw invalidArgument("`lab fence-mode` takes self or power", { args: rest });
      return { verb, dir, mode };
    }
    default:
      if (verb !== undefined && (NODE_VERBS as readonly string[]).includes(verb)) {
        allowOnly(split, verb, ["--dir"]);
        expectArgs(1);
        return { verb: verb as NodeVerb, dir, node: rest[0] as string };
      }
      if (verb === undefined) throw invalidArgument("missing lab command; run `swarmvol lab help` for the list");
      throw invalidArgument(`unknown lab command ${quoted(verb)}`, { verb: clipped(verb) });
  }
}

/** The controller-replica verbs: an optional node name (none for the rolling restart). */
function controllerCommand(
  verb: "kill-controller" | "start-controller" | "restart-controllers", split: Split, rest: readonly string[], dir: string | undefined,
): LabCommand {
  const max = verb === "restart-controllers" ? 0 : 1;
  if (rest.length > max) throw invalidArgument(`\`lab ${verb}\` takes ${max === 0 ? "no arguments" : "at most a node name"}`, { args: rest });
  const node = rest[0];
  switch (verb) {
    case "kill-controller":
      allowOnly(split, verb, ["--dir", "--term"]);
      return { verb, dir, node, signal: split.booleans.has("--term") ? "SIGTERM" : "SIGKILL" };
    case "start-controller":
      allowOnly(split, verb, ["--dir"]);
      return { verb, dir, node };
    case "restart-controllers":
      allowOnly(split, verb, ["--dir", "--kill"]);
      return { verb, dir, signal: split.booleans.has("--kill") ? "SIGKILL" : "SIGTERM" };
  }
}
