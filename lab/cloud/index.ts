/**
 * swarmvol's EC2 emulator: the EC2 Query API on loopback (or the lab bridge), answering
 * the real @aws-sdk/client-ec2, with real block devices behind a DeviceHost.
 *
 * @example
 * const cloud = await startCloud({ instances, dataDir: "/var/lib/svlab/cloud", devices: "loop" });
 * const ec2 = new EC2Client({ endpoint: cloud.endpoint, region: "us-east-1",
 *   credentials: { accessKeyId: "x", secretAccessKey: "y" } });
 * await cloud.close();
 */
import { mkdir } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { silentLogger, type Clock, type Logger } from "../../core/ports.js";
import { systemClock } from "./clock.js";
import { normalizeInstances, type InstanceConfig } from "./config.js";
import { nullDeviceHost, type DeviceHost } from "./deviceHost.js";
import { DirectoryShareHost, nullShareHost, type FileShareHost } from "./efs/shareHost.js";
import { defaultEfsSettings } from "./efs/subnets.js";
import type { SubnetSpec } from "./efs/types.js";
import { CloudEngine } from "./engine.js";
import { EventLog, type CloudEvent } from "./eventLog.js";
import { applyFaultsPatch, defaultFaults, type Faults, type FaultsPatch } from "./faults.js";
import { LoopDeviceHost } from "./loopDevices.js";
import { freePort, GaneshaServer } from "../nfs/ganesha.js";
import type { PowerHost } from "./power.js";
import { seededRng } from "./rng.js";
import { requestHandler } from "./server.js";
import { StateFile } from "./store.js";
import { emptyState, type CloudState, type InstanceSpec } from "./types.js";

export interface CloudOptions {
  /** One entry per lab node. */
  instances: readonly InstanceConfig[];
  /** Holds `state.json`, `events.jsonl` and (for loop devices) the volume files. No persistence when absent. */
  dataDir?: string;
  /** Address to listen on: loopback or the lab bridge, never a wildcard. @default "127.0.0.1" */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
  /** `"loop"` needs root and `dataDir`. @default "none" */
  devices?: "loop" | "none" | DeviceHost;
  /**
   * Where EFS file systems live: `"directories"` = `dataDir/efs/<fs-id>`; `"none"` = API
   * only; or your own FileShareHost. @default "directories" with `dataDir`, else "none"
   */
  shares?: "directories" | "none" | FileShareHost;
  /**
   * Serve the file systems over real NFSv4 with nfs-ganesha on this address (needs root,
   * `dataDir` and Debian's nfs-ganesha + nfs-ganesha-vfs). Started only once a mount target
   * is available; port 0 picks a free one. Every mount target then reports `host` as its IpAddress.
   */
  nfs?: { host: string; port?: number };
  /** EFS's subnets (default: one per instance zone, ids from `labSubnetId(zone)`). */
  efs?: { subnets?: SubnetSpec[]; mountAddress?: string };
  /** What StopInstances cuts the power of (the lab: its node). @default nullPowerHost */
  power?: PowerHost;
  /** Initial knobs on top of the AWS-like defaults. */
  faults?: FaultsPatch;
  /** @default systemClock */
  clock?: Clock;
  /** Seed for ids and fault decisions. @default Date.now() */
  seed?: number;
  /** @default "us-east-1" */
  region?: string;
  logger?: Logger;
}

export interface RunningCloud {
  /** `http://HOST:PORT`, for the SDK's `endpoint` (EC2 and EFS alike). */
  endpoint: string;
  /** Where NFS clients reach the file systems (with the `nfs` option). */
  nfs?: { host: string; port: number };
  engine: CloudEngine;
  /** Same as POST /_swarmvol/faults. */
  setFaults(patch: FaultsPatch): Faults;
  /** Same as GET /_swarmvol/log. */
  events(): CloudEvent[];
  /** Stops listening and timers, and writes the state. Devices stay as they are. */
  close(): Promise<void>;
}

const WILDCARDS = new Set(["", "0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0"]);

/** Config is the truth for each instance's spec; state and tags survive from the last run. */
function mergeInstances(state: CloudState, specs: readonly InstanceSpec[], now: number): void {
  const previous = state.instances;
  state.instances = {};
  for (const spec of specs) {
    const old = previous[spec.instanceId];
    state.instances[spec.instanceId] = { state: "running", tags: {}, launchTime: now, ...old, ...spec };
  }
}

