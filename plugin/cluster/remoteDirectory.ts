import { ErrorCode, invalidArgument, isSwarmvolError, unavailable } from "../../core/errors.js";
import type { Logger, RecordCache, VolumeDirectory } from "../../core/ports.js";
import type { VolumeRecord } from "../../core/volume.js";
import type { ControllerApi } from "../../api/client/apiClient.js";

/** The cache in memory only (tests, and agents run without a state directory). */
export class MemoryRecordCache implements RecordCache {
  private readonly records = new Map<string, VolumeRecord>();

  get(name: string): VolumeRecord | undefined {
    return this.records.get(name);
  }
  list(): VolumeRecord[] {
    return [...this.records.values()].sort((a, b) => a.spec.name.localeCompare(b.spec.name));
  }
  async put(record: VolumeRecord): Promise<void> {
    this.records.set(record.spec.name, structuredClone(record));
  }
  async replaceAll(records: readonly VolumeRecord[]): Promise<void> {
    this.records.clear();
    for (const record of records) this.records.set(record.spec.name, structuredClone(record));
  }
  async remove(name: string): Promise<void> {
    this.records.delete(name);
  }
}

/**
 * Docker's budgets (protocols.md §1): Create 2 min, Remove 1 min. The controller may create
 * or delete a cloud volume behind these calls, so they get most of that budget; reads use
 * the client's short default and fall back to the cache.
 */
export const directoryTimeouts = { createMs: 100_000, removeMs: 50_000 } as const;

export interface RemoteDirectoryOptions {
  api: Pick<ControllerApi, "getVolume" | "listVolumes" | "createVolume" | "removeVolume" | "markFormatted">;
  cache: RecordCache;
  logger: Logger;
  /**
   * True while the controller is known to be away (the node's lease lapsed): reads of
   * cached records skip the network. Docker calls Get while it stops a fenced node's
   * containers, and each call waiting on an unreachable controller delays the fence.
   * @default () => false
   */
  controllerAway?: () => boolean;
}

/**
 * The cluster-wide catalog as an agent sees it: the controller's API, with the last known
 * records as a fallback for reads while the controller is unreachable. Writes need the
 * controller and fail with its UNAVAILABLE error; Docker shows that message and retries.
 */
export class RemoteDirectory implements VolumeDirectory {
  /** Per name, why its last answer came from the cache; null: from the controller. */
  private readonly fromCache = new Map<string, string | null>();
  /** Set while the last list came from the cache: every name not asked since is from the cache too. */
  private listedFromCache: string | undefined;

  constructor(private readonly options: RemoteDirectoryOptions) {}

  readSource(name: string): { from: "controller" } | { from: "cache"; reason: string } {
    const entry = this.fromCache.get(name);
    const reason = entry === undefined ? this.listedFromCache : entry;
    return reason === undefined || reason === null ? { from: "controller" } : { from: "cache", reason };
  }

  private answered(name: string, fromCache: string | null): void {
    this.fromCache.set(name, fromCache);
  }

  /**
   * From the controller when reachable (refreshing the cache; NOT_FOUND evicts). When it
   * is not, the cached record; with no cached record the UNAVAILABLE error is thrown
   * rather than "no such volume", so dockerd keeps the volume in its own database.
   */
  async get(name: string): Promise<VolumeRecord | undefined> {
    const { api, cache, logger } = this.options;
    const cachedWhileAway = this.options.controllerAway?.() ? cache.get(name) : undefined;
    if (cachedWhileAway) {
      this.answered(name, "this node's lease lapsed: the controller is away");
      return cachedWhileAway;
    }
    try {
      const record = await api.getVolume(name);
      await this.remember(record);
      this.answered(name, null);
      return record;
    } catch (err) {
      if (isSwarmvolError(err, ErrorCode.NotFound)) {
        if (cache.get(name)) await cache.remove(name);
        return undefined;
      }
      if (!isSwarmvolError(err, ErrorCode.Unavailable)) throw err;
      const cached = cache.get(name);
      if (!cached) throw unavailable(`${err.message} (and this node has no cached record of volume "${name}")`, { name }, err);
      logger.warn({ volume: name, err: err.message }, "controller unreachable: answering Get from the cache");
      this.answered(name, err.message);
      return cached;
    }
  }

  /** The controller's list (replacing the cache), or the cached list while it is unreachable. */
  async list(): Promise<VolumeRecord[]> {
    const { api, cache, logger } = this.options;
    try {
      const records = await api.listVolumes();
      const part = (list: readonly VolumeRecord[]) => JSON.stringify(list.map(cachedPart).sort((a, b) => a.spec.name.localeCompare(b.spec.name)));
      if (part(records) !== part(cache.list())) await cache.replaceAll(records);
      this.listedFromCache = undefined;
      this.fromCache.clear();
      return records;
    } catch (err) {
      if (!isSwarmvolError(err, ErrorCode.Unavailable)) throw err;
      logger.warn({ err: err.message, cached: cache.list().length }, "controller unreachable: answering List from the cache");
      this.listedFromCache = err.message;
      return cache.list();
    }
  }

  async create(name: string, options: Readonly<Record<string, unknown>> | null | undefined): Promise<VolumeRecord> {
    const record = await this.options.api.createVolume({ name, options: stringOptions(options) }, { timeoutMs: directoryTimeouts.createMs });
    await this.remember(record);
    return record;
  }

  async remove(name: string): Promise<void> {
    await this.options.api.removeVolume(name, { timeoutMs: directoryTimeouts.removeMs });
    await this.options.cache.remove(name);
  }

  async markFormatted(name: string): Promise<void> {
    const { api, cache } = this.options;
    const updated = await api.markFormatted(name);
    const cached = updated ?? cache.get(name);
    if (cached) await cache.put(updated ?? { ...cached, status: { ...cached.status, fresh: false } });
  }

  /**
   * Writes only when what the cache is for changed (what Get and List answer, the fresh mark
   * and the epoch): Docker calls Get many times per container, and during a move the
   * controller's status (grant, timeline, condition) changes with nearly every call; each
   * write is an fsync.
   */
  private async remember(record: VolumeRecord): Promise<void> {
    const cached = this.options.cache.get(record.spec.name);
    if (cached && JSON.stringify(cachedPart(cached)) === JSON.stringify(cachedPart(record))) return;
    await this.options.cache.put(record);
  }
}

/** The part of a record worth an fsync on the node: what the agent answers from it while the controller is away. */
function cachedPart(record: VolumeRecord) {
  const { phase, fresh, epoch, backendId } = record.status;
  return { uid: record.uid, createdAt: record.createdAt, spec: record.spec, phase, fresh, epoch, backendId };
}

/** The contract carries string options only; Docker only ever sends strings. */
function stringOptions(options: Readonly<Record<string, unknown>> | null | undefined): Record<string, string> | null {
  if (options === null || options === undefined) return null;
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(options)) {
    if (typeof value !== "string") throw invalidArgument(`option "${key}" must be a string, like -o ${key}=...`, { option: key });
    result[key] = value;
  }
  return result;
}
