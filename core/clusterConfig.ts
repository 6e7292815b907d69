import { backendSettings, loadBackendConfig, type BackendConfig } from "./backendSettings.js";
import { invalidArgument, quoted, unauthenticated } from "./errors.js";
import { parseShareMounterSetting, type ShareMounterSetting } from "./fileShares.js";
import { checkFenceMode, checkLogLevel, loadSettings, onOff, parseListen, pluginSocketSetting, type LogLevel, type Setting } from "./config.js";
import type { FenceMode } from "./fencing.js";
import { checkLeaseTiming } from "./leaseTiming.js";
import { nfsControllerSettings, servedNfsSettings, type NfsSettings } from "./nfsSettings.js";

/**
 * Settings of the cluster daemons, `swarmvol controller` and `swarmvol agent`.
 * Environment first (`SWARMVOL_*`, `AWS_*`), flags override; every value is checked here
 * so a daemon never starts half-configured.
 */
function milliseconds(text: string | undefined, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw invalidArgument(`${flag} must be a positive number of milliseconds, got ${quoted(text)}`);
  return value;
}

const common = {
  stateDir: { flag: "--state-dir", env: "SWARMVOL_STATE_DIR", fallback: "/var/lib/swarmvol" },
  logLevel: { flag: "--log-level", env: "SWARMVOL_LOG_LEVEL", fallback: "info" },
  dockerHost: { flag: "--docker-host", env: "DOCKER_HOST", fallback: "unix:///var/run/docker.sock" },
  // Leases are fencing: a daemon starved by its node's workloads misses them and a healthy
  // node kills its own containers. Like corosync, the daemons ask for more CPU than the
  // workloads they guard (-10 is ~9 times a default task's share); 0 leaves it as it is.
  nice: { flag: "--nice", env: "SWARMVOL_NICE", fallback: "-10" },
} satisfies Record<string, Setting>;

/** `--nice`: a scheduling priority from -20 (most CPU) to 19. */
function niceness(text: string | undefined): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text ?? "") || value < -20 || value > 19) throw invalidArgument(`--nice must be a whole number from -20 (most CPU) to 19, got "${text}"`);
  return value;
}

/** `swarmvol controller`'s settings; the default backend and the EFS pool are core/backendSettings.ts'. */
export interface ControllerConfig extends BackendConfig {
  /** The nfs backend's export, when `--backends` serves nfs (`--nfs-export`, core/nfsSettings.ts, ADR 0031). */
  nfs: NfsSettings | undefined;
  listen: { host: string; port: number };
  token: string;
  stateDir: string;
  logLevel: LogLevel;
  dockerHost: string;
  /** Scheduling priority the daemon asks for at start (setpriority); see `common.nice`. */
  nice: number;
  ec2Endpoint: string | undefined;
  region: string;
  leaseTtlMs: number;
  fenceGraceMs: number;
  driverName: string;
  /** Volumes reconciled at once; cloud calls wait on latency, not CPU, so this can be high. */
  workers: number;
  /** An attach still `attaching` after this is given up (detach, new device name, retry). */
  stuckAttachMs: number;
  /** A volume nobody wants is detached after this, freeing its instance's attachment slot. */
  idleDetachMs: number;
  /**
   * This replica's API URL as agents reach it (written into the leader lease). Undefined
   * when listening on a wildcard without --advertise-url: the manager's own Swarm address
   * (`docker info` Swarm.NodeAddr) is used then, as a global service cannot name it.
   */
  advertiseUrl: string | undefined;
  /** Leader lease and renew period (ADR 0010). */
  leaderLeaseMs: number;
  leaderRenewMs: number;
  /** How a lapsed node is known fenced: its agent's self-fence (ADR 0005) or its instance stopped (ADR 0012). */
  fenceMode: FenceMode;
  /** Power mode: how long a forced stop may take to read `stopped` before the fence counts as failed. */
  powerFenceTimeoutMs: number;
  /** Drain a fenced node that holds volumes in Swarm (and restore it when it is back; ADR 0022). */
  drainFenced: boolean;
}

/** The URL agents reach a replica at: --advertise-url, or the listen address when it is a real one. */
function advertiseUrlOf(raw: string | undefined, listen: { host: string; port: number }): string | undefined {
  if (raw !== undefined) {
    if (!/^https?:\/\/[^/]+$/.test(raw)) throw invalidArgument(`--advertise-url must be a base URL like http://10.0.0.5:7750, got ${quoted(raw)}`);
    return raw;
  }
  if (listen.host === "0.0.0.0" || listen.host === "::" || listen.host === "") return undefined;
  return `http://${listen.host.includes(":") ? `[${listen.host}]` : listen.host}:${listen.port}`;
}

