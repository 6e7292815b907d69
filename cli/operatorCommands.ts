import { loadOperatorConfig, type OperatorConfig } from "../core/clusterConfig.js";
import { ErrorCode, SwarmvolError, toSwarmvolError, unavailable } from "../core/errors.js";
import { resolveTarget } from "../core/moves.js";
import { grantOn } from "../core/volume.js";
import { parseVolumeFilters, volumeFilterKeys } from "../core/volumeFilters.js";
import type { NodeView } from "../core/placement.js";
import { OperatorClient, type OperatorApi } from "../api/client/operatorClient.js";
import {
  controllerArgs, documented, operatorEnv, operatorUsageTail, rootFor, runParsed, SwarmvolCommand, withOperatorOptions, type OperatorFlags,
} from "./commandLine.js";
import { reportFailure } from "./exitCodes.js";
import { renderNodes, renderStatus, renderVolume, renderVolumes, serves, type ReplicaReport } from "./operatorRender.js";
import { withTokenFile } from "./runtime.js";

/**
 * The operator commands: `swarmvol ls`, `inspect NAME`, `nodes`, `fence NODE`,
 * `unfence NODE` and `status`, over the controller's API (api/contract.ts) with the
 * agent's failover client, each declared on commander (cli/commandLine.ts). Each prints a
 * table or text for people, `--json` for scripts (the API's own objects), and `--help`
 * with an example. Failures go through cli/exitCodes.ts: 2 bad usage, 3 no such volume or
 * node, 8 no replica serves, 9 no or wrong token. The token comes from a file
 * (`--token-file`, SWARMVOL_TOKEN_FILE) or SWARMVOL_TOKEN, never from argv.
 */

/** Where a command reads its environment and clock and writes its output; tests inject one. */
export interface OperatorIo {
  env: NodeJS.ProcessEnv;
  /** Results (tables, text, JSON). */
  out(text: string): void;
  /** Warnings and errors. */
  err(text: string): void;
  /** Epoch ms, to tell a live lease from an expired one. */
  now(): number;
}

export const operatorCommandNames = ["ls", "inspect", "nodes", "fence", "unfence", "status"] as const;
export type OperatorCommandName = (typeof operatorCommandNames)[number];

/** What a command found: JSON for `--json`, text otherwise, and what went wrong after printing. */
interface Outcome {
  json: unknown;
  text: string;
  warning?: string;
  failure?: SwarmvolError;
}

interface Context {
  api: OperatorApi;
  config: OperatorConfig;
  operand: string;
  io: OperatorIo;
  /** `--filter key=value` words (ls only). */
  filters: readonly string[];
}

interface Spec {
  operand?: "NAME" | "NODE";
  summary: string;
  example: string;
  run(context: Context): Promise<Outcome>;
}

const specs: Readonly<Record<OperatorCommandName, Spec>> = {
  ls: {
    summary: "Lists the volumes in the controller's catalog (every one, or those matching each --filter): size, filesystem, fencing epoch, where it is granted, its condition.",
    example: "swarmvol ls --filter condition=ZoneMismatch --controller http://10.0.0.5:7750,http://10.0.0.6:7750",
    run: async ({ api, filters }) => {
      const volumes = await api.listVolumes(undefined, parseVolumeFilters(filters));
      return { json: volumes, text: renderVolumes(volumes) };
    },
  },
  inspect: {
    operand: "NAME",
    summary: "Shows one volume: its spec (size, fsType, options) and status (epoch, backend id, zone, grant, condition, last move's phases).",
    example: "swarmvol inspect jenkins_home",
    run: async ({ api, operand }) => {
      const volume = await api.getVolume(operand);
      return { json: volume, text: renderVolume(volume) };
    },
  },
  nodes: {
    summary: "Lists every node: Swarm state, whether its agent's lease is live, instance, zone, mounted volumes, operator fence.",
    example: "swarmvol nodes --json | jq -r '.[] | select(.operatorFenced) | .hostname'",
    run: async ({ api, io }) => {
      const nodes = await api.listNodes();
      return { json: nodes, text: renderNodes(nodes, io.now()) };
    },
  },
  fence: {
    operand: "NODE",
    summary: "Tells the controller a node (id or hostname) is down for good: its volumes may be force-detached and moved at once, without waiting for its lease.",
    example: "swarmvol fence node3",
    run: fenceNode,
  },
  unfence: {
    operand: "NODE",
    summary: "Takes an operator fence back: the node's volumes move again only as its agent's lease allows.",
    example: "swarmvol unfence node3",
    run: async ({ api, operand }) => {
      const node = resolveNode(await api.listNodes(), operand);
      await api.unfence(node.nodeId);
      return {
        json: { nodeId: node.nodeId, hostname: node.hostname, fenced: false },
        text: `unfenced node ${node.nodeId} (${node.hostname}): its volumes move again only as its agent's lease allows\n`,
      };
    },
  },
  status: {
    summary: "Asks every controller replica for its health: which one leads, which are standbys, which do not answer.",
    example: "swarmvol status --controller http://10.0.0.5:7750,http://10.0.0.6:7750,http://10.0.0.7:7750",
    run: replicaStatus,
  },
};

