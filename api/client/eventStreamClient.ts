/**
 * The client side of `GET /v1/events/stream` (api/contract.ts): one connection to one
 * replica, its frames as typed items. It does not reconnect; the caller (`swarmvol events
 * -f`) does, from the last id it printed, after asking the replicas for history (which
 * finds the leader). A standby's 503 leaves its leader hint with the caller before the
 * UNAVAILABLE is thrown; a connection silent for `idleTimeoutMs` (three heartbeats) is
 * taken for dead, since a manager that vanished without a reset would hang it forever.
 */
import { apiPaths, leaderHeader } from "../contract.js";
import { unavailable } from "../../core/errors.js";
import type { SwarmvolEvent } from "../../core/events.js";
import { errorBody, streamClosing } from "../schemas/bodies.js";
import { swarmvolEvent } from "../schemas/records.js";
import { domainErrorOf, parsedAnswer } from "./answers.js";
import { leaderHintUrl } from "./endpointPreference.js";
import { tryJson } from "./replicaAttempt.js";
import { SseParser, type SseFrame } from "./sseParser.js";

/** An event, or the server's last word before it closes the stream. */
export type StreamItem =
  | { kind: "event"; event: SwarmvolEvent }
  | { kind: "closing"; type: "stream.end" | "stream.error"; code?: string; message: string };

export interface StreamRequest {
  since?: string;
  volume?: string;
}

export interface OpenStreamOptions {
  fetch: typeof fetch;
  baseUrl: string;
  token: string;
  request: StreamRequest;
  signal?: AbortSignal;
  /** @default 45_000 */
  idleTimeoutMs?: number;
  /** Told a standby's leader hint. */
  hinted(url: string): void;
}

export async function* openEventStream(options: OpenStreamOptions): AsyncGenerator<StreamItem> {
  const { request, baseUrl } = options;
  const idle = new AbortController();
  const signal = AbortSignal.any([idle.signal, ...(options.signal ? [options.signal] : [])]);
  const query = request.volume ? `?volume=${encodeURIComponent(request.volume)}` : "";
  const headers: Record<string, string> = { Accept: "text/event-stream", Authorization: `Bearer ${options.token}` };
  if (request.since) headers["Last-Event-ID"] = request.since;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const rearm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(unavailable(`event stream from ${baseUrl} silent for ${options.idleTimeoutMs ?? 45_000} ms`)), options.idleTimeoutMs ?? 45_000);
  };
  try {
    rearm();
    const response = await options.fetch(`${baseUrl}${apiPaths.eventStream}${query}`, { headers, signal });
    if (response.status !== 200 || !response.body) throw await refusal(response, baseUrl, options);
    const parser = new SseParser();
    const decoder = new TextDecoder();
    for await (const chunk of response.body) {
      rearm();
      for (const frame of parser.push(decoder.decode(chunk as Uint8Array, { stream: true }))) {
        const item = itemOf(frame, baseUrl);
        if (item) yield item;
      }
    }
  } catch (err) {
    if (idle.signal.aborted && !options.signal?.aborted) throw idle.signal.reason;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function refusal(response: Response, baseUrl: string, options: OpenStreamOptions): Promise<Error> {
  const text = await response.text();
  if (response.status === 503) {
    const body = errorBody.safeParse(tryJson(text));
    const leader = leaderHintUrl(response.headers.get(leaderHeader)) ?? leaderHintUrl(body.success ? body.data.error.leader : undefined);
    if (leader) options.hinted(leader);
  }
  return domainErrorOf(response.status, apiPaths.eventStream, text, baseUrl);
}

/** A frame's data as its schema reads it: an event, or the server's last word; INTERNAL naming the replica otherwise. */
function itemOf(frame: SseFrame, baseUrl: string): StreamItem | undefined {
  if (frame.data === undefined) return undefined;
  if (frame.event === "stream.end" || frame.event === "stream.error") {
    const closing = streamClosing.safeParse(tryJson(frame.data));
    const { code, message } = closing.success ? closing.data : { code: undefined, message: "" };
    return { kind: "closing", type: frame.event, ...(code === undefined ? {} : { code }), message };
  }
  const event: SwarmvolEvent = parsedAnswer(swarmvolEvent, frame.data, `${apiPaths.eventStream} (an event frame)`, baseUrl);
  return { kind: "event", event };
}
