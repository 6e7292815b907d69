import type { Want } from "../core/placement.js";
import type { Clock } from "../core/ports.js";

/**
 * Agents' claims for plain `docker run` mounts (and for tasks the informer has not listed
 * yet). A claim lives while its agent keeps renewing it (every claim call renews) and the
 * node keeps the volume mounted; an explicit release or `ttlMs` of silence ends it.
 * Bounded by the claims alive: a volume with none left is forgotten (volumes come and go).
 */
export class ClaimBook {
  private readonly claims = new Map<string, Map<string, { since: number; renewedAt: number }>>();

  constructor(private readonly clock: Clock, private readonly ttlMs: number) {}

  /** Records or renews; returns true when the claim is new (the volume needs a reconcile). */
  claim(volume: string, nodeId: string): boolean {
    const now = this.clock.now();
    const byNode = this.claims.get(volume) ?? new Map<string, { since: number; renewedAt: number }>();
    this.claims.set(volume, byNode);
    const existing = byNode.get(nodeId);
    byNode.set(nodeId, { since: existing?.since ?? now, renewedAt: now });
    return existing === undefined;
  }

  release(volume: string, nodeId: string): void {
    const byNode = this.claims.get(volume);
    byNode?.delete(nodeId);
    if (byNode?.size === 0) this.claims.delete(volume);
  }

  /** Volumes with a claim on record (for tests and metrics). */
  get volumes(): number {
    return this.claims.size;
  }

  /**
   * When the next claim of `volume` that no mount holds up lapses (epoch ms; undefined if
   * none can): a decision that counted it must be made again then, or a claim waiting
   * behind it waits for whatever else wakes the volume up (its holder's agent may have died
   * between its mount and its release, and never release it).
   */
  nextLapse(volume: string, stillMounted: (nodeId: string) => boolean): number | undefined {
    let next: number | undefined;
    for (const [nodeId, claim] of this.claims.get(volume) ?? []) {
      if (stillMounted(nodeId)) continue;
      const lapse = claim.renewedAt + this.ttlMs + 1;
      if (next === undefined || lapse < next) next = lapse;
    }
    return next;
  }

  /**
   * Live claims as wants; `stillMounted(nodeId)` keeps a claim whose renewals stopped
   * because its mount succeeded (the agent only claims while waiting).
   */
  wants(volume: string, stillMounted: (nodeId: string) => boolean): Want[] {
    const now = this.clock.now();
    const byNode = this.claims.get(volume);
    if (!byNode) return [];
    const wants: Want[] = [];
    for (const [nodeId, claim] of byNode) {
      if (now - claim.renewedAt > this.ttlMs && !stillMounted(nodeId)) {
        byNode.delete(nodeId);
        continue;
      }
      wants.push({ nodeId, source: "claim", since: claim.since, ref: `claim:${nodeId}` });
    }
    if (byNode.size === 0) this.claims.delete(volume);
    return wants;
  }
}
