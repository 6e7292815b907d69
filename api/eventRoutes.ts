import type { IncomingHttpHeaders } from "node:http";
import { invalidArgument } from "../core/errors.js";
import { formatEventId, parseEventId, type EventLog, type EventQuery } from "../core/events.js";
import { validateVolumeName } from "../core/volume.js";
import { defaultEventLimit, maxEventLimit, type EventListResponse } from "./contract.js";
import type { EventStreams, StreamRequest } from "./eventStream.js";
import type { Route } from "./server.js";

/**
 * The event routes of api/contract.ts (`GET /v1/events`, `GET /v1/events/stream`): query
 * checked here (INVALID_ARGUMENT naming the form), answered from the replica's log.
 */
export function eventRoutes(log: EventLog, streams: EventStreams): Route[] {
  return [
    { method: "GET", pattern: /^\/v1\/events$/, access: "operator", handle: ({ query }): EventListResponse => log.read(historyQuery(query)) },
    { method: "GET", pattern: /^\/v1\/events\/stream$/, access: "operator", handle: ({ query, headers }) => streams.answer(streamRequest(query, headers)) },
  ];
}

export function historyQuery(query: URLSearchParams): EventQuery {
  const since = sinceOf(query.get("since"));
  const sinceTime = timeOf(query.get("sinceTime"));
  const volume = volumeOf(query.get("volume"));
  return { ...(since ? { since } : {}), ...(sinceTime === undefined ? {} : { sinceTime }), ...(volume ? { volume } : {}), limit: limitOf(query.get("limit")) };
}

/** `Last-Event-ID` (what an SSE client sends when it reconnects) wins over `?since=`. */
export function streamRequest(query: URLSearchParams, headers: IncomingHttpHeaders): StreamRequest {
  const header = headers["last-event-id"];
  const since = sinceOf(typeof header === "string" && header.trim() !== "" ? header.trim() : query.get("since"));
  const volume = volumeOf(query.get("volume"));
  return { ...(since ? { since } : {}), ...(volume ? { volume } : {}) };
}

function sinceOf(value: string | null): string | undefined {
  return value === null || value === "" ? undefined : formatEventId(parseEventId(value));
}

function volumeOf(value: string | null): string | undefined {
  return value === null || value === "" ? undefined : validateVolumeName(value);
}

function timeOf(value: string | null): number | undefined {
  if (value === null || value === "") return undefined;
  const at = Date.parse(value);
  if (!Number.isFinite(at)) throw invalidArgument(`sinceTime ${JSON.stringify(value.slice(0, 40))} is not an RFC 3339 time, like 2026-11-22T10:00:00Z`);
  return at;
}

function limitOf(value: string | null): number {
  if (value === null || value === "") return defaultEventLimit;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxEventLimit) throw invalidArgument(`limit must be a whole number from 1 to ${maxEventLimit}, got ${JSON.stringify(value.slice(0, 20))}`);
  return limit;
}
