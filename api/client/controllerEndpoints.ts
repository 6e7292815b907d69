import type { Clock, Logger } from "../../core/ports.js";
import { normalizeUrl } from "./endpointPreference.js";

/**
 * Where the agent finds the controller replicas. One runs on every Swarm manager, so
 * without a `--controller` list the agent asks its own engine which managers it knows
 * (`docker info` → `Swarm.RemoteManagers[].Addr`, like "10.0.0.5:2377") and puts the
 * controller's port on each address. The list is read again every `refreshMs` and, at
 * most once per `minRefreshGapMs`, whenever a call found no replica that serves (a
 * manager was replaced). A failed read or an empty answer keeps the list it had: a
 * stale list still reaches the managers that stayed, and standbys name the leader.
 *
 * The engine is a port (cli/ passes dockerode's `info`), so this runs without Docker.
 */

/** The part of the engine's `GET /info` read here. */
export interface EngineSwarmInfo {
  Swarm?: { RemoteManagers?: ReadonlyArray<{ NodeID?: string; Addr?: string }> | null } | null;
}

export interface ControllerEndpointsOptions {
  /** URLs given with --controller; when there are any, they are the list and nothing is discovered. */
  fixed: readonly string[];
  /** This node's `docker info`. */
  engineInfo: () => Promise<EngineSwarmInfo>;
  /** The controller's API port on every manager. */
  port: number;
  clock: Clock;
  logger: Logger;
  /** @default 30000 */
  refreshMs?: number;
  /** Least time between two reads, so a dead cluster is not a busy loop on the engine. @default 2000 */
  minRefreshGapMs?: number;
}

/** The controller URL on each manager the engine names, sorted, without repeats. */
export function managerUrls(info: EngineSwarmInfo, port: number): string[] {
  const urls = new Set<string>();
  for (const manager of info.Swarm?.RemoteManagers ?? []) {
    const addr = manager.Addr?.trim() ?? "";
    const colon = addr.lastIndexOf(":");
    // "10.0.0.5:2377" or "[fd00::5]:2377": the host is everything before the last colon.
    const host = colon > 0 && !addr.endsWith("]") ? addr.slice(0, colon) : addr;
    if (host !== "" && !/[/\s]/.test(host)) urls.add(`http://${host}:${port}`);
  }
  return [...urls].sort();
}

export class ControllerEndpoints {
  private current: readonly string[];
  private readonly refreshMs: number;
  private readonly minGapMs: number;
  private readonly stopper = new AbortController();
  private inFlight: Promise<void> | undefined;
  private lastReadAt = Number.NEGATIVE_INFINITY;
  private failedReads = 0;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: ControllerEndpointsOptions) {
    this.current = [...new Set(options.fixed.map(normalizeUrl))];
    this.refreshMs = options.refreshMs ?? 30_000;
    this.minGapMs = options.minRefreshGapMs ?? 2000;
  }

  /** Whether the list comes from the engine rather than from --controller. */
  get discovering(): boolean {
    return this.options.fixed.length === 0;
  }

  /** The replicas known now (possibly none before the first read). */
  list(): readonly string[] {
    return this.current;
  }

  /** Reads the engine now and every `refreshMs` after (nothing to do with a fixed list). */
  start(): void {
    if (!this.discovering) return;
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
    await this.inFlight;
  }

  /**
   * Resolves once some replica is known (at once with --controller), or when stopped. The
   * agent starts its lease keeper only then: a first heartbeat that failed for want of an
   * address would fence the mounts a restarted agent found in place.
   */
  async known(): Promise<void> {
    const { signal } = this.stopper;
    while (this.current.length === 0 && !signal.aborted) {
      await this.refresh();
      if (this.current.length > 0) return;
      await this.options.clock.sleep(this.minGapMs, signal).catch(() => undefined);
    }
  }

  /** Every known replica failed: read the engine again, unless a read ran within `minRefreshGapMs`. */
  refreshSoon(): void {
    if (!this.discovering || this.stopper.signal.aborted) return;
    if (this.options.clock.now() - this.lastReadAt < this.minGapMs) return;
    void this.refresh();
  }

  /** One read of the engine (joined if one is under way); never throws. */
  refresh(): Promise<void> {
    this.inFlight ??= this.read().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async run(): Promise<void> {
    const { signal } = this.stopper;
    while (!signal.aborted) {
      await this.refresh();
      await this.options.clock.sleep(this.refreshMs, signal).catch(() => undefined);
    }
  }

  private async read(): Promise<void> {
    const { clock, logger, port } = this.options;
    this.lastReadAt = clock.now();
    let urls: string[];
    try {
      urls = managerUrls(await this.options.engineInfo(), port);
    } catch (err) {
      return this.readFailed({ err: err instanceof Error ? err.message : String(err) });
    }
    if (urls.length === 0) return this.readFailed({ err: "the engine names no swarm manager (is this node in a swarm?)" });
    this.failedReads = 0;
    if (urls.join(",") === this.current.join(",")) return;
    logger.info({ endpoints: urls, previous: this.current }, "controller endpoints changed");
    this.current = urls;
  }

  private readFailed(fields: { err: string }): void {
    this.failedReads += 1;
    const log = this.failedReads === 1 ? this.options.logger.warn.bind(this.options.logger) : this.options.logger.debug.bind(this.options.logger);
    log({ ...fields, failures: this.failedReads, kept: this.current }, "cannot learn the controller endpoints from the engine; keeping the known ones");
  }
}
