import { clipped, invalidArgument, quoted } from "./errors.js";
import { fenceModes, type FenceMode } from "./fencing.js";

/**
 * One validated configuration object. Environment first (`SWARMVOL_*`), flags override.
 * This is the only module that knows the variable names; nothing else reads process.env.
 */
export interface DaemonConfig {
  pluginSocket: string;
  stateDir: string;
  backend: "local";
  logLevel: LogLevel;
  /** host:port for the operator/agent API; loopback by default. */
  apiListen: string;
  /** Engine to activate the plugin with at start; undefined means the default socket. */
  dockerHost: string | undefined;
  /** Always `self`: one host has no other node to fence (`power` is refused with the reason). */
  fenceMode: "self";
}

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
const logLevels: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];
const backends = ["local"] as const;

/** One setting: its flag, its environment variable, its default, or why it is required. */
export interface Setting {
  flag: string;
  env: string;
  fallback?: string;
  required?: string;
  /** One line for `--help` (cli/commands.ts renders the table). */
  help?: string;
}

/** Where all-in-one and the agent serve the plugin (`swarmvol healthcheck` reads it the same way). */
export const pluginSocketSetting = { flag: "--plugin-socket", env: "SWARMVOL_PLUGIN_SOCKET", fallback: "/run/docker/plugins/swarmvol.sock" } as const satisfies Setting;
/** Where all-in-one serves its API, loopback by default (the operator CLI's default controller). */
export const apiListenSetting = { flag: "--api-listen", env: "SWARMVOL_API_LISTEN", fallback: "127.0.0.1:7750" } as const satisfies Setting;

/** The all-in-one daemon's settings (cli/ declares them as its flags). */
export const daemonSettings = {
  pluginSocket: pluginSocketSetting,
  stateDir: { flag: "--state-dir", env: "SWARMVOL_STATE_DIR", fallback: "/var/lib/swarmvol" },
  backend: { flag: "--backend", env: "SWARMVOL_BACKEND", fallback: "local" },
  logLevel: { flag: "--log-level", env: "SWARMVOL_LOG_LEVEL", fallback: "info" },
  apiListen: apiListenSetting,
  dockerHost: { flag: "--docker-host", env: "DOCKER_HOST" },
  fenceMode: { flag: "--fence-mode", env: "SWARMVOL_FENCE_MODE", fallback: "self" },
} satisfies Record<string, Setting>;

/**
 * Reads every setting: the flag if given, else the (non-empty) environment variable, else
 * the default; a required one missing is an error naming both ways to give it.
 */
export function loadSettings<K extends string>(
  table: Record<K, Setting>, env: Readonly<Record<string, string | undefined>>, argv: readonly string[],
): Record<K, string | undefined> {
  const flags = parseFlags(argv, Object.values<Setting>(table).map((setting) => setting.flag));
  const values = {} as Record<K, string | undefined>;
  for (const key of Object.keys(table) as K[]) {
    const setting = table[key];
    const value = flags.get(setting.flag) ?? nonEmpty(env[setting.env]) ?? setting.fallback;
    if (value === undefined && setting.required) throw invalidArgument(`missing ${setting.flag} (or ${setting.env}): ${setting.required}`);
    values[key] = value;
  }
  return values;
}

/** A switch setting: `on` or `off`, nothing else (INVALID_ARGUMENT naming the flag). */
export function onOff(text: string | undefined, flag: string): boolean {
  if (text === "on" || text === "off") return text === "on";
  throw invalidArgument(`${flag} must be on or off, got ${quoted(text)}`);
}

export function checkLogLevel(value: string | undefined): LogLevel {
  if (!logLevels.includes(value as LogLevel)) {
    throw invalidArgument(`invalid log level ${quoted(value)} (SWARMVOL_LOG_LEVEL or --log-level); use one of ${logLevels.join(", ")}`);
  }
  return value as LogLevel;
}

/** `--fence-mode` / SWARMVOL_FENCE_MODE: `self` (agents fence themselves) or `power` (ADR 0012). */
export function checkFenceMode(value: string | undefined): FenceMode {
  if (!fenceModes.includes(value as FenceMode)) {
    throw invalidArgument(`invalid fence mode "${value}" (SWARMVOL_FENCE_MODE or --fence-mode); use one of ${fenceModes.join(", ")}`);
  }
  return value as FenceMode;
}

/** Longest list of flags a refusal names in full (the controller's outgrew one message). */
const maxFlagList = 360;

/**
 * The valid flags an unknown one is told: all of them while they fit in a message, else
 * those that start with its first word (`--efs-pol` → the `--efs-…` flags) and how many more
 * `--help` lists.
 */
function validFlagsFor(flag: string, known: readonly string[]): string {
  const all = known.join(", ");
  if (all.length <= maxFlagList) return all;
  const word = /^--[A-Za-z0-9]+/.exec(flag)?.[0];
  const like = word === undefined ? [] : known.filter((candidate) => candidate.startsWith(word));
  if (like.length === 0) return `${known.length} of them; --help lists every flag`;
  return `${like.join(", ")} (and ${known.length - like.length} more; --help lists every flag)`;
}

/** Splits `--flag value` and `--flag=value` pairs; anything else is an error naming the valid flags. */
export function parseFlags(argv: readonly string[], known: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? "";
    const [flag = "", inline] = arg.split(/=(.*)/s, 2);
    if (!known.includes(flag)) {
      throw invalidArgument(`unknown argument ${quoted(arg)}; valid flags: ${validFlagsFor(flag, known)}`, { arg: clipped(arg) });
    }
    const value = inline ?? argv[index + 1];
    if (value === undefined || (inline === undefined && value.startsWith("--"))) {
      throw invalidArgument(`flag ${flag} needs a value, like ${flag}=VALUE`, { flag });
    }
    if (inline === undefined) index += 1;
    flags.set(flag, value);
  }
  return flags;
}

export function loadDaemonConfig(env: Readonly<Record<string, string | undefined>>, argv: readonly string[]): DaemonConfig {
  const raw = loadSettings(daemonSettings, env, argv);
  const logLevel = checkLogLevel(raw.logLevel);
  if (!(backends as readonly string[]).includes(raw.backend ?? "")) {
    throw invalidArgument(`invalid backend ${quoted(raw.backend)} (SWARMVOL_BACKEND or --backend); this build supports: ${backends.join(", ")}`);
  }
  for (const key of ["pluginSocket", "stateDir"] as const) {
    if (!raw[key]?.startsWith("/")) throw invalidArgument(`${key} must be an absolute path, got ${quoted(raw[key])}`);
  }
  parseListen(raw.apiListen ?? "");
  if (checkFenceMode(raw.fenceMode) === "power") {
    throw invalidArgument("--fence-mode=power stops other nodes' cloud instances: it belongs to `swarmvol controller` on the EBS backend; all-in-one has one node and fences nothing");
  }
  return {
    pluginSocket: raw.pluginSocket as string,
    stateDir: raw.stateDir as string,
    backend: "local",
    logLevel,
    apiListen: raw.apiListen as string,
    dockerHost: raw.dockerHost,
    fenceMode: "self",
  };
}

export function parseListen(text: string): { host: string; port: number } {
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port > 65535) {
    throw invalidArgument(`invalid API address ${quoted(text)} (SWARMVOL_API_LISTEN or --api-listen); write host:port, like 127.0.0.1:7750`);
  }
  return { host: match[1] as string, port };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