async function fenceNode({ api, operand }: Context): Promise<Outcome> {
  const node = resolveNode(await api.listNodes(), operand);
  await api.fence(node.nodeId);
  const volumes = (await api.listVolumes()).filter((volume) => grantOn(volume.status, node.nodeId) !== undefined).map((volume) => volume.spec.name);
  const held = volumes.length > 0 ? ` (${volumes.join(", ")})` : "";
  return {
    json: { nodeId: node.nodeId, hostname: node.hostname, fenced: true, volumes },
    text: `fenced node ${node.nodeId} (${node.hostname}): the controller counts it down for good\n`,
    warning: `warning: the volumes granted to ${node.hostname}${held} may now be force-detached and moved to other nodes, `
      + `even if it is still running; take the fence back with \`swarmvol unfence ${node.nodeId}\`\n`,
  };
}

/** A node by its Swarm id, else by its hostname when exactly one node has it (core/moves.ts resolveTarget). */
export function resolveNode(nodes: readonly NodeView[], given: string): NodeView {
  const found = resolveTarget(nodes, given);
  if (found instanceof SwarmvolError) throw found;
  return found;
}

/** Every replica's health, each asked on its own (no failover), plus any leader they name that was not in the list. */
async function replicaStatus({ config }: Context): Promise<Outcome> {
  const ask = (url: string) => askReplica(url, config.token);
  const reports = await Promise.all(config.controllers.map(ask));
  const asked = new Set(reports.map((report) => report.url));
  const named = [...new Set(reports.map((report) => report.health?.leader))].filter((url): url is string => typeof url === "string" && !asked.has(url));
  reports.push(...(await Promise.all(named.map(ask))));
  const serving = reports.filter(serves).map((report) => report.url);
  const failure = serving.length > 0 ? undefined : unavailable(
    `no controller replica of ${reports.map((report) => report.url).join(", ")} is serving; is \`swarmvol controller\` running on the managers, and has one been elected leader?`,
  );
  return { json: { replicas: reports, serving }, text: renderStatus(reports), ...(failure ? { failure } : {}) };
}

async function askReplica(url: string, token: string): Promise<ReplicaReport> {
  try {
    const client = new OperatorClient({ baseUrl: url, token, timeoutMs: 2000 });
    return { url: client.baseUrl, health: await client.health() };
  } catch (err) {
    return { url, error: toSwarmvolError(err).message };
  }
}

/**
 * The command line of a command not yet declared on commander (cli/commandLine.ts): flags
 * for the settings, `--json`, `--help`, operands. Kept for commands that parse by hand.
 */
export function splitArgs(argv: readonly string[]): { json: boolean; help: boolean; flags: string[]; operands: string[] } {
  const split = { json: false, help: false, flags: [] as string[], operands: [] as string[] };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? "";
    const next = argv[index + 1];
    if (arg === "--json") split.json = true;
    else if (arg === "--help" || arg === "-h") split.help = true;
    else if (!arg.startsWith("-")) split.operands.push(arg);
    else {
      split.flags.push(arg);
      if (arg.includes("=") || next === undefined || next.startsWith("-")) continue;
      split.flags.push(next);
      index += 1;
    }
  }
  return split;
}

