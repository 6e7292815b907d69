/**
 * What `swarmvol healthcheck` asks, decided from the arguments of the container's PID 1
 * (the daemon the image's ENTRYPOINT started) and the container's environment, read the
 * way that daemon read them: its flag, else its SWARMVOL_* variable, else its default.
 *
 * - `agent` and `all-in-one` (also: no command, or flags first) serve the plugin socket:
 *   ask it `/Plugin.Activate`, as dockerd does.
 * - `controller` serves the API: ask its `GET /v1/health` on the listen address (a
 *   wildcard listen is asked on loopback).
 * - Anything else, or no readable PID 1 (another init, another image): both defaults, and
 *   either answering is healthy.
 * Pure: the caller reads /proc/1/cmdline and does the asking.
 */
import { controllerListenSetting } from "./clusterConfig.js";
import { apiListenSetting, parseListen, pluginSocketSetting, type Setting } from "./config.js";

export type HealthTarget =
  /** A plugin socket, asked POST /Plugin.Activate. */
  | { kind: "plugin"; socket: string }
  /** A controller's (or all-in-one's) API base URL, asked GET /v1/health. */
  | { kind: "api"; baseUrl: string };

export type DaemonKind = "agent" | "all-in-one" | "controller";

export interface HealthPlan {
  /** The daemon PID 1 runs, or undefined when it is not a swarmvol daemon we know. */
  daemon: DaemonKind | undefined;
  /** Asked in this order; the container is healthy when any one answers healthy. */
  targets: HealthTarget[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** The last value of `flag` in `args` (`--flag value` or `--flag=value`), like the daemons' parser. */
export function flagValue(args: readonly string[], flag: string): string | undefined {
  let found: string | undefined;
  args.forEach((arg, index) => {
    if (arg === flag) found = args[index + 1] ?? found;
    else if (arg.startsWith(`${flag}=`)) found = arg.slice(flag.length + 1);
  });
  return found;
}

function settingValue(args: readonly string[], env: Env, setting: Setting): string {
  const fromEnv = env[setting.env];
  return flagValue(args, setting.flag) ?? (fromEnv === undefined || fromEnv === "" ? undefined : fromEnv) ?? (setting.fallback as string);
}

/** `host:port` as a URL a local client can reach: a wildcard host becomes loopback. */
export function localBaseUrl(listen: string): string {
  const { host, port } = parseListen(listen);
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  const local = bare === "0.0.0.0" || bare === "" ? "127.0.0.1" : bare === "::" ? "::1" : bare;
  return `http://${local.includes(":") ? `[${local}]` : local}:${port}`;
}

/**
 * The swarmvol command line inside PID 1's arguments: what follows the entry script
 * (`.../cli/main.js` or a `swarmvol` bin), whatever runs it (node, an init such as tini).
 */
export function swarmvolArgs(cmdline: readonly string[]): string[] | undefined {
  const script = cmdline.findIndex((arg) => /(^|\/)(main\.js|swarmvol)$/.test(arg));
  return script < 0 ? undefined : cmdline.slice(script + 1);
}

/** The daemon a swarmvol command line starts (cli/main.ts's rule: no command or flags first is all-in-one). */
export function daemonOf(args: readonly string[]): DaemonKind | undefined {
  const first = args[0];
  if (first === undefined || first.startsWith("--")) return "all-in-one";
  return first === "agent" || first === "controller" || first === "all-in-one" ? first : undefined;
}

/** What to ask, given PID 1's arguments (undefined: unreadable) and the container's environment. */
export function healthPlan(cmdline: readonly string[] | undefined, env: Env): HealthPlan {
  const args = cmdline === undefined ? undefined : swarmvolArgs(cmdline);
  const daemon = args === undefined ? undefined : daemonOf(args);
  const flags = daemon === undefined || args === undefined ? [] : args.slice(daemon === "all-in-one" && args[0]?.startsWith("--") ? 0 : 1);
  const plugin: HealthTarget = { kind: "plugin", socket: settingValue(flags, env, pluginSocketSetting) };
  switch (daemon) {
    case "agent":
    case "all-in-one":
      return { daemon, targets: [plugin] };
    case "controller":
      return { daemon, targets: [{ kind: "api", baseUrl: localBaseUrl(settingValue(flags, env, controllerListenSetting)) }] };
    case undefined:
      return { daemon, targets: [plugin, { kind: "api", baseUrl: localBaseUrl(settingValue([], env, apiListenSetting)) }] };
  }
}
