/**
 * Domain events: what the controller changed, told once, in order, for operators
 * (`swarmvol events`, `GET /v1/events`, the SSE stream of api/eventStream.ts). Events are a
 * record for people and scripts, never an input to a decision: the catalog and Swarm stay
 * the truth, so an event lost with a leader's memory costs an operator a line, not a move.
 *
 * Ids are `<term>-<seq>`: the term is the leader lease's `transitions` when this replica
 * took the lease (a lone controller uses its start time), seq counts from 1 within the
 * term. Ids order by (term, seq), so a client that resumes from an id of an older term
 * learns that it may have missed events (a `stream.gap` marker) instead of missing them
 * silently: every replica keeps its own log, in memory, and a new leader's log does not
 * hold what the old one recorded.
 */
import { invalidArgument } from "./errors.js";

/** What happened. `stream.*` are markers of the stream itself, never recorded in a log. */
export type EventType =
  | "volume.created"
  | "volume.removed"
  | "volume.placed"
  | "move.phase"
  | "move.done"
  | "condition.changed"
  | "node.lapsed"
  | "node.fenced"
  | "node.unfenced"
  | "node.drained"
  | "node.restored"
  | "leader.changed"
  | "snapshot.created"
  | "snapshot.deleted"
  | "snapshot.failed"
  | "resize.phase"
  | "resize.failed"
  | "stream.gap";

export type EventData = Readonly<Record<string, string | number | boolean | null>>;

/** One event as the API sends it. */
export interface SwarmvolEvent {
  /** `<term>-<seq>`; see {@link parseEventId}. A `stream.gap` marker repeats the client's `since`. */
  id: string;
  /** Wall-clock ISO time the controller recorded it. */
  time: string;
  type: EventType;
  volume?: string;
  node?: string;
  /** Machine-readable facts (phase, epoch, seconds...); `message` says the same for people. */
  data: EventData;
  message: string;
}

/** An event before the log gives it an id and a time. */
export type NewEvent = Omit<SwarmvolEvent, "id" | "time">;

/** Where the controller tells what it changed. Must never throw nor block: recording is best effort. */
export interface EventSink {
  record(event: NewEvent): void;
}

export const noEvents: EventSink = { record() {} };

/** A position in a log: the term of the leader that recorded it and its place in that term. */
export interface EventId {
  term: number;
  seq: number;
}

const idPattern = /^(\d{1,15})-(\d{1,15})$/;

/** `<term>-<seq>` as numbers; INVALID_ARGUMENT naming the form for anything else. */
export function parseEventId(text: string): EventId {
  const found = idPattern.exec(text);
  if (!found) throw invalidArgument(`event id ${JSON.stringify(text.slice(0, 40))} is not of the form <term>-<seq>, like 7-42 (the id of an event already seen)`);
  return { term: Number(found[1]), seq: Number(found[2]) };
}

export function formatEventId(id: EventId): string {
  return `${id.term}-${id.seq}`;
}

/** Negative, zero or positive as `a` is before, at or after `b`. */
export function compareEventIds(a: EventId, b: EventId): number {
  return a.term - b.term || a.seq - b.seq;
}

/** What a reader asks of the log. */
export interface EventQuery {
  /** Only events after this id; a marker first when events after it may be missing. */
  since?: string;
  /** Only events recorded at or after this epoch ms (used when `since` is absent). */
  sinceTime?: number;
  /** Only events about this volume. */
  volume?: string;
  /** At most this many events: the first ones after `since`/`sinceTime`, else the newest. */
  limit: number;
}

/** One read: events in order, where to resume, and whether more matched than `limit`. */
export interface EventPage {
  events: SwarmvolEvent[];
  /** Resume here (`since=`): the last event examined, or the log's head when none was. */
  next: string;
  /** More events after `next` are already in the log. */
  more: boolean;
}

/** What a live reader hears from the log. */
export type LogSignal = "recorded" | "ended";

/**
 * The read side of a replica's event log, as the API serves it. `read` never waits;
 * `subscribe` tells a stream to read again (`recorded`), or that this replica stopped
 * leading and its log will not grow for the clients' leader (`ended`).
 */
export interface EventLog extends EventSink {
  read(query: EventQuery): EventPage;
  /** The id of the newest event, or `<term>-0` before the term's first. */
  head(): string;
  /** How many events were recorded after `id`; Infinity when the log no longer holds it. */
  countAfter(id: string): number;
  subscribe(listener: (signal: LogSignal) => void): () => void;
}

/** The log as a replica drives it across its terms of leadership (controller/replica.ts). */
export interface TermEventLog extends EventSink {
  /** Later events carry `term` (the lease's transitions at takeover). */
  beginTerm(term: number): void;
  /** This replica stopped leading: its live readers must go to the new leader. */
  endTerm(): void;
}