function usageOf(name: OperatorCommandName): string {
  const operand = specs[name].operand;
  return `${operand ? `${operand} ` : ""}${name === "ls" ? "[--filter KEY=VALUE]... " : ""}${operatorUsageTail}`;
}

/** One usage line per operator command, for `swarmvol help`. */
export const operatorUsage = operatorCommandNames.map((name) => `swarmvol ${name} ${usageOf(name)}`);

/** The words a failure needs for its fix: who serves, and where the token comes from. */
function withHint(err: unknown, name: OperatorCommandName): SwarmvolError {
  const domain = toSwarmvolError(err);
  let hint = "";
  if (domain.code === ErrorCode.Unavailable && name !== "status") hint = "; `swarmvol status` shows every replica's role";
  if (domain.code === ErrorCode.NotFound && domain.message.startsWith("no route")) {
    hint = "; an all-in-one (or an older controller) has no node routes: nodes and fences live in `swarmvol controller`";
  }
  if (domain.code === ErrorCode.Unauthenticated && !domain.message.includes("SWARMVOL_TOKEN_FILE")) {
    hint = "; set SWARMVOL_TOKEN_FILE to a file holding the controllers' secret";
  }
  return hint === "" ? domain : new SwarmvolError(domain.code, `${domain.message}${hint}`, { ...domain.details }, { cause: domain });
}

/** The operator's settings from the flags and the environment: the controllers and the token (never from argv). */
export async function operatorSettings(io: Pick<OperatorIo, "env">, flags: OperatorFlags): Promise<OperatorConfig> {
  return loadOperatorConfig(await withTokenFile(operatorEnv(io.env, flags)), controllerArgs(flags));
}

/** Runs one parsed operator command; resolves to its exit code (cli/exitCodes.ts), never rejects. */
async function runOperator(name: OperatorCommandName, operand: string, flags: OperatorFlags, io: OperatorIo): Promise<number> {
  try {
    const config = await operatorSettings(io, flags);
    const api = new OperatorClient({ endpoints: () => config.controllers, token: config.token });
    const outcome = await specs[name].run({ api, config, operand, io, filters: (flags.filter as string[] | undefined) ?? [] });
    io.out(flags.json ? `${JSON.stringify(outcome.json, null, 2)}\n` : outcome.text);
    if (outcome.warning) io.err(outcome.warning);
    return outcome.failure ? reportFailure(outcome.failure, io.err) : 0;
  } catch (err) {
    return reportFailure(withHint(err, name), io.err);
  }
}

/** The commander declaration of one operator command; its action sets `outcome.code`. */
export function operatorCommandLine(name: OperatorCommandName, io: OperatorIo, outcome: { code: number }): SwarmvolCommand {
  const spec = specs[name];
  const command = withOperatorOptions(documented(new SwarmvolCommand(name), { summary: spec.summary, usage: usageOf(name), examples: [spec.example] }));
  if (spec.operand) command.argument(`<${spec.operand}>`, spec.operand === "NAME" ? "the volume's name" : "a Swarm node id, or a hostname exactly one node has");
  if (name === "ls") {
    command.option("-f, --filter <key=value>", `only volumes matching it; repeatable; key one of ${volumeFilterKeys.join(", ")} (condition=ok: none)`, (word: string, words: string[] = []) => [...words, word]);
  }
  command.action(async (...args: unknown[]) => {
    outcome.code = await runOperator(name, spec.operand ? String(args[0]) : "", command.opts<OperatorFlags>(), io);
  });
  return command;
}

/** Runs one operator command from its arguments (after the command's name); resolves to its exit code, never rejects. */
export async function operatorCommand(name: OperatorCommandName, argv: readonly string[], io: OperatorIo = processIo()): Promise<number> {
  const outcome = { code: 0 };
  return runParsed(rootFor(operatorCommandLine(name, io, outcome)), [name, ...argv], io, outcome);
}

export function processIo(): OperatorIo {
  return {
    env: process.env,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    now: () => Date.now(),
  };
}
