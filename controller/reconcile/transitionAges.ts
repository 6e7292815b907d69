/**
 * How long each cloud attachment has been `attaching` or `detaching`, as far as this
 * leader can know: what lets decide() act on a transition stuck in the cloud whichever
 * leader started it (ADR 0013).
 *
 * Semantics:
 * - {@link stamp} gives every `attaching`/`detaching` attachment a `since`: the earlier of
 *   the cloud's own start time (EC2's AttachTime for an attach, when the cloud says it) and
 *   the first time this object saw the attachment in that state. Both are facts, so `since`
 *   is never earlier than the transition really began: acting at `since + deadline` is at
 *   most one deadline after this leader could know of it, and never before one deadline.
 * - The object lives for one term of leadership (the Reconciler's): a new leader starts with
 *   no memory, so an old leader's stuck detach is forced at most one deadline after the
 *   takeover, and only as the fencing rules allow (decide(), core/fencing.ts).
 * - A state change restarts the clock of that attachment; an attachment seen in another
 *   state, or gone, is forgotten at the next stamp of its volume.
 * - Bounded: at most `maxEntries` volumes (default {@link defaultMaxTransitions}); past that
 *   the one stamped longest ago is dropped, which only restarts its clock (a later force, never an earlier one).
 */
import type { CloudAttachment, CloudVolume } from "../../core/cloud.js";

/** Volumes with attachments in transition remembered at once when not told otherwise. */
export const defaultMaxTransitions = 4096;

export interface TransitionAgesOptions {
  /** @default defaultMaxTransitions */
  maxEntries?: number;
}

type Entry = { state: CloudAttachment["state"]; since: number };

export class TransitionAges {
  /** Volume id → instance id → the transitional state and since when it is known. */
  private readonly seen = new Map<string, Map<string, Entry>>();
  private readonly maxEntries: number;

  constructor(options: TransitionAgesOptions = {}) {
    this.maxEntries = options.maxEntries ?? defaultMaxTransitions;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new TypeError(`\`maxEntries\` must be a positive integer, got ${this.maxEntries}`);
  }

  /** The volume with `since` on each attachment in transition; forgets its settled ones. */
  stamp(volume: CloudVolume, now: number): CloudVolume {
    const known = this.seen.get(volume.id);
    const next = new Map<string, Entry>();
    const attachments = volume.attachments.map((attachment) => {
      if (attachment.state !== "attaching" && attachment.state !== "detaching") return attachment;
      const before = known?.get(attachment.instanceId);
      const observed = before?.state === attachment.state ? before.since : now;
      next.set(attachment.instanceId, { state: attachment.state, since: observed });
      return { ...attachment, since: Math.min(observed, attachment.since ?? Number.POSITIVE_INFINITY) };
    });
    this.seen.delete(volume.id);
    if (next.size > 0) this.remember(volume.id, next);
    return { ...volume, attachments };
  }

  /** Attachments in transition remembered now. */
  get size(): number {
    let count = 0;
    for (const byInstance of this.seen.values()) count += byInstance.size;
    return count;
  }

  /** Newest last; past the bound the oldest volumes' entries go (their clocks restart). */
  private remember(volumeId: string, entries: Map<string, Entry>): void {
    this.seen.set(volumeId, entries);
    for (const oldest of this.seen.keys()) {
      if (this.seen.size <= this.maxEntries) break;
      this.seen.delete(oldest);
    }
  }
}
