/**
 * The `Swarm` port on the Docker Engine API, through dockerode. The dockerode instance is
 * built in cli/ and passed in; this file only needs the four calls in `DockerSwarmApi`, so
 * tests hand it a plain object.
 *
 * Lists must go to a manager (a worker answers 503). Tasks have no events in the Engine
 * API, so the informer polls listTasks; events are only hints (protocols.md §2).
 *
 * Bounded: every list, and the opening of the event stream, must answer within
 * `callTimeoutMs` or fail UNAVAILABLE (a dockerd that accepts and never answers would
 * otherwise freeze the informer's one-at-a-time relist for good). The open stream itself
 * has no deadline: it is quiet while the swarm is, and the periodic relist is the truth.
 */
import { StringDecoder } from "node:string_decoder";
import { realTimers, withDeadline } from "../../core/clock.js";
import { invalidArgument, isSwarmvolError, unavailable, type SwarmvolError } from "../../core/errors.js";
import type { Logger, Timers } from "../../core/ports.js";
import { silentLogger } from "../../core/ports.js";
import type { Swarm, SwarmEvent, SwarmNode, SwarmTask } from "../../core/swarm.js";
import { parseEvent, parseNode, parseServiceNames, parseTask } from "./parse.js";

type Filters = Record<string, string[]>;
type Signal = { abortSignal?: AbortSignal };

/**
 * The dockerode calls swarmvol uses, narrowed so a fake is four functions. A `new Docker()`
 * from cli/ fits as is (dockerSwarm.test.ts checks that at compile time).
 */
export interface DockerSwarmApi {
  listNodes(options?: Signal): Promise<unknown[]>;
  listTasks(options?: Signal & { filters?: Filters }): Promise<unknown[]>;
  listServices(options?: Signal): Promise<unknown[]>;
  /** Resolves to the raw newline-delimited JSON stream of GET /events. */
  getEvents(options: { filters: Filters; abortSignal?: AbortSignal }): Promise<NodeJS.ReadableStream>;
}

export interface DockerSwarmOptions {
  docker: DockerSwarmApi;
  /** Volume driver names that mean swarmvol; `NAME:latest` also matches. @default ["swarmvol"] */
  driverNames?: readonly string[];
  /** How long an unknown service ID waits before /services is asked again. @default 10_000 */
  serviceRetryMs?: number;
  /** Upper bound of each list call and of opening the event stream. @default 30_000 */
  callTimeoutMs?: number;
  /** Where the deadlines are armed. @default realTimers */
  timers?: Timers;
  /** @default Date.now */
  now?: () => number;
  logger?: Logger;
}

const watchedTypes = ["node", "service", "container"];

export class DockerSwarm implements Swarm {
  private readonly docker: DockerSwarmApi;
  private readonly driverNames: readonly string[];
  private readonly serviceRetryMs: number;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly callTimeoutMs: number;
  private readonly timers: Timers;
  /** Service ID → name, refreshed when a task names a service we have not seen. */
  private serviceNames = new Map<string, string>();
  private servicesFetchedAt = Number.NEGATIVE_INFINITY;

  constructor(options: DockerSwarmOptions) {
    this.docker = options.docker;
    this.driverNames = options.driverNames ?? ["swarmvol"];
    if (this.driverNames.length === 0) throw new TypeError("`driverNames` must name at least one driver");
    this.serviceRetryMs = options.serviceRetryMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.callTimeoutMs = options.callTimeoutMs ?? 30_000;
    if (!(this.callTimeoutMs > 0)) throw new TypeError(`\`callTimeoutMs\` must be positive, got ${this.callTimeoutMs}`);
    this.timers = options.timers ?? realTimers;
  }

  async listNodes(): Promise<SwarmNode[]> {
    const raw = await this.call("listNodes", (abortSignal) => this.docker.listNodes({ abortSignal }));
    return raw.map(parseNode).filter((node): node is SwarmNode => node !== undefined);
  }

  async listTasks(desiredStates: readonly string[] = ["running"]): Promise<SwarmTask[]> {
    const filters = { "desired-state": [...desiredStates] };
    const raw = await this.call("listTasks", (abortSignal) => this.docker.listTasks({ filters, abortSignal }));
    await this.refreshServiceNames(raw);
    return raw.map((item) => parseTask(item, this.driverNames, this.serviceNames)).filter((task): task is SwarmTask => task !== undefined);
  }

