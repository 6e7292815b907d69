/**
 * The `ClusterStore` port (core/clusterStore.ts) on Swarm's own Raft store, through
 * dockerode: the lease, the volume specs and the operators' move holds are configs, node
 * identity and fences are node labels. The layout is swarmStoreCodec.ts (moves:
 * moveHoldCodec.ts); this file does the calls and their rules.
 *
 * Compare-and-swap is Swarm's: every update carries the `Version.Index` it was based on and
 * a manager refuses a stale one. Docker 20.10 (API v1.41) answers that with HTTP 500
 * `rpc error: code = Unknown desc = update out of sequence` (configs and nodes alike), and a
 * create of a taken name with 409 `rpc error: code = AlreadyExists desc = config NAME
 * already exists`; both become CONFLICT here. Configs and nodes are addressed by name or ID
 * in the path (the Engine resolves an exact name), so a read is one round trip.
 *
 * Every call carries an `AbortSignal.timeout(callTimeoutMs)`; a call that times out is
 * UNAVAILABLE and its outcome unknown (a write may still have been committed). Node
 * updates must carry the whole spec (Role, Availability), so they are read-modify-write.
 */
import { alreadyExists, conflict, internal, isSwarmvolError, notFound, unavailable, ErrorCode, type SwarmvolError } from "../../core/errors.js";
import type { ClusterStore, StoredVolume } from "../../core/clusterStore.js";
import type { LeaseRecord, Versioned } from "../../core/leadership.js";
import { addsToStored, type MoveHold } from "../../core/moves.js";
import { silentLogger, type Logger } from "../../core/ports.js";
import { translate } from "./dockerSwarm.js";
import { moveConfigName, moveHoldFromConfig, moveHoldLabels, moveHoldToConfig } from "./moveHoldCodec.js";
import {
  leaderConfigData, leaderConfigName, leaseFromLabels, leaseToLabels, mergeLabels, parseConfigInfo, parseNodeSpec, sameLabels, storeLabels, volumeConfigName,
  volumeFromConfig, volumeLabels, volumeToConfig, type ConfigInfo, type ConfigSpec,
} from "./swarmStoreCodec.js";

type Signal = { abortSignal?: AbortSignal };
/** `_query` and `_body` keep docker-modem from also sending the options as the other one. */
type VersionedWrite<T> = Signal & { _query: { version: number }; _body: T };

export interface SwarmConfigHandle {
  inspect(options?: Signal): Promise<unknown>;
  update(options: VersionedWrite<ConfigSpec>): Promise<unknown>;
  remove(options?: Signal): Promise<unknown>;
}

export interface SwarmNodeHandle {
  inspect(options?: Signal): Promise<unknown>;
  update(options: VersionedWrite<Record<string, unknown>>): Promise<unknown>;
}

/**
 * The dockerode calls the store uses; a `new Docker()` fits as is (swarmStore.test.ts
 * checks that at compile time). All must go to a manager.
 */
export interface DockerStoreApi {
  listConfigs(options: Signal & { filters: Record<string, string[]> }): Promise<unknown[]>;
  /** `_query: {}` keeps the spec out of the URL. */
  createConfig(options: Signal & { _query: Record<string, never>; _body: ConfigSpec }): Promise<unknown>;
  getConfig(idOrName: string): SwarmConfigHandle;
  getNode(id: string): SwarmNodeHandle;
}

export interface DockerSwarmStoreOptions {
  docker: DockerStoreApi;
  /** Upper bound of every Engine call. @default 10_000 */
  callTimeoutMs?: number;
  /** Tries of a read-modify-write that loses compare-and-swap races. @default 5 */
  maxTries?: number;
  logger?: Logger;
}

export class DockerSwarmStore implements ClusterStore {
  private readonly docker: DockerStoreApi;
  private readonly callTimeoutMs: number;
  private readonly maxTries: number;
  private readonly logger: Logger;
  /** Data of the lease config as last read: an update must send it unchanged. */
  private leaseData = leaderConfigData;

