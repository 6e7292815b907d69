import type { InstanceState } from "../core/cloud.js";
import type { HeartbeatRequest } from "../api/contract.js";
import type { NodeView } from "../core/placement.js";
import type { Clock } from "../core/ports.js";
import type { SwarmNode } from "../core/swarm.js";

interface Lease {
  hostname: string;
  instanceId: string;
  zone: string;
  expiresAt: number;
  mounts: Array<{ volume: string; epoch: number }>;
}

/**
 * What the controller knows of each node beyond Swarm: its agent's lease and mounts, its
 * instance's state in the cloud, and operator fences. In memory on purpose: after a
 * controller restart every agent re-reports within one renewal period, and until then a
 * node counts as unheard, which only ever delays a move, never allows an unsafe one.
 */
export class NodeRegistry {
  private readonly leases = new Map<string, Lease>();
  private readonly instanceStates = new Map<string, InstanceState>();
  private readonly fenced = new Set<string>();

  constructor(private readonly clock: Clock, readonly ttlMs: number) {}

  /** Records a heartbeat; returns the mounts whose epoch is older than `currentEpoch` says. */
  heartbeat(nodeId: string, request: HeartbeatRequest): void {
    this.leases.set(nodeId, { ...request, expiresAt: this.clock.now() + this.ttlMs });
  }

  setInstanceState(instanceId: string, state: InstanceState): void {
    this.instanceStates.set(instanceId, state);
  }

  fence(nodeId: string): void {
    this.fenced.add(nodeId);
  }

  unfence(nodeId: string): void {
    this.fenced.delete(nodeId);
  }

  lease(nodeId: string): Readonly<Lease> | undefined {
    return this.leases.get(nodeId);
  }

  /** Node ids whose agent mounts `volume`, by their last report. */
  mountersOf(volume: string): string[] {
    return [...this.leases].filter(([, lease]) => lease.mounts.some((mount) => mount.volume === volume)).map(([id]) => id);
  }

  /** Instance ids of every node heard from (for DescribeInstances). */
  instanceIds(): string[] {
    return [...new Set([...this.leases.values()].map((lease) => lease.instanceId))];
  }

  /** Merges Swarm's node list with leases into the views `decide()` reads. */
  views(swarmNodes: readonly SwarmNode[]): Map<string, NodeView> {
    const views = new Map<string, NodeView>();
    const ids = new Set([...swarmNodes.map((node) => node.id), ...this.leases.keys()]);
    for (const id of ids) {
      const swarm = swarmNodes.find((node) => node.id === id);
      const lease = this.leases.get(id);
      views.set(id, {
        nodeId: id,
        hostname: swarm?.hostname ?? lease?.hostname ?? id,
        swarmState: swarm?.state ?? "absent",
        mounted: lease?.mounts.map((mount) => mount.volume) ?? [],
        ...(lease ? { instanceId: lease.instanceId, zone: lease.zone, leaseExpiresAt: lease.expiresAt } : {}),
        ...(lease && this.instanceStates.has(lease.instanceId) ? { instanceState: this.instanceStates.get(lease.instanceId) } : {}),
        ...(this.fenced.has(id) ? { operatorFenced: true } : {}),
      });
    }
    return views;
  }
}
