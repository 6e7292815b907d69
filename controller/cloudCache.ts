import type { CloudVolume } from "../core/cloud.js";

/**
 * Cloud volumes described in bulk by a resync (ceil(V/500) DescribeVolumes calls), each
 * handed to at most one reconcile and only while fresh. A reconcile that finds nothing here
 * describes its one volume itself, so a stale entry can delay a step but never decide one
 * on old news for long: EC2 itself refuses a conflicting attach.
 */
export class CloudVolumeCache {
  private readonly entries = new Map<string, { volume: CloudVolume; at: number }>();

  constructor(private readonly maxAgeMs: number) {}

  /** Bounded by the volumes of one resync: entries no reconcile took before they went stale are dropped. */
  prime(volumes: readonly CloudVolume[], now: number): void {
    for (const [id, entry] of this.entries) if (now - entry.at > this.maxAgeMs) this.entries.delete(id);
    for (const volume of volumes) this.entries.set(volume.id, { volume, at: now });
  }

  /** The entry if it is fresh; it is removed either way (one use per prime). */
  take(id: string, now: number): CloudVolume | undefined {
    const entry = this.entries.get(id);
    this.entries.delete(id);
    return entry && now - entry.at <= this.maxAgeMs ? entry.volume : undefined;
  }

  get size(): number {
    return this.entries.size;
  }
}
