import type { PlacementAction } from "./placement.js";

/** Snapshot mutations (controller/snapshots/), journaled like placement's. */
export type SnapshotAction =
  | { kind: "createSnapshot"; key: string; reason: string }
  | { kind: "deleteSnapshot"; snapshotId: string; reason: string };

/** Growing a cloud volume (controller/resize/, ADR 0026): ModifyVolume, sent at most once per size. */
export type ResizeAction = { kind: "resizeCloudVolume"; volumeId: string; sizeBytes: number };

export type JournalAction = PlacementAction | SnapshotAction | ResizeAction;

/** One cloud mutation, recorded before it is sent (invariant 3). */
export interface JournalEntry {
  id: number;
  volume: string;
  action: JournalAction;
  startedAt: number;
  state: "pending" | "done" | "failed";
  finishedAt?: number;
  error?: string;
}

/**
 * The write-ahead journal of cloud mutations. The cloud is the truth and every mutation is
 * idempotent, so recovery is simple: on start, every volume with a pending entry is
 * reconciled first; `decide()` then sees the cloud as it really is and goes on.
 */
export interface Journal {
  begin(volume: string, action: JournalAction): Promise<JournalEntry>;
  finish(entry: JournalEntry, error?: string): Promise<void>;
  pending(): JournalEntry[];
  recent(volume?: string): JournalEntry[];
}

/**
 * Runs `work` between a journal entry's begin and finish: a crash in between leaves the
 * entry pending (the next start re-queues its volume), a failure is written into it.
 */
export async function journaled(journal: Pick<Journal, "begin" | "finish">, volume: string, action: JournalAction, work: () => Promise<void>): Promise<void> {
  const entry = await journal.begin(volume, action);
  try {
    await work();
    await journal.finish(entry);
  } catch (err) {
    await journal.finish(entry, (err as Error).message);
    throw err;
  }
}
