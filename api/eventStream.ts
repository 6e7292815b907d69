/**
 * `GET /v1/events/stream`: the event log as server-sent events (text/event-stream).
 *
 * Semantics:
 * - Each event is `id: <term>-<seq>`, `event: <type>`, `data: <JSON>`; a client resumes by
 *   `Last-Event-ID` (or `?since=`) and gets every event after it, a `stream.gap` marker
 *   first when some may be missing (core/events.ts). Without either it gets new events only.
 * - A comment line every `heartbeatMs` keeps proxies from closing an idle stream and lets
 *   a client tell a dead connection from a quiet swarm.
 * - Memory per stream is bounded: a stream does not queue events, it keeps a cursor into
 *   the log and reads from it while the socket takes data (one page over the socket's
 *   buffer at most). A client that lets more than `maxLag` events pile up behind a full
 *   socket is cut off with a final `stream.error` (LIMIT_EXCEEDED) and may resume, rather
 *   than hold the log's memory; its socket is destroyed if it does not drain that in `graceMs`.
 * - A client that reads nothing at all is cut off the same way once its socket has stayed
 *   full for `stallMs`, however quiet the swarm: no heartbeat is written while the socket
 *   is full (each would only add to a buffer nobody reads), and the stream's place among
 *   the `maxStreams` goes to someone who reads.
 * - At most `maxStreams` at once: one more is refused with 429 before any header.
 * - The log ending its term (this replica stopped leading) ends every stream with a
 *   `stream.end`: the client reconnects and finds the new leader.
 * - A client that closes its end is cleaned up on the response's `close`: listener,
 *   heartbeat and grace timers go with it, and nothing is logged above debug.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ErrorCode, limitExceeded, type SwarmvolError } from "../core/errors.js";
import type { EventLog, LogSignal, SwarmvolEvent } from "../core/events.js";
import type { Logger, Timers } from "../core/ports.js";
import type { ErrorBody } from "./contract.js";
import { httpStatusOf } from "./httpStatus.js";
import type { StreamAnswer } from "./server.js";

export interface EventStreamOptions {
  log: EventLog;
  timers: Timers;
  logger: Logger;
  /** @default 15_000 */
  heartbeatMs?: number;
  /** @default 64 */
  maxStreams?: number;
  /** Events a stream may fall behind while its socket is full. @default 256 */
  maxLag?: number;
  /** How long a cut-off client gets to read its last event before its socket is destroyed. @default 5_000 */
  graceMs?: number;
  /** Events read from the log per write burst. @default 64 */
  pageSize?: number;
  /** How long a stream's socket may stay full (its client reading nothing) before it is cut off. @default 60_000 */
  stallMs?: number;
}

/** Where a stream starts and what it shows. */
export interface StreamRequest {
  /** Resume after this id; absent: new events only. */
  since?: string;
  volume?: string;
}

type Settings = Required<Omit<EventStreamOptions, "log" | "timers" | "logger">>;

/** The open event streams of one API server. */
export class EventStreams {
  private readonly settings: Settings;
  private readonly open = new Set<EventStreamConnection>();

  constructor(private readonly options: EventStreamOptions) {
    this.settings = {
      heartbeatMs: options.heartbeatMs ?? 15_000, maxStreams: options.maxStreams ?? 64,
      maxLag: options.maxLag ?? 256, graceMs: options.graceMs ?? 5_000, pageSize: options.pageSize ?? 64, stallMs: options.stallMs ?? 60_000,
    };
  }

  /** Streams open now. */
  get active(): number {
    return this.open.size;
  }

  /** The route's answer: LIMIT_EXCEEDED (429) when `maxStreams` are open already. */
  answer(request: StreamRequest): StreamAnswer {
    if (this.open.size >= this.settings.maxStreams) throw this.full();
    return {
      kind: "stream",
      open: (_req: IncomingMessage, res: ServerResponse) => {
        // Requests checked in the same turn may all have passed the check above.
        if (this.open.size >= this.settings.maxStreams) return refuse(res, this.full());
        const connection = new EventStreamConnection(res, request, this.options, this.settings, () => this.open.delete(connection));
        this.open.add(connection);
        connection.start();
      },
    };
  }

  private full(): SwarmvolError {
    return limitExceeded(`${this.settings.maxStreams} event streams are open on this controller already; close one, or read GET /v1/events instead`);
  }
}

