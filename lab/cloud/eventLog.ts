/**
 * The append-only record of everything that changed which instance can see a volume.
 * A drill reads it back (GET /_swarmvol/log) to prove that no volume was ever attached
 * to two instances at once.
 */
import { appendFile, readFile } from "node:fs/promises";

export type CloudEventType =
  | "volume-created" | "volume-deleted"
  | "attach-requested" | "attached"
  | "detach-requested" | "detach-busy" | "detached" | "force-detached"
  | "snapshot-created" | "snapshot-deleted" | "instance-state" | "stop-requested" | "start-requested"
  | "volume-modifying" | "volume-resized";

export interface CloudEvent {
  seq: number;
  /** ISO-8601, from the emulator's clock. */
  time: string;
  type: CloudEventType;
  volumeId?: string;
  instanceId?: string;
  device?: string;
  snapshotId?: string;
  detail?: string;
}

/** Keeps events in memory and, when given a path, appends each as one JSON line. */
export class EventLog {
  private readonly events: CloudEvent[] = [];
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly path?: string) {}

  /** Loads events written by an earlier run so sequence numbers continue. */
  async load(): Promise<void> {
    if (this.path === undefined) return;
    const text = await readFile(this.path, "utf8").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return "";
      throw err;
    });
    for (const line of text.split("\n")) if (line.trim() !== "") this.events.push(JSON.parse(line) as CloudEvent);
  }

  append(event: Omit<CloudEvent, "seq">): CloudEvent {
    const last = this.events[this.events.length - 1];
    const full: CloudEvent = { seq: (last?.seq ?? 0) + 1, ...event };
    this.events.push(full);
    const path = this.path;
    if (path !== undefined) this.writes = this.writes.then(() => appendFile(path, JSON.stringify(full) + "\n"));
    return full;
  }

  /** Events with `seq > since`. */
  list(since = 0): CloudEvent[] {
    return this.events.filter((e) => e.seq > since);
  }

  /** Resolves when every append so far is on disk. */
  flush(): Promise<void> {
    return this.writes;
  }
}

export interface OverlapViolation {
  volumeId: string;
  holder: string;
  intruder: string;
  seq: number;
}

/**
 * Checks the log for a volume held by two instances at once. A hold starts at
 * `attach-requested` (the device may appear any time after) and ends at `detached` or
 * `force-detached`; this is the conservative reading a safety proof needs.
 */
export function findOverlaps(events: readonly CloudEvent[]): OverlapViolation[] {
  const holders = new Map<string, string>();
  const violations: OverlapViolation[] = [];
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    if (e.volumeId === undefined || e.instanceId === undefined) continue;
    const holder = holders.get(e.volumeId);
    if (e.type === "attach-requested") {
      if (holder !== undefined && holder !== e.instanceId) {
        violations.push({ volumeId: e.volumeId, holder, intruder: e.instanceId, seq: e.seq });
      }
      holders.set(e.volumeId, e.instanceId);
    } else if ((e.type === "detached" || e.type === "force-detached") && holder === e.instanceId) {
      holders.delete(e.volumeId);
    }
  }
  return violations;
}
