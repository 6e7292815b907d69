import { withoutTrailing } from "../../core/text.js";

/**
 * Which controller replica a client asks first. A replica runs on every manager and only
 * the leader serves; standbys answer 503 naming the leader when they know it. The client
 * remembers the preferred URL between calls:
 * - whoever answered with anything but a 503 is preferred (it is the leader, or at least a
 *   replica that serves);
 * - a standby's leader hint becomes preferred at once, even if it is not in the list (the
 *   list may be stale: discovery runs every 30 s);
 * - a preferred URL that failed (refused, reset, timed out, 503) gives way to its
 *   successor in the list, so the next call does not start at the same dead replica;
 * - a URL that could not be reached is suspect for `suspectMs`: asked last, and the client
 *   gives it a short budget. During a takeover the standbys still name the dead leader
 *   (its lease has not run out yet); without this every retry would wait a full attempt
 *   on a dead IP, and the new leader would be found up to a second later.
 *
 * Pure bookkeeping; the client does the I/O (apiClient.ts).
 */
export class EndpointPreference {
  private preferred: string | undefined;
  /** Monotonic ms until which a URL that could not be reached stays suspect. */
  private readonly suspectUntil = new Map<string, number>();

  constructor(private readonly suspectMs = 3000) {}

  /** The URL to ask first, if any call has taught one. */
  current(): string | undefined {
    return this.preferred;
  }

  /**
   * The order in which one call tries `list`: the preferred URL first, then the list from
   * its successor on; suspects last, in that same order.
   */
  order(list: readonly string[], now: number): string[] {
    const urls = dedupe(list.map(normalizeUrl));
    const first = this.preferred;
    const at = first === undefined ? 0 : urls.indexOf(first);
    const ring = at < 0 && first !== undefined ? [first, ...urls] : [...urls.slice(at), ...urls.slice(0, at)];
    return [...ring.filter((url) => !this.suspect(url, now)), ...ring.filter((url) => this.suspect(url, now))];
  }

  /** Whether `url` could not be reached within the last `suspectMs`. */
  suspect(url: string, now: number): boolean {
    return (this.suspectUntil.get(normalizeUrl(url)) ?? Number.NEGATIVE_INFINITY) > now;
  }

  /** `url` refused, reset or did not answer in time. */
  unreachable(url: string, now: number): void {
    this.suspectUntil.set(normalizeUrl(url), now + this.suspectMs);
  }

  /** `url` answered as a serving replica. */
  answered(url: string): void {
    this.preferred = normalizeUrl(url);
    this.suspectUntil.delete(this.preferred);
  }

  /** A standby named `url` as the leader. */
  hinted(url: string): void {
    this.preferred = normalizeUrl(url);
  }

  /** `url` failed; if it was preferred, its successor in `list` is preferred from now on. */
  failed(url: string, list: readonly string[]): void {
    const normalized = normalizeUrl(url);
    if (this.preferred !== undefined && this.preferred !== normalized) return;
    const urls = dedupe(list.map(normalizeUrl));
    const at = urls.indexOf(normalized);
    this.preferred = urls.length === 0 ? undefined : urls[(at + 1) % urls.length];
  }
}

/** A base URL without its trailing slashes, so one replica has one spelling. */
export function normalizeUrl(url: string): string {
  return withoutTrailing(url.trim(), "/");
}

/** A leader hint as a usable base URL, or undefined when it is none (empty, not http). */
export function leaderHintUrl(raw: unknown): string | undefined {
  if (typeof raw !== "string" || raw.trim() === "") return undefined;
  try {
    const url = new URL(raw.trim());
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  } catch {
    return undefined;
  }
  return normalizeUrl(raw);
}

function dedupe(urls: readonly string[]): string[] {
  return [...new Set(urls)];
}
