import type { VolumeRecord } from "./volume.js";
import type { CrashStep } from "./crashPoints.js";
import type { AvailabilityPlan, NodeSpecView } from "./nodeDrain.js";
import type { ServicePlacement } from "./moves.js";

/**
 * Small interfaces for every side effect the domain needs. Real implementations live in
 * storage/ and cli/; recording fakes live in test/fakes/. Nothing here does I/O. The node
 * side's ports (mount table, block filesystem, attacher, ...) are core/nodePorts.ts,
 * re-exported here.
 */
export * from "./nodePorts.js";

/** Injected time so tests never sleep. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A cancellable one-shot timer; real code uses setTimeout (core/clock.ts), tests a manual one. */
export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** pino-compatible subset; messages are constant strings, data goes in the first argument. */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child(bindings: object): Logger;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program without a shell. Never rejects on a non-zero exit: callers decide what
 * an exit code means (fsck's 1 is success, blkid's 2 is "nothing found").
 */
export interface CommandRunner {
  run(program: string, args: readonly string[], options?: { timeoutMs?: number; input?: string }): Promise<CommandResult>;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/**
 * The cluster-wide volume catalog. Writes are durable when the promise resolves and
 * atomic: a crash at any point leaves either the old or the new document, never a torn one.
 */
export interface Catalog {
  get(name: string): VolumeRecord | undefined;
  list(): VolumeRecord[];
  put(record: VolumeRecord): Promise<void>;
  remove(name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Named instants of a mount and of a move (core/crashPoints.ts) where a kill -9 is worst.
 * Product code calls `reached` there; cli/ builds the armed one from SWARMVOL_CRASH_AT,
 * which kills its own process at a listed step (the crash-points drill). Must not throw
 * otherwise, nor do I/O when unarmed.
 */
export interface CrashPoints {
  reached(step: CrashStep): void;
}

/** Never armed: what every daemon and test uses unless told otherwise. */
export const noCrashPoints: CrashPoints = { reached() {} };

/** One request of `swarmvol healthcheck`: to a plugin socket, or to a URL on TCP. */
export type ProbeRequest =
  | { socket: string; method: "POST"; path: string }
  | { url: string; method: "GET" };

/** What `swarmvol healthcheck` touches: the container's PID 1 and its daemon's endpoints. */
export interface HealthProbe {
  /** PID 1's arguments (/proc/1/cmdline), or undefined when they cannot be read. */
  daemonArgs(): Promise<string[] | undefined>;
  /**
   * Sends one request and reads the answer (status and body text); rejects when nothing
   * answers, and with TIMEOUT when no whole answer came within `timeoutMs`.
   */
  request(request: ProbeRequest, timeoutMs: number): Promise<{ status: number; body: string }>;
}

/**
 * A Swarm node's availability and swarmvol's labels on it (ADR 0022). `change` reads the
 * node, asks `plan` (core/nodeDrain.ts planDrain or planRestore) what to write on the node
 * as read, and writes that against the `Version.Index` it read, reading and planning again
 * when it loses a race with another writer (Swarm, `docker node update`); CONFLICT after a
 * few lost races. Resolves with the plan it carried out (or the skip it was told).
 */
export interface NodeAvailability {
  change(nodeId: string, plan: (node: NodeSpecView) => AvailabilityPlan): Promise<AvailabilityPlan>;
}

/**
 * Swarm services as an operator's move changes them (`swarmvol move --with-service`, ADR
 * 0023): read a service's placement, and rewrite its constraints by compare-and-swap on its
 * version (Swarm's Version.Index), read again and retried when Swarm or an operator changed
 * the service meanwhile. The adapter is controller/swarm/dockerServices.ts.
 */
export interface SwarmServices {
  /** NOT_FOUND when the service is gone. */
  placement(serviceId: string): Promise<ServicePlacement>;
  /**
   * Applies `change` to the service's placement as read, and writes the constraints it
   * returns with the version read; `change` returns undefined when nothing needs writing.
   * Resolves to the placement as it stands after. CONFLICT after a few lost races.
   */
  updateConstraints(serviceId: string, change: (current: ServicePlacement) => readonly string[] | undefined): Promise<ServicePlacement>;
}

/**
 * The last records this node got from the controller, kept across agent restarts. It
 * exists for one reason: dockerd calls Get on every volume it knows when it starts and
 * forgets those Get denies, so a controller that is down at that moment must not make
 * every node forget its swarmvol volumes. Writes are atomic; losing the latest write is
 * harmless (the next successful Get rewrites it). The agent's RemoteDirectory
 * (plugin/cluster/remoteDirectory.ts) reads it; storage/state/recordCache.ts keeps it on disk.
 */
export interface RecordCache {
  get(name: string): VolumeRecord | undefined;
  list(): VolumeRecord[];
  put(record: VolumeRecord): Promise<void>;
  /** Replaces the whole content (after a successful list). */
  replaceAll(records: readonly VolumeRecord[]): Promise<void>;
  remove(name: string): Promise<void>;
}
