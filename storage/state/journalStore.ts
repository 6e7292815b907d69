import type { Low } from "lowdb";
import type { Journal, JournalAction, JournalEntry } from "../../core/journal.js";
import { openDocument } from "./document.js";

interface JournalDocument {
  schemaVersion: 1;
  nextId: number;
  entries: JournalEntry[];
}

/** Finished entries kept for `swarmvol inspect` and drills unless told; older ones are dropped. */
export const defaultKeepFinished = 2000;

/**
 * The journal in its own lowdb file, fsynced before each cloud call is sent. Bounded: the
 * newest `keepFinished` entries beyond the pending ones (an entry stays pending only while
 * its call is in flight, or after a crash until the next leader's resync).
 */
export class JournalStore implements Journal {
  private constructor(private readonly db: Low<JournalDocument>, private readonly now: () => number, private readonly keepFinished: number) {}

  static async open(path: string, now: () => number = Date.now, options: { /** @default defaultKeepFinished */ keepFinished?: number } = {}): Promise<JournalStore> {
    return new JournalStore(await openDocument<JournalDocument>(path, { schemaVersion: 1, nextId: 1, entries: [] }), now, options.keepFinished ?? defaultKeepFinished);
  }

  async begin(volume: string, action: JournalAction): Promise<JournalEntry> {
    const entry: JournalEntry = { id: this.db.data.nextId, volume, action, startedAt: this.now(), state: "pending" };
    this.db.data.nextId += 1;
    this.db.data.entries.push(entry);
    this.prune();
    await this.db.write();
    return structuredClone(entry);
  }

  async finish(entry: JournalEntry, error?: string): Promise<void> {
    const stored = this.db.data.entries.find((candidate) => candidate.id === entry.id);
    if (!stored) return;
    stored.state = error === undefined ? "done" : "failed";
    stored.finishedAt = this.now();
    if (error !== undefined) stored.error = error;
    await this.db.write();
  }

  pending(): JournalEntry[] {
    return structuredClone(this.db.data.entries.filter((entry) => entry.state === "pending"));
  }

  recent(volume?: string): JournalEntry[] {
    return structuredClone(this.db.data.entries.filter((entry) => volume === undefined || entry.volume === volume).slice(-50));
  }

  private prune(): void {
    const entries = this.db.data.entries;
    const excess = entries.length - this.keepFinished;
    if (excess <= 0) return;
    let dropped = 0;
    this.db.data.entries = entries.filter((entry) => entry.state === "pending" || dropped++ >= excess);
  }
}
