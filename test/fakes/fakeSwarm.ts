/**
 * A Swarm you can script, and a manual clock with timers, for the informer, the queue and
 * the lead's component tests. Lists return fresh copies (the informer freezes what it
 * caches); each watchEvents call is a session the test can feed, end or fail.
 */
import type { Clock } from "../../core/ports.js";
import type { Swarm, SwarmEvent, SwarmNode, SwarmTask } from "../../core/swarm.js";
import type { Timers } from "../../controller/queue.js";

/** One open watchEvents stream. */
export interface FakeEventSession {
  readonly signal: AbortSignal;
  emit(event: SwarmEvent): void;
  /** The stream ends normally (the informer reconnects). */
  end(): void;
  /** The stream breaks with an error (the informer reconnects). */
  fail(err: Error): void;
}

export class FakeSwarm implements Swarm {
  readonly nodeMap = new Map<string, SwarmNode>();
  readonly taskMap = new Map<string, SwarmTask>();
  readonly sessions: FakeEventSession[] = [];
  calls = { listNodes: 0, listTasks: 0, watchEvents: 0 };
  /** Errors the next list calls throw, in order (then lists work again). */
  readonly listFailures: Error[] = [];
  /** Called at the start of every watchEvents; default keeps the stream open. */
  onWatch: (session: FakeEventSession) => void = () => {};

  constructor(init: { nodes?: SwarmNode[]; tasks?: SwarmTask[] } = {}) {
    for (const node of init.nodes ?? []) this.nodeMap.set(node.id, node);
    for (const task of init.tasks ?? []) this.taskMap.set(task.id, task);
  }

  /** Puts the node as given (set `version` yourself, or use updateNode). */
  putNode(node: SwarmNode): void {
    this.nodeMap.set(node.id, node);
  }

  putTask(task: SwarmTask): void {
    this.taskMap.set(task.id, task);
  }

  /** Applies a change and bumps Version.Index, as Swarm does on every write. */
  updateNode(id: string, patch: Partial<SwarmNode>): SwarmNode {
    const node = this.mustGet(this.nodeMap, id);
    const next = { ...node, ...patch, version: node.version + 1 };
    this.nodeMap.set(id, next);
    return next;
  }

  updateTask(id: string, patch: Partial<SwarmTask>): SwarmTask {
    const task = this.mustGet(this.taskMap, id);
    const next = { ...task, ...patch, version: task.version + 1 };
    this.taskMap.set(id, next);
    return next;
  }

  removeNode(id: string): void {
    this.nodeMap.delete(id);
  }

  removeTask(id: string): void {
    this.taskMap.delete(id);
  }

  async listNodes(): Promise<SwarmNode[]> {
    this.calls.listNodes += 1;
    this.throwIfScripted();
    return structuredClone([...this.nodeMap.values()]);
  }

  async listTasks(desiredStates: readonly string[] = ["running"]): Promise<SwarmTask[]> {
    this.calls.listTasks += 1;
    this.throwIfScripted();
    return structuredClone([...this.taskMap.values()].filter((task) => desiredStates.includes(task.desiredState)));
  }

  watchEvents(onEvent: (event: SwarmEvent) => void, signal: AbortSignal): Promise<void> {
    this.calls.watchEvents += 1;
    return new Promise<void>((resolve, reject) => {
      let open = true;
      const close = (err?: Error) => {
        if (!open) return;
        open = false;
        signal.removeEventListener("abort", onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => close();
      const session: FakeEventSession = {
        signal,
        emit: (event) => open && onEvent(structuredClone(event)),
        end: () => close(),
        fail: (err) => close(err),
      };
      this.sessions.push(session);
      if (signal.aborted) return close();
      signal.addEventListener("abort", onAbort);
      this.onWatch(session);
    });
  }

  /** The newest event session (throws when none was opened). */
  get session(): FakeEventSession {
    const last = this.sessions.at(-1);
    if (!last) throw new Error("no watchEvents session yet");
    return last;
  }

  private throwIfScripted(): void {
    const err = this.listFailures.shift();
    if (err) throw err;
  }

  private mustGet<T>(map: Map<string, T>, id: string): T {
    const value = map.get(id);
    if (value === undefined) throw new Error(`fake swarm has no ${id}`);
    return value;
  }
}

/**
 * Clock and Timers that move only on `advance`: due timers fire in deadline order and
 * pending promise callbacks run between them, so async code settles as it would in time.
 */
export class ManualTime implements Clock, Timers {
  private timers: Array<{ at: number; seq: number; callback: () => void }> = [];
  private seq = 0;
  /** Every delay passed to sleep(), in order (reconnect backoff tests read this). */
  readonly sleeps: number[] = [];

  constructor(public current = Date.parse("2026-11-22T10:00:00.000Z")) {}

  now(): number {
    return this.current;
  }

  set(callback: () => void, ms: number): unknown {
    const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, callback };
    this.timers.push(timer);
    return timer;
  }

  clear(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer !== handle);
  }

  /** Like cli's systemClock: resolves after `ms` of manual time, rejects when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const handle = this.set(resolve, ms);
      signal?.addEventListener("abort", () => {
        this.clear(handle);
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** Timers still waiting. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    await settle();
    for (;;) {
      const next = [...this.timers].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (next === undefined || next.at > end) break;
      this.clear(next);
      this.current = Math.max(this.current, next.at);
      next.callback();
      await settle();
    }
    this.current = end;
    await settle();
  }
}

/** Lets every pending promise callback run (fakes never do real I/O). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** A cron scheduler whose jobs run when the test calls `fire()`. */
export class FakeScheduler {
  readonly jobs: Array<{ expression: string; run: () => void; stopped: boolean }> = [];

  schedule(expression: string, run: () => void): { stop(): void } {
    const job = { expression, run, stopped: false };
    this.jobs.push(job);
    return { stop: () => void (job.stopped = true) };
  }

  /** Runs every job that is not stopped, as if its time had come. */
  fire(): void {
    for (const job of this.jobs) if (!job.stopped) job.run();
  }
}
