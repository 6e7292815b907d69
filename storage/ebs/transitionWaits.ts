/**
 * The waits of EbsCloud for EBS transitions (create, attach, detach). Each wait probes
 * first at the learned transition time (LatencyEstimates, ADR 0007). While several waits
 * run, their wake-ups snap to a shared grid and back off to at most 0.5 s: their probes go
 * out together through the ReadCoalescer as one DescribeVolumes (ADR 0008). A wait alone
 * probes exactly when it means to and backs off to the full cap, so a single move costs
 * no extra call.
 */
import type { Clock } from "../../core/ports.js";
import { LatencyEstimates, pollUntil, type PollPolicy } from "./waiters.js";

/** The grid concurrent waits probe on. Coarser shares more calls; each probe lands up to this much later. */
const probeGridMs = 50;
/** The backoff cap of a wait that starts while others run: its probes cost no extra call. */
const sharedPollMaxMs = 500;

export class TransitionWaits {
  /** Learned transition times: the first probe of a wait lands when it is likely done. */
  readonly latencies = new LatencyEstimates();
  /** Waits in progress: above one, their probes snap to `probeGridMs`. */
  private active = 0;

  constructor(private readonly clock: Clock, private readonly poll: PollPolicy) {}

  /** Probes until `probe` returns a value (resolved) or `timeoutMs` passes (undefined); teaches `operation`'s time. */
  async wait<T>(operation: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T | undefined> {
    let lastMissMs: number | undefined;
    const firstMs = this.latencies.firstProbe(operation);
    const align = (wakeAt: number) => (this.active > 1 ? Math.ceil(wakeAt / probeGridMs) * probeGridMs : wakeAt);
    const maxMs = this.active > 0 ? Math.min(this.poll.maxMs, sharedPollMaxMs) : this.poll.maxMs;
    this.active += 1;
    try {
      return await pollUntil(this.clock, { ...this.poll, maxMs, ...(firstMs === undefined ? {} : { firstMs }), timeoutMs, align }, async (elapsedMs) => {
        const value = await probe();
        if (value === undefined) lastMissMs = elapsedMs;
        else this.latencies.observe(operation, elapsedMs, lastMissMs);
        return value;
      });
    } finally {
      this.active -= 1;
    }
  }
}