  constructor(options: DockerSwarmStoreOptions) {
    this.docker = options.docker;
    this.callTimeoutMs = options.callTimeoutMs ?? 10_000;
    this.maxTries = options.maxTries ?? 5;
    if (!(this.callTimeoutMs > 0) || !(this.maxTries >= 1)) throw new TypeError("`callTimeoutMs` and `maxTries` must be positive");
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * One inspect of `swarmvol-leader` by name. Never throws on a hand-edited record: bad
   * numbers read as 0 and missing texts as "" (leaseFromLabels), so the caller must fall
   * back to its own timing when `leaseDurationMs` is 0.
   */
  async readLease(): Promise<Versioned<LeaseRecord> | undefined> {
    const info = await this.inspectConfig(leaderConfigName, "readLease");
    if (info === undefined) return undefined;
    this.leaseData = info.spec.Data;
    return { value: leaseFromLabels(info.spec.Labels), version: info.version };
  }

  async createLease(record: LeaseRecord): Promise<void> {
    const spec = { Name: leaderConfigName, Labels: leaseToLabels(record), Data: leaderConfigData };
    await this.call("createLease", (abortSignal) => this.docker.createConfig({ _query: {}, _body: spec, abortSignal }));
    this.leaseData = leaderConfigData;
  }

  /** CONFLICT also when the record was removed meanwhile: the version matches nothing. */
  async updateLease(record: LeaseRecord, version: number): Promise<void> {
    const spec = { Name: leaderConfigName, Labels: leaseToLabels(record), Data: this.leaseData };
    try {
      await this.call("updateLease", (abortSignal) => this.docker.getConfig(leaderConfigName).update({ _query: { version }, _body: spec, abortSignal }));
    } catch (err) {
      if (isSwarmvolError(err, ErrorCode.NotFound)) throw conflict(`the lease record is gone (it was at version ${version})`, { version }, err);
      throw err;
    }
  }

  async listVolumes(): Promise<StoredVolume[]> {
    const filters = { label: [`${storeLabels.kind}=volume`] };
    const raw = await this.call("listVolumes", (abortSignal) => this.docker.listConfigs({ filters, abortSignal }));
    const volumes: StoredVolume[] = [];
    for (const item of raw) {
      const info = parseConfigInfo(item);
      const volume = info === undefined ? "not a config object" : volumeFromConfig(info);
      if (typeof volume === "string") {
        this.logger.warn({ config: info?.spec.Name ?? (item as { ID?: unknown } | null)?.ID, reason: volume }, "skipping a swarmvol volume config that does not parse");
      } else {
        volumes.push(volume);
      }
    }
    return volumes;
  }

  /**
   * Creates the config, or brings `formatted` of the one with the same uid up to date (the
   * rest of a stored volume never changes, so only the uid and `formatted` are compared). A
   * lost race (a create answered 409, an update out of sequence) reads again and applies
   * the same rules, at most `maxTries` times; then CONFLICT.
   */
  async putVolume(volume: StoredVolume): Promise<void> {
    const name = volume.spec.name;
    const configName = volumeConfigName(name);
    for (let attempt = 1; attempt <= this.maxTries; attempt += 1) {
      const info = await this.inspectConfig(configName, "putVolume");
      try {
        if (info === undefined) {
          const spec = volumeToConfig(volume);
          await this.call("putVolume", (abortSignal) => this.docker.createConfig({ _query: {}, _body: spec, abortSignal }));
          return;
        }
        const stored = this.storedVolume(info, name);
        if (stored.uid !== volume.uid) throw alreadyExists(`volume ${name} is stored with another uid (${stored.uid}, not ${volume.uid})`, { name, uid: stored.uid });
        if (sameLabels(stored, volume)) return;
        const spec = { ...info.spec, Labels: { ...info.spec.Labels, ...volumeLabels(volume) } };
        await this.call("putVolume", (abortSignal) => this.docker.getConfig(info.id).update({ _query: { version: info.version }, _body: spec, abortSignal }));
        return;
      } catch (err) {
        if (!isSwarmvolError(err, ErrorCode.Conflict) && !isSwarmvolError(err, ErrorCode.NotFound)) throw err;
        this.logger.debug({ name, attempt }, "lost a race writing a volume config; reading it again");
      }
    }
    throw conflict(`volume ${name}: its config kept changing during ${this.maxTries} tries`, { name });
  }

  async removeVolume(name: string): Promise<void> {
    await this.removeConfig(volumeConfigName(name), "removeVolume");
  }

  async listMoveHolds(): Promise<MoveHold[]> {
    const raw = await this.call("listMoveHolds", (abortSignal) => this.docker.listConfigs({ filters: { label: [`${storeLabels.kind}=move`] }, abortSignal }));
    const holds: MoveHold[] = [];
    for (const item of raw) {
      const info = parseConfigInfo(item);
      const hold = info === undefined ? "not a config object" : moveHoldFromConfig(info);
      if (typeof hold !== "string") holds.push(hold);
      else this.logger.warn({ config: info?.spec.Name, reason: hold }, "skipping a swarmvol move config that does not parse");
    }
    return holds;
  }

  /**
   * The same move: its arrival and end written into the labels (compare-and-swap); another
   * move (or an unreadable config) is removed and the new hold created, unless the hold put is ended.
   * A lost race reads again, at most `maxTries` times; then CONFLICT.
   */
  async putMoveHold(hold: MoveHold): Promise<void> {
    const name = moveConfigName(hold.volume);
    for (let attempt = 1; attempt <= this.maxTries; attempt += 1) {
      const info = await this.inspectConfig(name, "putMoveHold");
      const stored = info && moveHoldFromConfig(info);
      try {
        if (info && typeof stored !== "string" && stored?.id === hold.id) {
          if (!addsToStored(stored, hold)) return;
          const spec = { ...info.spec, Labels: { ...info.spec.Labels, ...moveHoldLabels(hold) } };
          await this.call("putMoveHold", (abortSignal) => this.docker.getConfig(info.id).update({ _query: { version: info.version }, _body: spec, abortSignal }));
          return;
        }
        if (hold.ended) return;
        if (info) await this.removeConfig(info.id, "putMoveHold");
        const spec = moveHoldToConfig(hold);
        await this.call("putMoveHold", (abortSignal) => this.docker.createConfig({ _query: {}, _body: spec, abortSignal }));
        return;
      } catch (err) {
        if (!isSwarmvolError(err, ErrorCode.Conflict) && !isSwarmvolError(err, ErrorCode.NotFound)) throw err;
        this.logger.debug({ volume: hold.volume, attempt }, "lost a race writing a move config; reading it again");
      }
    }
    throw conflict(`the move of ${hold.volume}: its config kept changing during ${this.maxTries} tries`, { volume: hold.volume });
  }

  async removeMoveHold(volume: string, id: string): Promise<void> {
    const info = await this.inspectConfig(moveConfigName(volume), "removeMoveHold");
    const stored = info && moveHoldFromConfig(info);
    if (info && typeof stored !== "string" && stored?.id === id) await this.removeConfig(info.id, "removeMoveHold");
  }

  /**
   * Read-modify-write of the node's whole spec: Swarm itself and `docker node update`
   * change nodes too, so a lost race reads again, at most `maxTries` times; then CONFLICT.
   * No write at all when the labels already are as asked.
   */
  async setNodeLabels(nodeId: string, labels: Readonly<Record<string, string | undefined>>): Promise<void> {
    for (let attempt = 1; attempt <= this.maxTries; attempt += 1) {
      const node = parseNodeSpec(await this.call("setNodeLabels", (abortSignal) => this.docker.getNode(nodeId).inspect({ abortSignal })), nodeId);
      const merged = mergeLabels(node.labels, labels);
      if (merged === undefined) return;
      const spec = { ...node.spec, Labels: merged };
      try {
        await this.call("setNodeLabels", (abortSignal) => this.docker.getNode(nodeId).update({ _query: { version: node.version }, _body: spec, abortSignal }));
        return;
      } catch (err) {
        if (!isSwarmvolError(err, ErrorCode.Conflict)) throw err;
        this.logger.debug({ nodeId, attempt }, "node changed while its labels were written; reading it again");
      }
    }
    throw conflict(`node ${nodeId} kept changing during ${this.maxTries} tries to set its labels`, { nodeId });
  }

  /** The stored volume of a config that holds `name`'s hash; ALREADY_EXISTS when it is not readable as that. */
  private storedVolume(info: ConfigInfo, name: string): StoredVolume {
    const stored = volumeFromConfig(info);
    if (typeof stored === "string") throw alreadyExists(`config ${info.spec.Name} for volume ${name} is unreadable (${stored}); remove it with \`docker config rm ${info.spec.Name}\``, { name });
    if (stored.spec.name !== name) throw alreadyExists(`config ${info.spec.Name} holds volume ${stored.spec.name}, not ${name}`, { name });
    return stored;
  }

  /** Removes a config by name or ID; one already gone is fine. */
  private async removeConfig(idOrName: string, operation: string): Promise<void> {
    try {
      await this.call(operation, (abortSignal) => this.docker.getConfig(idOrName).remove({ abortSignal }));
    } catch (err) {
      if (!isSwarmvolError(err, ErrorCode.NotFound)) throw err;
    }
  }

  /** The config by exact name, or undefined on 404. */
  private async inspectConfig(name: string, operation: string): Promise<ConfigInfo | undefined> {
    let raw: unknown;
    try {
      raw = await this.call(operation, (abortSignal) => this.docker.getConfig(name).inspect({ abortSignal }));
    } catch (err) {
      if (isSwarmvolError(err, ErrorCode.NotFound)) return undefined;
      throw err;
    }
    const info = parseConfigInfo(raw);
    if (info === undefined || info.spec.Name !== name) throw internal(`Docker answered the inspect of config ${name} with something else`, { operation, name });
    return info;
  }

  private async call<T>(operation: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await run(AbortSignal.timeout(this.callTimeoutMs));
    } catch (err) {
      throw translateStoreError(err, operation, this.callTimeoutMs);
    }
  }
}

/**
 * dockerode errors to domain errors, the store's additions to `translate`: a stale version
 * (500 "update out of sequence", observed on 20.10) and a taken name (409) are CONFLICT, a
 * 404 NOT_FOUND, our own timeout UNAVAILABLE; the rest as `translate` says.
 */
export function translateStoreError(err: unknown, operation: string, timeoutMs?: number): SwarmvolError {
  if (isSwarmvolError(err)) return err;
  const e = (err ?? {}) as { statusCode?: unknown; message?: unknown; name?: unknown; json?: { message?: unknown } };
  const message = typeof e.json?.message === "string" ? e.json.message : String(e.message ?? err);
  const details = { operation, statusCode: e.statusCode };
  if (e.statusCode === 409 || /update out of sequence/i.test(message)) return conflict(`Docker ${operation} lost a race: ${message}`, details, err);
  if (e.statusCode === 404) return notFound(`Docker ${operation}: ${message}`, details, err);
  if (e.name === "AbortError" || e.name === "TimeoutError") return unavailable(`Docker ${operation} did not answer within ${timeoutMs ?? "?"} ms`, { ...details, timedOut: true }, err);
  return translate(err, operation);
}
