import type { Clock } from "../core/ports.js";

/**
 * Claim calls held open until their volume is granted (a long poll). Without it an agent
 * asks every 100 ms for the 4-5 s an EBS create and attach take: in a burst of 50 volumes
 * that is thousands of requests, and on a 2-core node the agents and the controller spent
 * more CPU answering "pending" than anything else did for the burst.
 */
export class GrantWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();

  constructor(private readonly clock: Clock) {}

  /** Resolves when `volume` is granted to any node, or after `ms`, whichever comes first. */
  async wait(volume: string, ms: number): Promise<void> {
    const abort = new AbortController();
    const wake = () => abort.abort();
    const set = this.waiting.get(volume) ?? new Set<() => void>();
    this.waiting.set(volume, set);
    set.add(wake);
    try {
      await this.clock.sleep(ms, abort.signal);
    } catch {
      // woken by a grant
    } finally {
      set.delete(wake);
      if (set.size === 0 && this.waiting.get(volume) === set) this.waiting.delete(volume);
    }
  }

  /** Wakes every call waiting on `volume`. */
  granted(volume: string): void {
    for (const wake of this.waiting.get(volume) ?? []) wake();
  }

  /** Claim calls being held now. */
  get held(): number {
    let count = 0;
    for (const set of this.waiting.values()) count += set.size;
    return count;
  }
}
