import { invalidArgument } from "./errors.js";

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
}

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
const logLevels: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];
const backends = ["local"] as const;

interface Setting {
  flag: string;
  env: string;
  key: keyof DaemonConfig;
  fallback: string | undefined;
}

const settings: readonly Setting[] = [
  { flag: "--plugin-socket", env: "SWARMVOL_PLUGIN_SOCKET", key: "pluginSocket", fallback: "/run/docker/plugins/swarmvol.sock" },
  { flag: "--state-dir", env: "SWARMVOL_STATE_DIR", key: "stateDir", fallback: "/var/lib/swarmvol" },
  { flag: "--backend", env: "SWARMVOL_BACKEND", key: "backend", fallback: "local" },
  { flag: "--log-level", env: "SWARMVOL_LOG_LEVEL", key: "logLevel", fallback: "info" },
  { flag: "--api-listen", env: "SWARMVOL_API_LISTEN", key: "apiListen", fallback: "127.0.0.1:7750" },
  { flag: "--docker-host", env: "DOCKER_HOST", key: "dockerHost", fallback: undefined },
];

/** Splits `--flag value` and `--flag=value` pairs; anything else is an error naming the valid flags. */
export function parseFlags(argv: readonly string[], known: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? "";
    const [flag = "", inline] = arg.split(/=(.*)/s, 2);
    if (!known.includes(flag)) {
      throw invalidArgument(`unknown argument "${arg}"; valid flags: ${known.join(", ")}`, { arg });
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
  const flags = parseFlags(argv, settings.map((setting) => setting.flag));
  const raw: Record<string, string | undefined> = {};
  for (const setting of settings) {
    raw[setting.key] = flags.get(setting.flag) ?? nonEmpty(env[setting.env]) ?? setting.fallback;
  }
  const logLevel = raw.logLevel as LogLevel;
  if (!logLevels.includes(logLevel)) {
    throw invalidArgument(`invalid log level "${raw.logLevel}" (SWARMVOL_LOG_LEVEL or --log-level); use one of ${logLevels.join(", ")}`);
  }
  if (!(backends as readonly string[]).includes(raw.backend ?? "")) {
    throw invalidArgument(`invalid backend "${raw.backend}" (SWARMVOL_BACKEND or --backend); this build supports: ${backends.join(", ")}`);
  }
  for (const key of ["pluginSocket", "stateDir"] as const) {
    if (!raw[key]?.startsWith("/")) throw invalidArgument(`${key} must be an absolute path, got "${raw[key]}"`);
  }
  parseListen(raw.apiListen ?? "");
  return {
    pluginSocket: raw.pluginSocket as string,
    stateDir: raw.stateDir as string,
    backend: "local",
    logLevel,
    apiListen: raw.apiListen as string,
    dockerHost: raw.dockerHost,
  };
}

export function parseListen(text: string): { host: string; port: number } {
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port > 65535) {
    throw invalidArgument(`invalid API address "${text}" (SWARMVOL_API_LISTEN or --api-listen); write host:port, like 127.0.0.1:7750`);
  }
  return { host: match[1] as string, port };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