  async watchEvents(onEvent: (event: SwarmEvent) => void, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    let stream: NodeJS.ReadableStream;
    try {
      // The deadline covers the opening only: once the stream is open its timer is gone.
      stream = await withDeadline(this.timers, this.callTimeoutMs, () => this.expired("getEvents"), (opening) =>
        this.docker.getEvents({ filters: { type: watchedTypes }, abortSignal: AbortSignal.any([signal, opening]) }));
    } catch (err) {
      if (signal.aborted) return;
      throw isSwarmvolError(err) ? err : translate(err, "getEvents");
    }
    await this.readEvents(stream, onEvent, signal);
  }

  /** Splits the stream into lines (a JSON object may span chunks) until it ends or aborts. */
  private async readEvents(stream: NodeJS.ReadableStream, onEvent: (event: SwarmEvent) => void, signal: AbortSignal): Promise<void> {
    const destroy = () => (stream as { destroy?: () => void }).destroy?.();
    signal.addEventListener("abort", destroy, { once: true });
    const decoder = new StringDecoder("utf8");
    let buffered = "";
    const emitLines = (text: string, final: boolean) => {
      buffered += text;
      const lines = buffered.split("\n");
      buffered = final ? "" : (lines.pop() ?? "");
      for (const line of lines) this.emitLine(line, onEvent);
    };
    try {
      for await (const chunk of stream) {
        if (signal.aborted) break;
        emitLines(typeof chunk === "string" ? chunk : decoder.write(chunk), false);
      }
      if (!signal.aborted) emitLines(decoder.end(), true);
    } catch (err) {
      if (signal.aborted) return;
      throw translate(err, "events stream");
    } finally {
      signal.removeEventListener("abort", destroy);
    }
  }

  private emitLine(line: string, onEvent: (event: SwarmEvent) => void): void {
    if (line.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.logger.warn({ line: line.slice(0, 200) }, "ignoring an events line that is not JSON");
      return;
    }
    const event = parseEvent(parsed);
    if (event) onEvent(event);
  }

  /**
   * Fetches /services when a task names a service ID we cannot name yet, at most once per
   * `serviceRetryMs` (a removed service's tasks linger). A failure here only costs names.
   */
  private async refreshServiceNames(rawTasks: readonly unknown[]): Promise<void> {
    const unknown = rawTasks.some((raw) => {
      const serviceId = (raw as { ServiceID?: unknown } | null)?.ServiceID;
      return typeof serviceId === "string" && serviceId !== "" && !this.serviceNames.has(serviceId);
    });
    if (!unknown || this.now() - this.servicesFetchedAt < this.serviceRetryMs) return;
    this.servicesFetchedAt = this.now();
    try {
      this.serviceNames = parseServiceNames(await this.call("listServices", (abortSignal) => this.docker.listServices({ abortSignal })));
    } catch (err) {
      this.logger.warn({ err: String(err) }, "could not list services; task service names fall back to labels");
    }
  }

  private async call<T>(operation: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await withDeadline(this.timers, this.callTimeoutMs, () => this.expired(operation), run);
    } catch (err) {
      throw isSwarmvolError(err) ? err : translate(err, operation);
    }
  }

  private expired(operation: string): SwarmvolError {
    return unavailable(`Docker ${operation} did not answer within ${this.callTimeoutMs} ms; is dockerd on this manager responsive?`, { operation, timedOut: true });
  }
}

/**
 * dockerode errors to domain errors: a 400 means our request is wrong; anything else (503
 * on a worker, connection refused, 500) is worth retrying later. Note that 20.10 answers
 * an invalid desired-state filter with a 500, so that bug surfaces as UNAVAILABLE.
 */
export function translate(err: unknown, operation: string): SwarmvolError {
  const e = (err ?? {}) as { statusCode?: unknown; message?: unknown; code?: unknown; json?: { message?: unknown } };
  const statusCode = typeof e.statusCode === "number" ? e.statusCode : undefined;
  const message = typeof e.json?.message === "string" ? e.json.message : String(e.message ?? err);
  const details = { operation, statusCode, errno: typeof e.code === "string" ? e.code : undefined };
  if (statusCode === 400) return invalidArgument(`Docker rejected ${operation}: ${message}`, details, err);
  if (statusCode === 503) return unavailable(`Docker ${operation} needs a swarm manager: ${message}`, details, err);
  return unavailable(`Docker ${operation} failed: ${message}`, details, err);
}
