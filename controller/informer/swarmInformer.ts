/**
 * The controller's view of Swarm: nodes and tasks cached by ID, kept true by relisting.
 *
 * Lists are the truth and events only hints (style-models.md principle 8):
 * - Tasks have no events in the Engine API, so nodes and tasks are relisted every
 *   `pollIntervalMs` (1 s).
 * - Any node, service or container event pulls the next relist forward to within
 *   `eventDelayMs`; a burst of events costs one relist.
 * - The event stream reconnects with capped backoff and every reconnect relists, since
 *   events may have been lost meanwhile.
 * - A cron job (`resyncSchedule`, every minute) relists and reports every volume dirty,
 *   so a missed change is repaired within a minute even if no list ever differed.
 *
 * Consumers read the caches (`nodes()`, `tasksForVolume()`…), which are frozen objects,
 * and get `onVolumeDirty(volume)` calls to feed a work queue of volume names. Workers
 * should start only after `waitForSync()`: before the first list, "no task" means
 * "not known yet", not "no task".
 */
import type { Clock, Logger } from "../../core/ports.js";
import { silentLogger } from "../../core/ports.js";
import type { Swarm, SwarmEvent, SwarmNode, SwarmTask } from "../../core/swarm.js";
import { realTimers, type Timers } from "../queue.js";
import { indexBy, replaceAll, sameVersion, type SameFn } from "./cache.js";
import { dirtyVolumes, isLiveTask, type DirtyCause } from "./changes.js";
import type { ScheduledJob, Scheduler } from "./scheduler.js";
import { watchWithReconnect } from "./watch.js";

export type VolumeDirtyHandler = (volume: string, cause: DirtyCause) => void;

export interface SwarmInformerOptions {
  swarm: Swarm;
  clock: Clock;
  /** @default realTimers */
  timers?: Timers;
  logger?: Logger;
  /** Period of the node and task relist (tasks have no events). @default 1000 */
  pollIntervalMs?: number;
  /** How soon after an event hint the relist runs. @default 100 */
  eventDelayMs?: number;
  /** Event stream reconnect backoff. @default { initialMs: 1000, maxMs: 30_000 } */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** Waits between reconnects. @default clock.sleep */
  delay?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Runs the full resync; without one there is no scheduled resync. */
  scheduler?: Scheduler;
  /** node-cron expression of the full resync. @default "* * * * *" (every minute) */
  resyncSchedule?: string;
  /** Desired states asked of /tasks. @default ["running", "ready", "shutdown", "remove"] */
  desiredStates?: readonly string[];
  /** Which listed tasks to cache. @default isLiveTask (may run or may still hold a volume) */
  keepTask?: (task: SwarmTask) => boolean;
}

/** Desired states the informer lists: wanted running, or told to stop but maybe still running. */
export const defaultDesiredStates: readonly string[] = ["running", "ready", "shutdown", "remove"];

// A task whose service name got resolved is news even when Swarm did not bump its version.
const sameTask: SameFn<SwarmTask> = (cached, next) => sameVersion(cached, next) && cached.serviceName === next.serviceName;

export class SwarmInformer {
  private readonly nodeCache = new Map<string, SwarmNode>();
  /** `nodes()` as one array until a relist changes a node, so callers may index it once. */
  private nodeList: readonly SwarmNode[] | undefined;
  private readonly taskCache = new Map<string, SwarmTask>();
  private byVolume = new Map<string, readonly SwarmTask[]>();
  private byNode = new Map<string, readonly SwarmTask[]>();
  private readonly dirtyHandlers: VolumeDirtyHandler[] = [];
  private readonly resyncHandlers: Array<() => void> = [];
  private readonly syncWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  private readonly options: SwarmInformerOptions & Required<Pick<SwarmInformerOptions,
    "timers" | "logger" | "pollIntervalMs" | "eventDelayMs" | "desiredStates" | "keepTask" | "resyncSchedule">>;
  private abort = new AbortController();
  private synced = false;
  private running = false;
  private timer: { at: number; handle: unknown } | undefined;
  private relisting: Promise<void> | undefined;
  private relistAgain = false;
  private fullResyncDue = false;
  private failedLists = 0;
  private cronJob: ScheduledJob | undefined;
  private watching: Promise<void> | undefined;

