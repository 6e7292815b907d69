import { unavailable } from "../../core/errors.js";
import type { LeaseRecord, LeaseStore, Versioned } from "../../core/leadership.js";
import type { Clock } from "../../core/ports.js";

/**
 * One replica's way to a shared lease store, for election tests: `cut` makes every call
 * fail UNAVAILABLE (a partition, or a crashed process that no longer talks), `slowWrites`
 * makes its updates take that long in the store (a slow Raft write).
 */
export class CuttableLeaseStore implements LeaseStore {
  cut = false;
  slowWrites: { ms: number; clock: Clock } | undefined;

  constructor(private readonly inner: LeaseStore) {}

  async readLease(): Promise<Versioned<LeaseRecord> | undefined> {
    this.check();
    return this.inner.readLease();
  }

  async createLease(record: LeaseRecord): Promise<void> {
    this.check();
    return this.inner.createLease(record);
  }

  async updateLease(record: LeaseRecord, version: number): Promise<void> {
    this.check();
    if (this.slowWrites) await this.slowWrites.clock.sleep(this.slowWrites.ms);
    await this.inner.updateLease(record, version);
  }

  private check(): void {
    if (this.cut) throw unavailable("cannot reach a manager");
  }
}