/** Where a controller replica serves its API (`swarmvol healthcheck` reads it the same way). */
export const controllerListenSetting = { flag: "--listen", env: "SWARMVOL_API_LISTEN", fallback: "127.0.0.1:7750" } as const satisfies Setting;

/** Every setting of `swarmvol controller`, as `swarmvol controller --help` lists them. */
export const controllerSettings = {
  ...common,
  listen: controllerListenSetting,
  ec2Endpoint: { flag: "--ec2-endpoint", env: "AWS_ENDPOINT_URL_EC2" },
  region: { flag: "--region", env: "AWS_REGION", fallback: "us-east-1" },
  // Lease 3 s (agents renew every 0.75 s) plus 2 s grace: a dead node is fenced 5 s after
  // its last heartbeat, well before Swarm notices it (10-15 s), and its tasks are moved
  // then (ADR 0022; ADR 0005 had 6 s + 4 s). A cluster whose nodes miss heartbeats under
  // load sets both higher (e.g. 6000 + 4000).
  leaseTtlMs: { flag: "--lease-ttl-ms", env: "SWARMVOL_LEASE_TTL_MS", fallback: "3000", help: "agent lease; agents renew every quarter of it (ADR 0022)" },
  fenceGraceMs: { flag: "--fence-grace-ms", env: "SWARMVOL_FENCE_GRACE_MS", fallback: "2000", help: "after a lapsed lease, the agent's time to fence itself; then the node is fenced" },
  driverName: { flag: "--driver-name", env: "SWARMVOL_DRIVER_NAME", fallback: "swarmvol" },
  workers: { flag: "--workers", env: "SWARMVOL_WORKERS", fallback: "128" },
  stuckAttachMs: { flag: "--stuck-attach-ms", env: "SWARMVOL_STUCK_ATTACH_MS", fallback: "90000" },
  // Long enough for a restart or a rolling update on the same node to find the volume still
  // attached; short enough that removed stacks do not fill the nodes' ~27 EBS slots.
  idleDetachMs: { flag: "--idle-detach-ms", env: "SWARMVOL_IDLE_DETACH_MS", fallback: "30000" },
  advertiseUrl: { flag: "--advertise-url", env: "SWARMVOL_ADVERTISE_URL" },
  // A takeover after a crash waits one lease; agents keep at least 3/4 of their 3 s lease
  // when the leader dies, so 1 s + 0.25 s renew leaves them time to find the new leader
  // (ADR 0010, ADR 0022; core/leaseTiming.ts refuses settings that would not).
  leaderLeaseMs: { flag: "--leader-lease-ms", env: "SWARMVOL_LEADER_LEASE_MS", fallback: "1000", help: "leader lease among the replicas (ADR 0010)" },
  leaderRenewMs: { flag: "--leader-renew-ms", env: "SWARMVOL_LEADER_RENEW_MS", fallback: "250", help: "leader lease renewal, at most a third of it" },
  fenceMode: { flag: "--fence-mode", env: "SWARMVOL_FENCE_MODE", fallback: "self", help: "self, or power: stop a lapsed node's instance first (ADR 0012)" },
  // A forced EC2 stop usually reads stopped within a minute; fence_aws waits up to 60 s too.
  powerFenceTimeoutMs: { flag: "--power-fence-timeout-ms", env: "SWARMVOL_POWER_FENCE_TIMEOUT_MS", fallback: "120000" },
  // Drain a fenced node that holds volumes, so Swarm moves its tasks before it notices the
  // node down itself; availability restored when its lease is live again (ADR 0022).
  drainFenced: { flag: "--drain-fenced", env: "SWARMVOL_DRAIN_FENCED", fallback: "on", help: "on: set a fenced node's Swarm availability to drain (restored when it is back); off: never touch it" },
  ...backendSettings,
  ...nfsControllerSettings,
} satisfies Record<string, Setting>;