/** The contract's error answer, for a refusal after the route's own catch (api/server.ts answers the rest). */
function refuse(res: ServerResponse, err: SwarmvolError): void {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  res.writeHead(httpStatusOf[err.code], { "Content-Type": "application/json" }).end(JSON.stringify(body));
}

/** One client's stream: a cursor into the log, written as the socket takes it. */
class EventStreamConnection {
  private cursor: string;
  private blocked = false;
  private done = false;
  private pumpQueued = false;
  private heartbeat: unknown;
  private grace: unknown;
  /** Armed while the socket is full: the client gets `stallMs` to read something. */
  private stall: unknown;
  private unsubscribe: () => void = () => undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly request: StreamRequest,
    private readonly options: EventStreamOptions,
    private readonly settings: Settings,
    private readonly released: () => void,
  ) {
    this.cursor = request.since ?? options.log.head();
  }

  start(): void {
    const { res } = this;
    res.on("close", () => this.release());
    res.on("drain", () => {
      this.blocked = false;
      this.options.timers.clear(this.stall);
      this.pump();
    });
    res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", "X-Accel-Buffering": "no" });
    this.write(": swarmvol events\n\n");
    this.unsubscribe = this.options.log.subscribe((signal) => this.heard(signal));
    this.armHeartbeat();
    this.pump();
  }

  private heard(signal: LogSignal): void {
    if (signal === "ended") {
      this.finish("stream.end", { message: "this controller replica stopped leading; reconnect to find the leader" });
      return;
    }
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  /** Writes what the log holds after the cursor while the socket takes it. */
  private pump(): void {
    if (this.done) return;
    if (this.blocked) {
      const behind = this.options.log.countAfter(this.cursor);
      if (behind > this.settings.maxLag) this.cutOff(behind);
      return;
    }
    for (;;) {
      const page = this.options.log.read({ since: this.cursor, limit: this.settings.pageSize, ...(this.request.volume ? { volume: this.request.volume } : {}) });
      for (const event of page.events) this.write(frame(event));
      this.cursor = page.next;
      if (!page.more || this.blocked || this.done) return;
    }
  }

  private stalled(): void {
    this.options.logger.info({ stallMs: this.settings.stallMs, cursor: this.cursor }, "event stream cut off: its client stopped reading");
    this.finish("stream.error", {
      code: ErrorCode.LimitExceeded,
      message: `this client read nothing for ${this.settings.stallMs} ms; reconnect with Last-Event-ID ${this.cursor} to resume`,
    });
  }

  private cutOff(behind: number): void {
    this.options.logger.info({ behind, maxLag: this.settings.maxLag, cursor: this.cursor }, "event stream cut off: its client reads too slowly");
    this.finish("stream.error", {
      code: ErrorCode.LimitExceeded,
      message: `this client fell ${Number.isFinite(behind) ? behind : "too many"} events behind (at most ${this.settings.maxLag}); reconnect with Last-Event-ID ${this.cursor} to resume`,
    });
  }

  /** A last event without an id (the client keeps its own), then the end. */
  private finish(type: "stream.end" | "stream.error", data: Record<string, string>): void {
    if (this.done) return;
    this.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    this.stopListening();
    this.res.end();
    this.grace = this.options.timers.set(() => this.res.destroy(), this.settings.graceMs);
  }

  private armHeartbeat(): void {
    this.heartbeat = this.options.timers.set(() => {
      if (this.done) return;
      // A full socket already has bytes for the client to read: a heartbeat would only queue.
      if (!this.blocked) this.write(": heartbeat\n\n");
      this.armHeartbeat();
    }, this.settings.heartbeatMs);
  }

  private write(text: string): void {
    if (this.res.destroyed || this.res.writableEnded) return;
    if (this.res.write(text) || this.blocked) return;
    this.blocked = true;
    if (!this.done) this.stall = this.options.timers.set(() => this.stalled(), this.settings.stallMs);
  }

  private stopListening(): void {
    this.done = true;
    this.unsubscribe();
    this.options.timers.clear(this.heartbeat);
    this.options.timers.clear(this.stall);
  }

  /** The response closed (finished, or the client went away): nothing of this stream stays. */
  private release(): void {
    this.stopListening();
    this.options.timers.clear(this.grace);
    this.released();
    this.options.logger.debug({ cursor: this.cursor }, "event stream closed");
  }
}

/** One event as SSE: its JSON on one line (JSON.stringify escapes newlines). */
export function frame(event: SwarmvolEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
