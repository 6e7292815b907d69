/**
 * The leader's half of a filesystem grow (ADR 0026), like the snapshot freeze's broker: a
 * grow asked of a node travels in that node's heartbeat answers until the node reports it
 * in a heartbeat of its own; a grow at the next mount travels in the claim's grant
 * instead (never in a heartbeat: the volume is not mounted yet). Everything is in this
 * term's memory; a new leader asks again, and a grow that has nothing to do is a no-op on
 * the node. Reports are kept per volume until the resize's reconcile takes them.
 */
import type { GrowReport, GrowRequest } from "../../api/resizeContract.js";
import type { Clock } from "../../core/ports.js";

/** A grow asked of a node. */
export interface GrowAsk extends GrowRequest {
  nodeId: string;
  askedAt: number;
  /** Asked in a claim's grant, for the mount to come. */
  atMount: boolean;
}

/** A node's report, as heard. */
export interface GrowOutcome {
  nodeId: string;
  report: GrowReport;
  /** The ask it answers, when this term made it. */
  ask?: GrowAsk;
  at: number;
}

export class GrowBroker {
  private readonly asks = new Map<string, GrowAsk>();
  private readonly outcomes = new Map<string, GrowOutcome>();

  constructor(private readonly clock: Clock, private readonly newId: () => string) {}

  /** Asks `nodeId` to grow the mounted `volume` to fill `sizeBytes`; the same ask again keeps its id. */
  ask(nodeId: string, volume: string, sizeBytes: number): GrowAsk {
    return this.place(nodeId, volume, sizeBytes, false);
  }

  /** The grow the mount about to happen on `nodeId` must make (the claim's grant carries it). */
  askAtMount(nodeId: string, volume: string, sizeBytes: number): GrowRequest {
    const { id } = this.place(nodeId, volume, sizeBytes, true);
    return { volume, id, sizeBytes };
  }

  private place(nodeId: string, volume: string, sizeBytes: number, atMount: boolean): GrowAsk {
    const standing = this.asks.get(volume);
    if (standing && standing.nodeId === nodeId && standing.sizeBytes === sizeBytes && standing.atMount === atMount) return standing;
    const ask: GrowAsk = { volume, id: this.newId(), sizeBytes, nodeId, askedAt: this.clock.now(), atMount };
    this.asks.set(volume, ask);
    return ask;
  }

  /** The volume's standing ask. */
  asked(volume: string): GrowAsk | undefined {
    return this.asks.get(volume);
  }

  /** The grows `nodeId` is asked for in its heartbeat answer. */
  pendingFor(nodeId: string): GrowRequest[] {
    return [...this.asks.values()].filter((ask) => ask.nodeId === nodeId && !ask.atMount).map(({ volume, id, sizeBytes }) => ({ volume, id, sizeBytes }));
  }

  /**
   * A heartbeat's reports; returns the volumes they are of (to reconcile). A report of a
   * grow this term did not ask for (another term's, or a mount's) counts too: the resize
   * checks that it came from the volume's holder.
   */
  report(nodeId: string, reports: readonly GrowReport[]): string[] {
    const volumes: string[] = [];
    for (const report of reports) {
      const standing = this.asks.get(report.volume);
      const ask = standing?.id === report.id && standing.nodeId === nodeId ? standing : undefined;
      if (ask) this.asks.delete(report.volume);
      this.outcomes.set(report.volume, { nodeId, report, at: this.clock.now(), ...(ask ? { ask } : {}) });
      volumes.push(report.volume);
    }
    return volumes;
  }

  /** The volume's latest report, once. */
  take(volume: string): GrowOutcome | undefined {
    const outcome = this.outcomes.get(volume);
    this.outcomes.delete(volume);
    return outcome;
  }

  /** Drops the volume's ask (the resize no longer needs it). */
  forget(volume: string): void {
    this.asks.delete(volume);
  }
}
