/**
 * The bounds both HTTP surfaces (api/server.ts, plugin/server.ts) put on their clients, so
 * no client, slow or hostile, holds a connection, a socket buffer or a handler for long:
 *
 * - `maxConnections`: connections open at once; one more is closed as it arrives (Node's
 *   `server.maxConnections`). Unset: no limit (the plugin's socket, see its server).
 * - `headersTimeoutMs`: the request line and headers must arrive within this (Node's
 *   `headersTimeout`, 60 s by default: a slow-loris holds a socket that long).
 * - `requestTimeoutMs`: the whole request must arrive within this (Node's `requestTimeout`,
 *   5 min by default, checked every 30 s); answered 408 and closed by Node.
 * - `bodyTimeoutMs`: once a handler reads the body, it must be complete within this, on
 *   the injected `timers`; past it the read fails TIMEOUT and the server answers 408 and
 *   closes the connection. A body that trickles in holds one handler no longer than this.
 *
 * Responses are not bounded here: an event stream stays open by design (api/eventStream.ts
 * bounds what it buffers), and a Mount answers when it is done (Docker's own 2 min budget).
 */
import type { IncomingMessage, Server } from "node:http";
import { realTimers, withDeadline } from "../core/clock.js";
import { timeout } from "../core/errors.js";
import type { Timers } from "../core/ports.js";

export interface ServerLimits {
  /** @default unlimited */
  maxConnections?: number;
  /** @default 10_000 */
  headersTimeoutMs?: number;
  /** @default 30_000 */
  requestTimeoutMs?: number;
  /** @default 10_000 */
  bodyTimeoutMs?: number;
  /** @default realTimers */
  timers?: Timers;
}

export type ResolvedLimits = Required<Omit<ServerLimits, "maxConnections">> & Pick<ServerLimits, "maxConnections">;

/** `details.httpStatus` of the TIMEOUT a late body fails with: 408, not TIMEOUT's 504 (the client was late, not us). */
export const lateBodyStatus = 408;

function positive(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result <= 0) throw new TypeError(`\`${name}\` must be a positive number, got ${value}`);
  return result;
}

/** The limits with their defaults, applied to `server`. */
export function applyServerLimits(server: Server, limits: ServerLimits = {}): ResolvedLimits {
  const resolved: ResolvedLimits = {
    headersTimeoutMs: positive("headersTimeoutMs", limits.headersTimeoutMs, 10_000),
    requestTimeoutMs: positive("requestTimeoutMs", limits.requestTimeoutMs, 30_000),
    bodyTimeoutMs: positive("bodyTimeoutMs", limits.bodyTimeoutMs, 10_000),
    timers: limits.timers ?? realTimers,
    ...(limits.maxConnections === undefined ? {} : { maxConnections: positive("maxConnections", limits.maxConnections, 1) }),
  };
  // Node wants headersTimeout <= requestTimeout (0 would mean none).
  server.headersTimeout = Math.min(resolved.headersTimeoutMs, resolved.requestTimeoutMs);
  server.requestTimeout = resolved.requestTimeoutMs;
  if (resolved.maxConnections !== undefined) server.maxConnections = resolved.maxConnections;
  return resolved;
}

/**
 * Runs `read` (a loop over the request's chunks) within `bodyTimeoutMs`. Past it: TIMEOUT
 * with `details.httpStatus` 408, and the request is no longer read. The caller answers and
 * closes, which ends the pending read too.
 */
export function readBodyWithin<T>(req: IncomingMessage, limits: ResolvedLimits, read: () => Promise<T>): Promise<T> {
  const ms = limits.bodyTimeoutMs;
  return withDeadline(limits.timers, ms, () => {
    req.pause();
    return timeout(`request body not received within ${ms} ms; send the whole body at once`, { httpStatus: lateBodyStatus });
  }, read);
}
