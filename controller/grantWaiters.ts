import type { Clock } from "../core/ports.js";

/**
 * Claim calls held open until their volume is granted (a long poll). Without it an agent
 * asks every 100 ms for the 4-5 s an EBS create and attach take: in a burst of 50 volumes
 * that is thousands of requests, and on a 2-core node the agents and the controller spent
 * more CPU answering "pending" than anything else did for the burst.
 *
 * Bounded: each wait ends by its `ms` (the API caps it at 2 s), and at most `maxHeld` are
 * held at once; past that a wait returns at once, the caller answers "pending" and the agent
 * asks again after its own pause, as it did before long polls existed.
 */
export class GrantWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();
  private readonly maxHeld: number;
  private count = 0;

  constructor(private readonly clock: Clock, options: { /** @default 1024 */ maxHeld?: number } = {}) {
    this.maxHeld = options.maxHeld ?? 1024;
  }

  /** Resolves when `volume` is granted to any node, or after `ms`, whichever comes first (at once when `maxHeld` are held). */
  async wait(volume: string, ms: number): Promise<void> {
    if (this.count >= this.maxHeld) return;
    this.count += 1;
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
      this.count -= 1;
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
    return this.count;
  }
}