function deviceHostFor(options: CloudOptions): DeviceHost {
  const devices = options.devices ?? "none";
  if (devices === "none") return nullDeviceHost;
  if (devices !== "loop") return devices;
  if (options.dataDir === undefined) throw new TypeError("`devices: \"loop\"` needs `dataDir`");
  return new LoopDeviceHost({ dataDir: options.dataDir });
}

async function shareHostFor(options: CloudOptions, nfs: { host: string; port: number } | undefined, logger: Logger): Promise<FileShareHost> {
  const shares = options.shares ?? (options.dataDir === undefined ? "none" : "directories");
  if (typeof shares === "object") return shares;
  if (shares === "none" && nfs === undefined) return nullShareHost;
  if (options.dataDir === undefined) throw new TypeError("`shares: \"directories\"` and `nfs` need `dataDir`");
  const exporter = nfs === undefined ? undefined : new GaneshaServer({ ...nfs, workDir: join(options.dataDir, "nfs"), logger });
  return new DirectoryShareHost(join(options.dataDir, "efs"), exporter, logger);
}

async function openEngine(options: CloudOptions, nfs: { host: string; port: number } | undefined): Promise<CloudEngine> {
  const clock = options.clock ?? systemClock;
  if (options.dataDir !== undefined) await mkdir(options.dataDir, { recursive: true });
  const stateFile = options.dataDir === undefined ? undefined : new StateFile(join(options.dataDir, "state.json"));
  const state = stateFile === undefined ? emptyState() : await stateFile.load();
  const instances = normalizeInstances(options.instances);
  mergeInstances(state, instances, clock.now());
  const logger = options.logger ?? silentLogger;
  const mountAddress = options.efs?.mountAddress ?? nfs?.host;
  const log = new EventLog(options.dataDir === undefined ? undefined : join(options.dataDir, "events.jsonl"));
  await log.load();
  const engine = new CloudEngine({
    state, clock, log, stateFile,
    faults: applyFaultsPatch(defaultFaults(), options.faults ?? {}),
    rng: seededRng(options.seed ?? Date.now()),
    host: deviceHostFor(options),
    ...(options.power === undefined ? {} : { power: options.power }),
    logger,
    region: options.region ?? "us-east-1",
    shares: await shareHostFor(options, nfs, logger),
    efs: defaultEfsSettings(instances.map((i) => i.zone), {
      ...(options.efs?.subnets === undefined ? {} : { subnets: options.efs.subnets }),
      ...(mountAddress === undefined ? {} : { mountAddress }),
    }),
  });
  engine.rearm();
  return engine;
}

/** Starts the emulator and resolves once it listens. */
export async function startCloud(options: CloudOptions): Promise<RunningCloud> {
  const host = options.host ?? "127.0.0.1";
  if (WILDCARDS.has(host)) throw new TypeError(`\`host\` must be a specific address, not ${JSON.stringify(host)}`);
  if (options.nfs !== undefined && WILDCARDS.has(options.nfs.host)) throw new TypeError("`nfs.host` must be a specific address");
  const nfs = options.nfs === undefined ? undefined : { host: options.nfs.host, port: options.nfs.port || (await freePort(options.nfs.host)) };
  const engine = await openEngine(options, nfs);
  const server = createServer(requestHandler(engine));
  server.keepAliveTimeout = 1000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
  } catch (err) {
    await engine.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    endpoint,
    engine,
    ...(nfs === undefined ? {} : { nfs }),
    setFaults: (patch) => (engine.faults = applyFaultsPatch(engine.faults, patch)),
    events: () => engine.log.list(),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await engine.close();
    },
  };
}

export type { DeviceHost } from "./deviceHost.js";
export { nullDeviceHost } from "./deviceHost.js";
export { nullPowerHost, type PowerHost } from "./power.js";
export { findOverlaps, type CloudEvent, type OverlapViolation } from "./eventLog.js";
export { instantLatencies, type Faults, type FaultsPatch, type Latencies } from "./faults.js";
export { ManualClock, systemClock } from "./clock.js";
export { loadInstancesFile, type InstanceConfig } from "./config.js";
export { labSubnetId } from "./efs/subnets.js";
export { DirectoryShareHost, nullShareHost, type FileShareHost, type ShareExport } from "./efs/shareHost.js";
export type { InstanceSpec } from "./types.js";
