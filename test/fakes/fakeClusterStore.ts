/**
 * An in-memory `ClusterStore` with Swarm's semantics, for the elector's and the leader's
 * tests: one version counter (like Raft's index) rises on every write, an update with a
 * stale version or a create of an existing lease is CONFLICT, a volume with another uid is
 * ALREADY_EXISTS, an unknown node NOT_FOUND; a move hold per volume, an ended one written
 * only over the same move. Reads return copies.
 *
 * Knobs: `failNext(op, err)` queues an error for the next call of one operation,
 * `unavailable = true` makes every call reject UNAVAILABLE (a partitioned replica), and
 * `beforeCall` runs (and may wait) before each call, after it is logged in `calls`.
 */
import type { ClusterStore, StoredVolume } from "../../core/clusterStore.js";
import { alreadyExists, conflict, notFound, unavailable } from "../../core/errors.js";
import type { LeaseRecord, Versioned } from "../../core/leadership.js";
import { addsToStored, type MoveHold } from "../../core/moves.js";
import { sameStoredResize } from "../../core/resize.js";

export type ClusterStoreOperation = "readLease" | "createLease" | "updateLease" | "listVolumes" | "putVolume" | "removeVolume" | "setNodeLabels"
  | "listMoveHolds" | "putMoveHold" | "removeMoveHold";

interface Stored<T> {
  value: T;
  version: number;
}

const clone = <T>(value: T): T => structuredClone(value);

export class FakeClusterStore implements ClusterStore {
  /** Every call as `op` or `op(argument)`, in order, failed ones included. */
  readonly calls: string[] = [];
  /** While true every call rejects UNAVAILABLE, like a replica cut off from the managers. */
  unavailable = false;
  /** Runs before each call; return a promise to delay it (the call sees the state after). */
  beforeCall: ((op: ClusterStoreOperation) => void | Promise<void>) | undefined;
  private index = 0;
  private lease: Stored<LeaseRecord> | undefined;
  private readonly volumes = new Map<string, Stored<StoredVolume>>();
  private readonly nodes = new Map<string, Stored<Record<string, string>>>();
  private readonly holds = new Map<string, Stored<MoveHold>>();
  private readonly failures = new Map<ClusterStoreOperation, Error[]>();

  constructor(init: { nodes?: readonly string[]; volumes?: readonly StoredVolume[]; lease?: LeaseRecord } = {}) {
    for (const id of init.nodes ?? []) this.addNode(id);
    for (const volume of init.volumes ?? []) this.volumes.set(volume.spec.name, { value: clone(volume), version: this.bump() });
    if (init.lease) this.lease = { value: clone(init.lease), version: this.bump() };
  }

  /** The next call of `op` rejects with `err` (queued: several calls fail in order). */
  failNext(op: ClusterStoreOperation, err: Error): void {
    this.failures.set(op, [...(this.failures.get(op) ?? []), err]);
  }

  /** A Swarm node the store may label (Swarm answers NOT_FOUND for others). */
  addNode(id: string, labels: Record<string, string> = {}): void {
    this.nodes.set(id, { value: { ...labels }, version: this.bump() });
  }

  /** The labels of a node, for assertions. */
  nodeLabels(id: string): Record<string, string> | undefined {
    const node = this.nodes.get(id);
    return node && { ...node.value };
  }

  /** The lease as stored, for assertions and for a test playing another replica. */
  peekLease(): Versioned<LeaseRecord> | undefined {
    return this.lease && clone(this.lease);
  }

  /** Removes the lease, like an operator's `docker config rm swarmvol-leader`. */
  dropLease(): void {
    this.lease = undefined;
  }

  async readLease(): Promise<Versioned<LeaseRecord> | undefined> {
    await this.enter("readLease");
    return this.lease && clone(this.lease);
  }

  async createLease(record: LeaseRecord): Promise<void> {
    await this.enter("createLease", record.holder);
    if (this.lease) throw conflict(`the lease record exists (version ${this.lease.version})`);
    this.lease = { value: clone(record), version: this.bump() };
  }

  async updateLease(record: LeaseRecord, version: number): Promise<void> {
    await this.enter("updateLease", `${record.holder}@${version}`);
    if (this.lease?.version !== version) throw conflict(`update out of sequence: the lease is at version ${this.lease?.version ?? "none"}, not ${version}`);
    this.lease = { value: clone(record), version: this.bump() };
  }

  async listVolumes(): Promise<StoredVolume[]> {
    await this.enter("listVolumes");
    return [...this.volumes.values()].map((stored) => clone(stored.value));
  }

  async putVolume(volume: StoredVolume): Promise<void> {
    const name = volume.spec.name;
    await this.enter("putVolume", name);
    const stored = this.volumes.get(name);
    if (stored && stored.value.uid !== volume.uid) throw alreadyExists(`volume ${name} is stored with another uid (${stored.value.uid})`);
    if (stored && stored.value.formatted === volume.formatted && sameStoredResize(stored.value.resize, volume.resize)) return;
    // Like Swarm's configs: only the labels change (formatted, resize), the resize's wanted size standing for the spec's.
    const resize = volume.resize ?? stored?.value.resize;
    const base = stored ? { ...stored.value, formatted: volume.formatted } : clone(volume);
    const value = resize ? { ...base, resize: { ...resize }, spec: { ...base.spec, sizeBytes: Math.max(base.spec.sizeBytes, resize.wantedBytes) } } : base;
    this.volumes.set(name, { value, version: this.bump() });
  }

  async removeVolume(name: string): Promise<void> {
    await this.enter("removeVolume", name);
    this.volumes.delete(name);
  }

  async setNodeLabels(nodeId: string, labels: Readonly<Record<string, string | undefined>>): Promise<void> {
    await this.enter("setNodeLabels", nodeId);
    const node = this.nodes.get(nodeId);
    if (!node) throw notFound(`no such node ${nodeId}`);
    const next = { ...node.value };
    for (const [key, value] of Object.entries(labels)) {
      if (value === undefined) delete next[key];
      else next[key] = value;
    }
    if (JSON.stringify(Object.entries(next).sort()) === JSON.stringify(Object.entries(node.value).sort())) return;
    this.nodes.set(nodeId, { value: next, version: this.bump() });
  }

  async listMoveHolds(): Promise<MoveHold[]> {
    await this.enter("listMoveHolds");
    return [...this.holds.values()].map((stored) => clone(stored.value));
  }

  async putMoveHold(hold: MoveHold): Promise<void> {
    await this.enter("putMoveHold", `${hold.volume}:${hold.id}${hold.ended ? ` ${hold.ended.reason}` : ""}`);
    const stored = this.holds.get(hold.volume)?.value;
    const sameMove = stored?.id === hold.id;
    if (sameMove ? !addsToStored(stored, hold) : hold.ended !== undefined) return;
    this.holds.set(hold.volume, { value: clone(hold), version: this.bump() });
  }

  async removeMoveHold(volume: string, id: string): Promise<void> {
    await this.enter("removeMoveHold", `${volume}:${id}`);
    if (this.holds.get(volume)?.value.id === id) this.holds.delete(volume);
  }

  private bump(): number {
    this.index += 1;
    return this.index;
  }

  private async enter(op: ClusterStoreOperation, argument?: string): Promise<void> {
    this.calls.push(argument === undefined ? op : `${op}(${argument})`);
    await this.beforeCall?.(op);
    if (this.unavailable) throw unavailable(`fake cluster store: ${op} cannot reach a manager`);
    const failure = this.failures.get(op)?.shift();
    if (failure) throw failure;
  }
}
