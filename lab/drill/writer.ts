/**
 * The drill's clients: loops in the drill's own process (root namespace, outside the
 * cluster) that keep writing to a service wherever Swarm runs it, and remember every
 * acknowledged write with where and when it was acknowledged. A write counts only when
 * the service answered success; a timeout or error is "unacknowledged" (it may or may
 * not have landed, and is never counted as lost).
 */
import type { Clock } from "../../core/ports.js";

/** One acknowledged write. */
export interface Ack {
  key: string;
  /** When the request was sent and when the answer came (epoch ms). */
  startedAt: number;
  at: number;
  /** The node address that answered. */
  address: string;
}

/** A workload-specific single write: resolves true when acknowledged. */
export type WriteOnce = (address: string, seq: number) => Promise<{ ok: boolean; key: string; error?: string }>;

export interface WriterStats {
  acked: number;
  failed: number;
  lastError: string | null;
  lastAckAt: number | null;
}

/**
 * Runs `write` in a loop against `address()` (the node currently running the service;
 * null while it runs nowhere) until stopped. Sequential on purpose: at most one write is
 * in flight, so the ack order is the commit order.
 */
export class Writer {
  readonly acks: Ack[] = [];
  private failed = 0;
  private lastError: string | null = null;
  private seq = 0;
  private running = false;
  private loop: Promise<void> | null = null;

  constructor(
    readonly name: string,
    private readonly write: WriteOnce,
    private readonly address: () => string | null,
    private readonly clock: Clock,
    private readonly pauseMs = 50,
    /** Called after a failed write, e.g. to look for the service again. */
    private readonly onFailure: () => void = () => {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.loop = null;
  }

  stats(): WriterStats {
    return { acked: this.acks.length, failed: this.failed, lastError: this.lastError, lastAckAt: this.acks.at(-1)?.at ?? null };
  }

  private async run(): Promise<void> {
    while (this.running) {
      const address = this.address();
      if (address === null) {
        await this.clock.sleep(200);
        continue;
      }
      const startedAt = this.clock.now();
      const result = await this.write(address, ++this.seq).catch((err: unknown) => ({
        ok: false, key: "", error: err instanceof Error ? err.message : String(err),
      }));
      if (result.ok) {
        this.acks.push({ key: result.key, startedAt, at: this.clock.now(), address });
      } else {
        this.failed++;
        this.lastError = result.error ?? "failed";
        this.onFailure();
        await this.clock.sleep(200);
      }
      await this.clock.sleep(this.pauseMs);
    }
  }
}

/**
 * t9: the first write acknowledged by the replacement. That is the first ack sent at or
 * after t0 by the new node's address; when the task came back on the same node, the
 * first ack sent at or after the new task was running (the old one was dead by then).
 */
export function firstAckAfter(acks: readonly Ack[], t0: number, newAddress: string, sameNode: boolean, runningAt?: number): number | undefined {
  const since = sameNode && runningAt !== undefined ? Math.max(t0, runningAt) : t0;
  return acks.find((a) => a.startedAt >= since && a.address === newAddress)?.at;
}
