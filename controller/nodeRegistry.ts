import type { HeartbeatRequest } from "../api/contract.js";
import type { InstanceState } from "../core/cloud.js";
import type { NodeLookup, NodeView } from "../core/placement.js";
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
 * Indexed by instance and by mounted volume so a reconcile never scans every node.
 */
export class NodeRegistry {
  private readonly leases = new Map<string, Lease>();
  private readonly nodeByInstance = new Map<string, string>();
  private readonly mountersByVolume = new Map<string, Set<string>>();
  private readonly instanceStates = new Map<string, InstanceState>();
  private readonly fenced = new Set<string>();

  constructor(private readonly clock: Clock, readonly ttlMs: number) {}

  heartbeat(nodeId: string, request: HeartbeatRequest): void {
    const previous = this.leases.get(nodeId);
    for (const mount of previous?.mounts ?? []) this.mountersByVolume.get(mount.volume)?.delete(nodeId);
    if (previous && previous.instanceId !== request.instanceId) this.nodeByInstance.delete(previous.instanceId);
    this.leases.set(nodeId, { ...request, mounts: [...request.mounts], expiresAt: this.clock.now() + this.ttlMs });
    this.nodeByInstance.set(request.instanceId, nodeId);
    for (const mount of request.mounts) {
      const mounters = this.mountersByVolume.get(mount.volume) ?? new Set<string>();
      mounters.add(nodeId);
      this.mountersByVolume.set(mount.volume, mounters);
    }
  }

  /**
   * The agent said its last mount of `volume` is gone (release). Applied at once rather than
   * at the next heartbeat, so a stop-first move detaches without waiting up to a period.
   */
  forgetMount(nodeId: string, volume: string): void {
    const lease = this.leases.get(nodeId);
    if (!lease) return;
    lease.mounts = lease.mounts.filter((mount) => mount.volume !== volume);
    this.mountersByVolume.get(volume)?.delete(nodeId);
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
    return [...(this.mountersByVolume.get(volume) ?? [])];
  }

  /** One node's view, merged from Swarm (may be absent) and its lease. */
  view(nodeId: string, swarm: SwarmNode | undefined): NodeView | undefined {
    const lease = this.leases.get(nodeId);
    if (!swarm && !lease) return undefined;
    const instanceState = lease ? this.instanceStates.get(lease.instanceId) : undefined;
    return {
      nodeId,
      hostname: swarm?.hostname ?? lease?.hostname ?? nodeId,
      swarmState: swarm?.state ?? "absent",
      mounted: lease?.mounts.map((mount) => mount.volume) ?? [],
      ...(lease ? { instanceId: lease.instanceId, zone: lease.zone, leaseExpiresAt: lease.expiresAt } : {}),
      ...(instanceState ? { instanceState } : {}),
      ...(this.fenced.has(nodeId) ? { operatorFenced: true } : {}),
    };
  }

  /** A lookup for decide() over Swarm's nodes (by id) and the leases. */
  lookup(swarmNode: (id: string) => SwarmNode | undefined): NodeLookup {
    return {
      node: (id) => this.view(id, swarmNode(id)),
      nodeOfInstance: (instanceId) => {
        const id = this.nodeByInstance.get(instanceId);
        return id === undefined ? undefined : this.view(id, swarmNode(id));
      },
    };
  }

  /** Every node known to Swarm or heard from, for `GET /v1/nodes`. */
  views(swarmNodes: readonly SwarmNode[]): NodeView[] {
    const ids = new Set([...swarmNodes.map((node) => node.id), ...this.leases.keys()]);
    return [...ids].map((id) => this.view(id, swarmNodes.find((node) => node.id === id))).filter((view): view is NodeView => view !== undefined);
  }
}