  constructor(options: SwarmInformerOptions) {
    this.options = {
      timers: realTimers,
      logger: silentLogger,
      pollIntervalMs: 1000,
      eventDelayMs: 100,
      desiredStates: defaultDesiredStates,
      keepTask: isLiveTask,
      resyncSchedule: "* * * * *",
      ...options,
    };
    for (const name of ["pollIntervalMs", "eventDelayMs"] as const) {
      const value = this.options[name];
      if (!Number.isFinite(value) || value < 0) throw new TypeError(`\`${name}\` must be a non-negative number, got ${value}`);
    }
  }

  /** Lists at once, then keeps the caches current until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    const { scheduler, resyncSchedule } = this.options;
    this.cronJob = scheduler?.schedule(resyncSchedule, () => this.resync());
    this.watching = this.watchEvents();
    this.requestRelist(0);
  }

  /** Stops polling, the cron job and the event stream; waits for a relist in flight. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    this.cronJob?.stop();
    if (this.timer) this.options.timers.clear(this.timer.handle);
    this.timer = undefined;
    for (const waiter of this.syncWaiters.splice(0)) waiter.reject(new Error("informer stopped before its first sync"));
    await Promise.all([this.watching, this.relisting]);
  }

  /** True once nodes and tasks have both been listed successfully. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves after the first successful relist; rejects if the informer stops first. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => this.syncWaiters.push({ resolve, reject }));
  }

  nodes(): readonly SwarmNode[] {
    this.nodeList ??= Object.freeze([...this.nodeCache.values()]);
    return this.nodeList;
  }

  node(id: string): SwarmNode | undefined {
    return this.nodeCache.get(id);
  }

  tasks(): readonly SwarmTask[] {
    return [...this.taskCache.values()];
  }

  task(id: string): SwarmTask | undefined {
    return this.taskCache.get(id);
  }

  /** Cached tasks that mount the swarmvol volume `name` (empty when none). */
  tasksForVolume(name: string): readonly SwarmTask[] {
    return this.byVolume.get(name) ?? [];
  }

  /** Cached tasks placed on the node. */
  tasksOnNode(nodeId: string): readonly SwarmTask[] {
    return this.byNode.get(nodeId) ?? [];
  }

  /** Names of the swarmvol volumes some cached task mounts. */
  volumes(): string[] {
    return [...this.byVolume.keys()];
  }

  /** Calls `handler(volume, cause)` for every volume a relist finds changed. */
  onVolumeDirty(handler: VolumeDirtyHandler): () => void {
    return this.addHandler(this.dirtyHandlers, handler);
  }

  /**
   * Calls `handler()` after each scheduled full resync, e.g. to enqueue catalog volumes
   * that no task mounts (those never show up in onVolumeDirty).
   */
  onResync(handler: () => void): () => void {
    return this.addHandler(this.resyncHandlers, handler);
  }

  /** A full resync now: relist, then report every known volume dirty. */
  resync(): void {
    this.fullResyncDue = true;
    this.requestRelist(0);
  }

  /** Relists within `eventDelayMs`; for event hints and anyone who knows something moved. */
  hint(): void {
    this.requestRelist(this.options.eventDelayMs);
  }

  /** Relists after `delayMs` unless a relist is already due sooner. */
  private requestRelist(delayMs: number): void {
    if (!this.running) return;
    const at = this.options.clock.now() + delayMs;
    if (this.timer !== undefined) {
      if (this.timer.at <= at) return;
      this.options.timers.clear(this.timer.handle);
    }
    const handle = this.options.timers.set(() => {
      this.timer = undefined;
      void this.runRelist();
    }, delayMs);
    this.timer = { at, handle };
  }

