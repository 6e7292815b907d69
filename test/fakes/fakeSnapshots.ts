import { cloudTags, snapshotTags, type CloudSnapshot, type CloudSnapshots, type CreateCloudSnapshot, type SnapshotQuery } from "../../core/cloud.js";
import { inUse, internal, notFound, timeout } from "../../core/errors.js";

/**
 * A recording, in-memory CloudSnapshots: idempotent by key like EbsSnapshots, snapshots
 * `pending` until `complete()` (or at once with `instant`), every call in `calls`. The
 * time each snapshot is stamped with comes from `now`, so tests can sort by age.
 */
export class FakeSnapshots implements CloudSnapshots {
  readonly snapshots = new Map<string, CloudSnapshot>();
  /** Ids whose delete is refused as an image's (IN_USE). */
  readonly inUse = new Set<string>();
  /** Makes the next call of that verb throw once. */
  failNext: Partial<Record<"create" | "delete" | "list", Error>> = {};
  /** Runs inside createSnapshot, at the instant of capture (a test checks the freeze there). */
  onCapture: (request: CreateCloudSnapshot) => void = () => undefined;
  private nextId = 1;

  /** `calls` may be another fake's log (a FakeCloud's), so one list shows both in order. */
  constructor(private readonly now: () => number = () => 0, private readonly instant = true, readonly calls: string[] = []) {}

  private fail(verb: keyof FakeSnapshots["failNext"]): void {
    const error = this.failNext[verb];
    if (error) {
      delete this.failNext[verb];
      throw error;
    }
  }

  async createSnapshot(request: CreateCloudSnapshot): Promise<CloudSnapshot> {
    this.calls.push(`createSnapshot ${request.volumeId} ${request.tags[snapshotTags.reason] ?? ""}`);
    this.fail("create");
    const existing = [...this.snapshots.values()].find((s) => s.tags[snapshotTags.key] === request.key);
    if (existing) return structuredClone(existing);
    if (request.until !== undefined && this.now() >= request.until) throw timeout("not sent before its deadline", { until: request.until });
    this.onCapture(request);
    const snapshot: CloudSnapshot = {
      id: `snap-${String(this.nextId++).padStart(17, "0")}`, volumeId: request.volumeId, state: this.instant ? "completed" : "pending",
      progress: this.instant ? "100%" : "0%", startedAt: new Date(this.now()).toISOString(), sizeBytes: 1024 ** 3,
      description: request.description, tags: { ...request.tags, [snapshotTags.key]: request.key },
    };
    this.snapshots.set(snapshot.id, snapshot);
    return structuredClone(snapshot);
  }

  async listSnapshots(query: SnapshotQuery): Promise<CloudSnapshot[]> {
    this.calls.push(`listSnapshots ${query.name ?? ""}${query.uid ? ` uid=${query.uid}` : ""}`);
    this.fail("list");
    return structuredClone([...this.snapshots.values()]
      .filter((s) => s.tags[cloudTags.uid] !== undefined)
      .filter((s) => (query.name === undefined || s.tags[cloudTags.name] === query.name) && (query.uid === undefined || s.tags[cloudTags.uid] === query.uid))
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id)));
  }

  async getSnapshot(id: string): Promise<CloudSnapshot | undefined> {
    const snapshot = this.snapshots.get(id);
    return snapshot?.tags[cloudTags.uid] === undefined ? undefined : structuredClone(snapshot);
  }

  async deleteSnapshot(id: string): Promise<void> {
    this.calls.push(`deleteSnapshot ${id}`);
    this.fail("delete");
    if (this.inUse.has(id)) throw inUse(`EC2 DeleteSnapshot (${id}): The snapshot ${id} is currently in use by ami-0123456789abcdef0; deregister that image first`);
    this.snapshots.delete(id);
  }

  async waitCompleted(id: string): Promise<CloudSnapshot> {
    this.calls.push(`waitSnapshot ${id}`);
    const snapshot = this.snapshots.get(id);
    if (!snapshot) throw notFound(`EBS snapshot ${id} does not exist`);
    if (snapshot.state === "error") throw internal(`EBS snapshot ${id} failed`);
    this.complete(id);
    return structuredClone(this.snapshots.get(id) as CloudSnapshot);
  }

  /** Makes a pending snapshot completed. */
  complete(id: string): void {
    const snapshot = this.snapshots.get(id);
    if (snapshot && snapshot.state === "pending") this.snapshots.set(id, { ...snapshot, state: "completed", progress: "100%" });
  }
}
