/**
 * One DescribeVolumes for every wait that probes at the same moment. A burst of 50 new
 * volumes is 50 waits polling at once; probed one by one, that is 50 calls per round, the
 * EC2 rate limit (a shared, per-account token bucket) runs dry, and the throttled retries
 * slow every wait down. Coalesced, a round is one call of up to 500 ids (ebs-csi-driver
 * batches its DescribeVolumes for the same reason).
 */
import type { CloudVolume } from "../../core/cloud.js";

interface Reader {
  resolve: (volume: CloudVolume | undefined) => void;
  reject: (err: unknown) => void;
}

/** Runs `flush` once the current turn of the event loop has queued everything it will. */
export type Defer = (flush: () => void) => void;

export class ReadCoalescer {
  private pending = new Map<string, Reader[]>();
  private scheduled = false;

  /**
   * `describe` reads many volumes in one go and leaves out the ones that do not exist;
   * `defer` decides how long reads gather (default: until the timers of this turn have run,
   * so waits that wake together share one call and none waits longer for it).
   */
  constructor(
    private readonly describe: (ids: readonly string[]) => Promise<CloudVolume[]>,
    private readonly defer: Defer = (flush) => setImmediate(flush),
  ) {}

  /** The volume as EC2 describes it now, or undefined if EC2 does not know it (yet). */
  read(volumeId: string): Promise<CloudVolume | undefined> {
    return new Promise((resolve, reject) => {
      const readers = this.pending.get(volumeId);
      if (readers === undefined) this.pending.set(volumeId, [{ resolve, reject }]);
      else readers.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        this.defer(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    try {
      const volumes = new Map((await this.describe([...batch.keys()])).map((volume) => [volume.id, volume]));
      for (const [id, readers] of batch) for (const reader of readers) reader.resolve(volumes.get(id));
    } catch (err) {
      for (const readers of batch.values()) for (const reader of readers) reader.reject(err);
    }
  }
}
