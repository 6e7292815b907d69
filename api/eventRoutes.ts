import type { IncomingHttpHeaders } from "node:http";
import type { EventLog, EventQuery } from "../core/events.js";
import type { EventListResponse } from "./contract.js";
import type { EventStreams, StreamRequest } from "./eventStream.js";
import { checked, route } from "./route.js";
import { defaultEventLimit, eventHistoryQuery, eventListResponse, eventStreamQuery } from "./schemas/bodies.js";
import type { Route } from "./server.js";

/**
 * The event routes of api/contract.ts (`GET /v1/events`, `GET /v1/events/stream`): query
 * checked by its schema (INVALID_ARGUMENT naming the parameter and the form), answered
 * from the replica's log.
 */
export function eventRoutes(log: EventLog, streams: EventStreams): Route[] {
  return [
    route({
      method: "GET", path: "/v1/events", access: "operator", summary: "The leader's event history, oldest first (resume with since=next)",
      query: eventHistoryQuery, answer: { status: 200, schema: eventListResponse, description: "events, where to resume, and whether the log holds more" },
      handle: ({ query }): EventListResponse => log.read(historyQuery(query)),
    }),
    route({
      method: "GET", path: "/v1/events/stream", access: "operator", summary: "The live events as server-sent events (resume with Last-Event-ID)",
      query: eventStreamQuery, answer: { status: 200, contentType: "text/event-stream", description: "id:, event: and data: per event; a `: heartbeat` comment every 15 s; stream.end or stream.error last" },
      handle: ({ query, headers }) => streams.answer(streamRequest(query, headers)),
    }),
  ];
}

/** The parsed history query as the log reads it. */
export function historyQuery(query: ReturnType<typeof eventHistoryQuery.parse>): EventQuery {
  const { since, sinceTime, volume, limit } = query;
  return { ...(since ? { since } : {}), ...(sinceTime === undefined ? {} : { sinceTime }), ...(volume ? { volume } : {}), limit: limit ?? defaultEventLimit };
}

/** `Last-Event-ID` (what an SSE client sends when it reconnects) wins over `?since=`. */
export function streamRequest(query: ReturnType<typeof eventStreamQuery.parse>, headers: IncomingHttpHeaders): StreamRequest {
  const header = headers["last-event-id"];
  const fromHeader = typeof header === "string" && header.trim() !== "" ? checked(eventStreamQuery.shape.since, header.trim(), "field", "the Last-Event-ID header") : undefined;
  const since = fromHeader ?? query.since;
  return { ...(since ? { since } : {}), ...(query.volume ? { volume: query.volume } : {}) };
}