  /** One relist at a time; a request during one runs again right after it. */
  private async runRelist(): Promise<void> {
    if (this.relisting) {
      this.relistAgain = true;
      return;
    }
    this.relisting = (async () => {
      do {
        this.relistAgain = false;
        await this.relistOnce();
      } while (this.relistAgain && this.running);
    })();
    await this.relisting;
    this.relisting = undefined;
    this.requestRelist(this.options.pollIntervalMs);
  }

  private async relistOnce(): Promise<void> {
    const full = this.fullResyncDue;
    this.fullResyncDue = false;
    let listed: [SwarmNode[], SwarmTask[]];
    try {
      listed = await Promise.all([this.options.swarm.listNodes(), this.options.swarm.listTasks(this.options.desiredStates)]);
    } catch (err) {
      this.fullResyncDue ||= full;
      this.failedLists += 1;
      // Polling is every second: warn on the first failure and then once a minute or so.
      const level = this.failedLists === 1 || this.failedLists % 60 === 0 ? "warn" : "debug";
      this.options.logger[level]({ err: String(err), failures: this.failedLists }, "listing swarm nodes and tasks failed; keeping the last known state");
      return;
    }
    if (this.failedLists > 0) this.options.logger.info({ failures: this.failedLists }, "listing swarm nodes and tasks works again");
    this.failedLists = 0;
    if (!this.running) return;
    this.apply(listed[0], listed[1].filter(this.options.keepTask), full);
  }

  /** Replaces the caches with a relist's result and tells handlers what changed. */
  private apply(nodes: SwarmNode[], tasks: SwarmTask[], full: boolean): void {
    const tasksBefore = [...this.taskCache.values()];
    const nodeDelta = replaceAll(this.nodeCache, nodes);
    if (nodeDelta.added.length + nodeDelta.updated.length + nodeDelta.deleted.length > 0) this.nodeList = undefined;
    const taskDelta = replaceAll(this.taskCache, tasks, sameTask);
    const tasksAfter = [...this.taskCache.values()];
    this.byVolume = indexBy(tasksAfter, (task) => task.volumes.map((volume) => volume.source));
    this.byNode = indexBy(tasksAfter, (task) => (task.nodeId === undefined ? [] : [task.nodeId]));
    const dirty = dirtyVolumes(taskDelta, nodeDelta, tasksBefore, tasksAfter);
    if (full) for (const volume of this.byVolume.keys()) if (!dirty.has(volume)) dirty.set(volume, { reason: "resync" });
    if (!this.synced) {
      this.synced = true;
      for (const waiter of this.syncWaiters.splice(0)) waiter.resolve();
    }
    for (const [volume, cause] of dirty) this.emit(this.dirtyHandlers, (handler) => handler(volume, cause));
    if (full) this.emit(this.resyncHandlers, (handler) => handler());
  }

  private watchEvents(): Promise<void> {
    const { swarm, clock, logger, reconnect } = this.options;
    return watchWithReconnect({
      watch: (onEvent, signal) => swarm.watchEvents(onEvent, signal),
      onEvent: (event: SwarmEvent) => {
        logger.debug({ type: event.type, action: event.action, id: event.id }, "swarm event; relisting soon");
        this.hint();
      },
      onReconnect: () => this.hint(),
      delay: this.options.delay ?? ((ms, signal) => clock.sleep(ms, signal)),
      initialMs: reconnect?.initialMs ?? 1000,
      maxMs: reconnect?.maxMs ?? 30_000,
      logger,
    }, this.abort.signal);
  }

  private addHandler<T>(list: T[], handler: T): () => void {
    list.push(handler);
    return () => {
      const at = list.indexOf(handler);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /** Calls each handler of a copied list; one that throws is logged and does not stop the rest. */
  private emit<T>(list: readonly T[], call: (handler: T) => void): void {
    for (const handler of [...list]) {
      try {
        call(handler);
      } catch (err) {
        this.options.logger.error({ err: String(err) }, "informer handler threw");
      }
    }
  }
}
