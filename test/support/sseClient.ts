import { request, type ClientRequest, type IncomingMessage } from "node:http";
import { SseParser, type SseFrame } from "../../api/client/sseParser.js";

/**
 * A server-sent-events reader over a real socket for tests: frames as they arrive, a
 * promise per wait (never a sleep), and pause/destroy to play a slow or vanished client.
 */
export class SseClient {
  readonly frames: SseFrame[] = [];
  /** Resolves when the server ended the response or the socket closed (a paused response emits no close then). */
  readonly closed: Promise<void>;
  private readonly parser = new SseParser();
  private waiters: Array<() => void> = [];

  private constructor(private readonly req: ClientRequest, readonly res: IncomingMessage) {
    res.setEncoding("utf8");
    this.closed = new Promise((resolve) => {
      res.once("close", resolve);
      res.socket.once("close", resolve);
    });
    res.on("data", (chunk: string) => {
      this.frames.push(...this.parser.push(chunk));
      for (const wake of this.waiters.splice(0)) wake();
    });
    res.on("close", () => {
      for (const wake of this.waiters.splice(0)) wake();
    });
    res.on("error", () => undefined);
  }

  static open(port: number, path: string, headers: Record<string, string>): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, headers: { Accept: "text/event-stream", ...headers } }, (res) => resolve(new SseClient(req, res)));
      req.on("error", reject);
      req.end();
    });
  }

  /** Frames that are events (not comments only). */
  get events(): SseFrame[] {
    return this.frames.filter((frame) => frame.event !== undefined || frame.data !== undefined);
  }

  /** Waits until `count` events arrived, or the stream closed (then returns what came). */
  async untilEvents(count: number): Promise<SseFrame[]> {
    while (this.events.length < count && !this.res.destroyed && !this.res.complete) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.events;
  }

  /** Waits until any frame satisfies `test`. */
  async until(test: (frame: SseFrame) => boolean): Promise<SseFrame> {
    for (;;) {
      const found = this.frames.find(test);
      if (found) return found;
      if (this.res.destroyed || this.res.complete) throw new Error("stream closed before the frame came");
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Stops reading: the socket fills and the server's writes back up. */
  pause(): void {
    this.res.pause();
  }

  resume(): void {
    this.res.resume();
  }

  /** Drops the connection as a client that went away would. */
  destroy(): void {
    this.req.destroy();
  }
}

/** Yields whole event-loop turns until `test` holds (at most `turns`); fails otherwise. */
export async function untilTrue(test: () => boolean, turns = 200): Promise<void> {
  for (let turn = 0; turn < turns && !test(); turn += 1) await new Promise((resolve) => setImmediate(resolve));
  if (!test()) throw new Error(`condition still false after ${turns} event-loop turns`);
}
