import type { Journal, JournalAction, JournalEntry } from "../../core/journal.js";

/** In-memory journal for tests; `storage/state/journalStore.ts` is the durable one. */
export class MemoryJournal implements Journal {
  readonly entries: JournalEntry[] = [];
  private nextId = 1;

  constructor(private readonly now: () => number = Date.now) {}

  async begin(volume: string, action: JournalAction): Promise<JournalEntry> {
    const entry: JournalEntry = { id: this.nextId++, volume, action, startedAt: this.now(), state: "pending" };
    this.entries.push(entry);
    return entry;
  }

  async finish(entry: JournalEntry, error?: string): Promise<void> {
    const stored = this.entries.find((candidate) => candidate.id === entry.id);
    if (!stored) return;
    stored.state = error === undefined ? "done" : "failed";
    stored.finishedAt = this.now();
    if (error !== undefined) stored.error = error;
  }

  pending(): JournalEntry[] {
    return this.entries.filter((entry) => entry.state === "pending");
  }

  recent(volume?: string): JournalEntry[] {
    return this.entries.filter((entry) => volume === undefined || entry.volume === volume).slice(-50);
  }
}
