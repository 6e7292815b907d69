import type { CloudVolume } from "../core/cloud.js";

/**
 * Cloud volumes described in bulk by a resync (ceil(V/500) DescribeVolumes calls), each
 * handed to at most one reconcile and only while fresh. A reconcile that finds nothing here
 * describes its one volume itself.
 *
 * Never older than this replica's own last action on a volume: a bulk describe that began
 * before a reconcile's attach ended may answer without the attachment, and a reconcile that
 * took it would attach again and raise the epoch of a volume already granted (a soak once
 * re-attached that way while the new task ran, and its t5 came after t8). So the reconciler
 * marks each volume {@link changed} before and after it acts on it, and a describe that
 * began at or before that mark does not prime it.
 */
export class CloudVolumeCache {
  private readonly entries = new Map<string, { volume: CloudVolume; at: number }>();
  private readonly changes = new Map<string, number>();

  constructor(private readonly maxAgeMs: number) {}

  /**
   * Primes with a bulk describe that began at `describedAt` (its age counts from then).
   * Bounded by the volumes of one resync: entries no reconcile took before they went stale
   * are dropped, and so are marks too old to matter.
   */
  prime(volumes: readonly CloudVolume[], describedAt: number): void {
    for (const [id, entry] of this.entries) if (describedAt - entry.at > this.maxAgeMs) this.entries.delete(id);
    for (const [id, at] of this.changes) if (describedAt - at > this.maxAgeMs) this.changes.delete(id);
    for (const volume of volumes) {
      if ((this.changes.get(volume.id) ?? Number.NEGATIVE_INFINITY) >= describedAt) continue;
      this.entries.set(volume.id, { volume, at: describedAt });
    }
  }

  /** This replica acts (or acted) on `id` at `now`: what any describe begun until now says of it is old news. */
  changed(id: string, now: number): void {
    this.entries.delete(id);
    this.changes.set(id, now);
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