export function loadControllerConfig(env: Readonly<Record<string, string | undefined>>, argv: readonly string[]): ControllerConfig {
  refuseTokenFlag(argv);
  const raw = loadSettings(controllerSettings, env, argv);
  const served = loadBackendConfig(raw);
  const listen = parseListen(raw.listen as string);
  const workers = Number(raw.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 512) throw invalidArgument(`--workers must be a whole number from 1 to 512, got ${quoted(raw.workers)}`);
  const timing = checkLeaseTiming({
    leaseTtlMs: milliseconds(raw.leaseTtlMs, "--lease-ttl-ms"), fenceGraceMs: milliseconds(raw.fenceGraceMs, "--fence-grace-ms"),
    leaderLeaseMs: milliseconds(raw.leaderLeaseMs, "--leader-lease-ms"), leaderRenewMs: milliseconds(raw.leaderRenewMs, "--leader-renew-ms"),
  });
  return {
    ...timing,
    listen,
    token: tokenOf(env),
    stateDir: raw.stateDir as string,
    logLevel: checkLogLevel(raw.logLevel),
    dockerHost: raw.dockerHost as string,
    nice: niceness(raw.nice),
    ec2Endpoint: raw.ec2Endpoint,
    region: raw.region as string,
    driverName: raw.driverName as string,
    workers,
    stuckAttachMs: milliseconds(raw.stuckAttachMs, "--stuck-attach-ms"),
    idleDetachMs: milliseconds(raw.idleDetachMs, "--idle-detach-ms"),
    advertiseUrl: advertiseUrlOf(raw.advertiseUrl, listen),
    fenceMode: checkFenceMode(raw.fenceMode),
    powerFenceTimeoutMs: milliseconds(raw.powerFenceTimeoutMs, "--power-fence-timeout-ms"),
    drainFenced: onOff(raw.drainFenced, "--drain-fenced"),
    ...served,
    nfs: servedNfsSettings(served.backends, raw),
  };
}

export interface AgentConfig {
  /**
   * Controller replicas from --controller (comma-separated base URLs); empty: the agent
   * learns the managers from its own engine and asks `controllerPort` on each.
   */
  controllers: string[];
  /** The controller's API port on every manager, for discovered endpoints. */
  controllerPort: number;
  /**
   * This node's token (ADR 0011): SWARMVOL_TOKEN as given, or the file SWARMVOL_TOKEN_FILE
   * names, read by the agent once it knows its node id (the file may appear after the
   * agent started: a node is given its token when it joins).
   */
  credential: { token: string } | { file: string };
  pluginSocket: string;
  stateDir: string;
  logLevel: LogLevel;
  dockerHost: string;
  /** Scheduling priority the daemon asks for at start (setpriority); see `common.nice`. */
  nice: number;
  /** Both given, or both undefined: then the agent asks IMDSv2 at `imdsEndpoint`. */
  instanceId: string | undefined;
  zone: string | undefined;
  imdsEndpoint: string;
  deviceDir: string;
  /** How file shares (EFS) are mounted: efs-utils, or the lab's bind mount (core/fileShares.ts). */
  shareMounter: ShareMounterSetting;
  hostname: string | undefined;
  /**
   * Where the agent serves GET /metrics (no token, like the controller's), or undefined:
   * not served (the default: an agent opens no TCP port unless asked; docs/metrics.md).
   */
  metricsListen: { host: string; port: number } | undefined;
}

/** The agent daemon's settings (cli/ declares them as its flags). */
export const agentSettings = {
  ...common,
  controller: { flag: "--controller", env: "SWARMVOL_CONTROLLER" },
  controllerPort: { flag: "--controller-port", env: "SWARMVOL_CONTROLLER_PORT", fallback: "7750" },
  pluginSocket: pluginSocketSetting,
  instanceId: { flag: "--instance-id", env: "SWARMVOL_INSTANCE_ID" },
  zone: { flag: "--zone", env: "SWARMVOL_ZONE" },
  imdsEndpoint: { flag: "--imds-endpoint", env: "SWARMVOL_IMDS_ENDPOINT", fallback: "http://169.254.169.254" },
  deviceDir: { flag: "--device-dir", env: "SWARMVOL_DEVICE_DIR", fallback: "/dev/disk/by-id" },
  shareMounter: { flag: "--share-mounter", env: "SWARMVOL_SHARE_MOUNTER" },
  hostname: { flag: "--hostname", env: "SWARMVOL_HOSTNAME" },
  metricsListen: { flag: "--metrics-listen", env: "SWARMVOL_METRICS_LISTEN" },
} satisfies Record<string, Setting>;

export function loadAgentConfig(env: Readonly<Record<string, string | undefined>>, argv: readonly string[]): AgentConfig {
  refuseTokenFlag(argv);
  const raw = loadSettings(agentSettings, env, argv);
  if ((raw.instanceId === undefined) !== (raw.zone === undefined)) {
    throw invalidArgument("give both --instance-id and --zone, or neither (then they come from IMDSv2)");
  }
  const controllers = controllerUrls(raw.controller);
  const controllerPort = Number(raw.controllerPort);
  if (!Number.isInteger(controllerPort) || controllerPort < 1 || controllerPort > 65535) {
    throw invalidArgument(`--controller-port must be a TCP port from 1 to 65535, got ${quoted(raw.controllerPort)}`);
  }
  return {
    controllers, controllerPort, credential: nodeCredentialOf(env), pluginSocket: raw.pluginSocket as string,
    stateDir: raw.stateDir as string, logLevel: checkLogLevel(raw.logLevel), dockerHost: raw.dockerHost as string,
    nice: niceness(raw.nice), instanceId: raw.instanceId, zone: raw.zone, imdsEndpoint: raw.imdsEndpoint as string, deviceDir: raw.deviceDir as string, hostname: raw.hostname,
    shareMounter: parseShareMounterSetting(raw.shareMounter),
    metricsListen: metricsListenOf(raw.metricsListen),
  };
}

