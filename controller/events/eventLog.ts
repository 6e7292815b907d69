/**
 * A replica's event log (core/events.ts): a bounded ring in memory, oldest dropped first.
 *
 * Semantics:
 * - Capacity {@link defaultEventLogCapacity} events unless told: at a few hundred bytes an
 *   event that is about 2 MiB, hours of a busy swarm's moves. Nothing is written to disk:
 *   events are for people watching; the catalog is what a restart needs.
 * - Ids are `<term>-<seq>`; {@link beginTerm} starts a term (the lease's `transitions` at
 *   takeover) and seq counts from 1 again. Terms only rise: a term not above the current
 *   one becomes the current one plus one, so ids stay ordered whatever the store says.
 * - A read from `since` is complete, without a `stream.gap` marker, only when `since` is
 *   of the current term, not beyond its head, and no event after it was dropped: an id of
 *   another term means another leader (or an earlier run) recorded what came between.
 * - Listeners hear `recorded` after each event and `ended` when the term ends; a listener
 *   that throws is dropped, never allowed to fail the controller's step that recorded.
 */
import { compareEventIds, formatEventId, parseEventId, type EventId, type EventLog, type EventPage, type EventQuery, type LogSignal, type NewEvent, type SwarmvolEvent } from "../../core/events.js";
import { invalidArgument } from "../../core/errors.js";

/** Events kept per replica when not told otherwise. */
export const defaultEventLogCapacity = 4096;

export interface MemoryEventLogOptions {
  /** Wall-clock epoch ms for the events' times. */
  now: () => number;
  /** @default defaultEventLogCapacity */
  capacity?: number;
  /** The first term (a lone controller: its start time in seconds). @default 0, or the first beginTerm */
  term?: number;
}

interface Entry {
  event: SwarmvolEvent;
  key: EventId;
  at: number;
}

export class MemoryEventLog implements EventLog {
  readonly capacity: number;
  private readonly ring: Entry[] = [];
  private readonly listeners = new Set<(signal: LogSignal) => void>();
  /** Events ever recorded: the position of the newest (positions count from 1). */
  private recorded = 0;
  private term: number | undefined;
  private seq = 0;
  private termStartedAt: number;
  /** The newest event dropped for room: a reader from before it has a gap. */
  private lastDropped: Entry | undefined;

  constructor(private readonly options: MemoryEventLogOptions) {
    const capacity = options.capacity ?? defaultEventLogCapacity;
    if (!Number.isInteger(capacity) || capacity < 1) throw invalidArgument(`event log capacity must be a positive integer, got ${String(capacity)}`);
    this.capacity = capacity;
    this.term = options.term;
    this.termStartedAt = options.now();
  }

  /** Starts a term: later events carry it, and readers from earlier terms get a gap marker. */
  beginTerm(term: number): void {
    this.term = this.term === undefined || term > this.term ? term : this.term + 1;
    this.seq = 0;
    this.termStartedAt = this.options.now();
  }

  /** This replica stopped leading: live readers are told to go to the leader. */
  endTerm(): void {
    this.tell("ended");
  }

  record(event: NewEvent): void {
    this.term ??= 0;
    this.seq += 1;
    this.recorded += 1;
    const at = this.options.now();
    const key = { term: this.term, seq: this.seq };
    const entry: Entry = { event: { id: formatEventId(key), time: new Date(at).toISOString(), ...event }, key, at };
    const slot = (this.recorded - 1) % this.capacity;
    if (this.ring.length === this.capacity) this.lastDropped = this.ring[slot];
    this.ring[slot] = entry;
    this.tell("recorded");
  }

  head(): string {
    return formatEventId({ term: this.term ?? 0, seq: this.seq });
  }

  countAfter(id: string): number {
    const key = parseEventId(id);
    if (this.lastDropped && compareEventIds(key, this.lastDropped.key) < 0) return Number.POSITIVE_INFINITY;
    return this.recorded - this.positionAfter(key);
  }

  subscribe(listener: (signal: LogSignal) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** How many readers listen now (tests check streams let go). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  read(query: EventQuery): EventPage {
    if (query.since !== undefined) return this.readAfter(parseEventId(query.since), query);
    if (query.sinceTime !== undefined) return this.readFromTime(query.sinceTime, query);
    return this.readNewest(query);
  }

  private readAfter(since: EventId, query: EventQuery): EventPage {
    const page = this.scan(this.positionAfter(since) + 1, query);
    return this.isGap(since) ? { ...page, events: [this.gapMarker(formatEventId(since)), ...page.events] } : page;
  }

  private readFromTime(sinceTime: number, query: EventQuery): EventPage {
    let position = this.oldest();
    while (position <= this.recorded && this.at(position).at < sinceTime) position += 1;
    const page = this.scan(position, query);
    const gap = sinceTime < this.termStartedAt || (this.lastDropped !== undefined && this.lastDropped.at >= sinceTime);
    return gap ? { ...page, events: [this.gapMarker("0-0"), ...page.events] } : page;
  }

  /** The newest `limit` matching events, oldest first; resume from the head. */
  private readNewest(query: EventQuery): EventPage {
    const events: SwarmvolEvent[] = [];
    for (let position = this.recorded; position >= this.oldest() && events.length < query.limit; position -= 1) {
      const { event } = this.at(position);
      if (matches(event, query)) events.push(event);
    }
    return { events: events.reverse(), next: this.head(), more: false };
  }

  /** Matching events from `position` on, at most `limit`; `next` is the last one examined. */
  private scan(position: number, query: EventQuery): EventPage {
    const events: SwarmvolEvent[] = [];
    let next: string | undefined;
    for (; position <= this.recorded && events.length < query.limit; position += 1) {
      const { event } = this.at(position);
      next = event.id;
      if (matches(event, query)) events.push(event);
    }
    return { events, next: next ?? this.head(), more: position <= this.recorded };
  }

  private isGap(since: EventId): boolean {
    if (since.term !== this.term || since.seq > this.seq) return true;
    return this.lastDropped !== undefined && compareEventIds(since, this.lastDropped.key) < 0;
  }

  private gapMarker(since: string): SwarmvolEvent {
    const term = this.term ?? 0;
    return {
      id: since, time: new Date(this.options.now()).toISOString(), type: "stream.gap", data: { since, term, capacity: this.capacity },
      message: `events after ${since} may be missing: the leader changed (this log starts at term ${term}) or this replica's log (${this.capacity} events) dropped them`,
    };
  }

  /** The position of the last retained event at or before `key` (oldest - 1 when none is). */
  private positionAfter(key: EventId): number {
    let low = this.oldest() - 1;
    let high = this.recorded;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (compareEventIds(this.at(middle).key, key) <= 0) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  private oldest(): number {
    return Math.max(1, this.recorded - this.capacity + 1);
  }

  private at(position: number): Entry {
    return this.ring[(position - 1) % this.capacity] as Entry;
  }

  private tell(signal: LogSignal): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(signal);
      } catch {
        this.listeners.delete(listener);
      }
    }
  }
}

function matches(event: SwarmvolEvent, query: EventQuery): boolean {
  return query.volume === undefined || event.volume === query.volume;
}