/** `--metrics-listen host:port` (like 127.0.0.1:7751, or 0.0.0.0:7751 for a Prometheus elsewhere); unset or "off": none. */
function metricsListenOf(raw: string | undefined): { host: string; port: number } | undefined {
  if (raw === undefined || raw === "" || raw === "off") return undefined;
  const match = /^(.+):(\d{1,5})$/.exec(raw);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) {
    throw invalidArgument(`--metrics-listen must be host:port like 127.0.0.1:7751 (SWARMVOL_METRICS_LISTEN), or off; got "${raw}"`);
  }
  return { host: match[1] as string, port };
}

/** `--controller` / SWARMVOL_CONTROLLER: comma-separated base URLs, each checked. */
function controllerUrls(raw: string | undefined): string[] {
  const urls = (raw ?? "").split(",").map((url) => url.trim()).filter((url) => url !== "");
  for (const url of urls) {
    if (!/^https?:\/\/[^/]+$/.test(url)) {
      throw invalidArgument(`--controller must be base URLs like http://10.0.0.5:7750 (several: comma-separated), got ${quoted(url)}`);
    }
  }
  return urls;
}

/** Settings of the operator commands (`swarmvol ls`, `nodes`, `fence`, `status`...). */
export interface OperatorConfig {
  /** Every controller replica to ask, in order; at least one. */
  controllers: string[];
  token: string;
}

/** Where all-in-one listens (core/config.ts `--api-listen`), so a lone host needs no flag. */
export const defaultControllerUrl = "http://127.0.0.1:7750";

/**
 * `--controller URL[,URL...]` or SWARMVOL_CONTROLLER (default: all-in-one's address); the
 * token only from the environment (SWARMVOL_TOKEN, or SWARMVOL_TOKEN_FILE read into it by
 * the caller), never from argv where `ps` shows it. No token: UNAUTHENTICATED.
 */
export function loadOperatorConfig(env: Readonly<Record<string, string | undefined>>, argv: readonly string[]): OperatorConfig {
  refuseTokenFlag(argv);
  const raw = loadSettings({ controller: { flag: "--controller", env: "SWARMVOL_CONTROLLER", fallback: defaultControllerUrl } }, env, argv);
  const controllers = controllerUrls(raw.controller);
  if (controllers.length === 0) throw invalidArgument(`--controller is empty; give base URLs like ${defaultControllerUrl}`);
  const token = env.SWARMVOL_TOKEN ?? "";
  if (token === "") {
    throw unauthenticated("no API token: set SWARMVOL_TOKEN_FILE to a file holding the controllers' secret (as the controllers use), or SWARMVOL_TOKEN");
  }
  return { controllers, token };
}

/** The token never comes from argv: every user on the host sees it in `ps`. */
function refuseTokenFlag(argv: readonly string[]): void {
  if (argv.some((arg) => arg === "--token" || arg.startsWith("--token="))) {
    throw invalidArgument("no --token flag: argv is visible to every user in `ps`; set SWARMVOL_TOKEN_FILE to a file holding the token (the controllers' secret, or an agent's node token)");
  }
}

/** An agent's token or its file: SWARMVOL_TOKEN wins, as in every swarmvol process. */
function nodeCredentialOf(env: Readonly<Record<string, string | undefined>>): { token: string } | { file: string } {
  if (env.SWARMVOL_TOKEN) return { token: env.SWARMVOL_TOKEN };
  if (env.SWARMVOL_TOKEN_FILE) return { file: env.SWARMVOL_TOKEN_FILE };
  throw invalidArgument("missing node token: set SWARMVOL_TOKEN_FILE to the file `swarmvol token node NODE_ID --out FILE` wrote for this node on a manager (or SWARMVOL_TOKEN)");
}

/** The controllers' secret: SWARMVOL_TOKEN (the caller reads SWARMVOL_TOKEN_FILE into it). */
function tokenOf(env: Readonly<Record<string, string | undefined>>): string {
  const token = env.SWARMVOL_TOKEN ?? "";
  if (token === "") throw invalidArgument("missing API secret: set SWARMVOL_TOKEN_FILE to a file holding the controllers' secret (or SWARMVOL_TOKEN); agents get node tokens made from it with `swarmvol token node`");
  return token;
}
