import type { HeartbeatRequest } from "../api/contract.js";
import type { InstanceState } from "../core/cloud.js";
import type { PowerFenceView } from "../core/fencing.js";
import { nodeLabels } from "../core/clusterStore.js";
import type { NodeLeaseCounts } from "../core/metrics.js";
import { isFenced, type NodeLookup, type NodeView, type PlacementPolicy } from "../core/placement.js";
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
 * What the leader knows of each node beyond Swarm: its agent's lease and mounts, its
 * instance's state in the cloud, and operator fences. One registry lives for one term of
 * leadership, in memory on purpose: every agent re-reports within one renewal period.
 *
 * A node not heard yet in this term is still known from Swarm's node labels (instance,
 * zone, operator fence; the leader writes them, ADR 0010), and counts as `unheard`: its
 * mounts are unknown and its lease is assumed live until the term's start plus one ttl, so
 * a node that died before or during the takeover is fenced ttl + grace after it, never
 * before (a new leader has no heartbeat history) and never forgotten.
 * Indexed by instance and by mounted volume so a reconcile never scans every node.
 */
export class NodeRegistry {
  private readonly leases = new Map<string, Lease>();
  private readonly nodeByInstance = new Map<string, string>();
  private readonly mountersByVolume = new Map<string, Set<string>>();
  private readonly instanceStates = new Map<string, InstanceState>();
  private readonly fenced = new Set<string>();
  /** Power fences (controller/powerFence.ts) under way or failed, by node. */
  private readonly powerFences = new Map<string, PowerFenceView>();
  private readonly lapsesTold = new Map<string, number>();
  /** Until when an unheard node's lease counts as live: the term's start plus one ttl. */
  readonly assumedLiveUntil: number;
  private labelIndex: { nodes: readonly SwarmNode[]; byInstance: Map<string, SwarmNode> } | undefined;

  constructor(private readonly clock: Clock, readonly ttlMs: number) {
    this.assumedLiveUntil = clock.now() + ttlMs;
  }

  /**
   * A heartbeat proves its instance runs: any instance state learned during a lapse and
   * any power fence of that lapse are forgotten, so a later lapse is judged afresh.
   */
  heartbeat(nodeId: string, request: HeartbeatRequest): void {
    const previous = this.leases.get(nodeId);
    this.instanceStates.delete(request.instanceId);
    this.powerFences.delete(nodeId);
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

  /**
   * True the first time a lapse of this lease is noted (per node and expiry), so the lapse
   * is told once however many reconciles see it; a renewal makes a later lapse new again.
   */
  firstLapseOf(nodeId: string, expiresAt: number): boolean {
    if (this.lapsesTold.get(nodeId) === expiresAt) return false;
    this.lapsesTold.set(nodeId, expiresAt);
    return true;
  }

  setInstanceState(instanceId: string, state: InstanceState): void {
    this.instanceStates.set(instanceId, state);
  }

  /** Records a power fence's progress (undefined: none, e.g. once the instance is known stopped). */
  setPowerFence(nodeId: string, attempt: PowerFenceView | undefined): void {
    if (attempt === undefined) this.powerFences.delete(nodeId);
    else this.powerFences.set(nodeId, attempt);
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

  /** One node's view, merged from Swarm (may be absent), its labels and its lease. */
  view(nodeId: string, swarm: SwarmNode | undefined): NodeView | undefined {
    const lease = this.leases.get(nodeId);
    if (!swarm && !lease) return undefined;
    const identity = lease ?? identityFromLabels(swarm);
    const instanceState = identity ? this.instanceStates.get(identity.instanceId) : undefined;
    const fenced = this.fenced.has(nodeId) || swarm?.labels[nodeLabels.fenced] !== undefined;
    const powerFence = this.powerFences.get(nodeId);
    return {
      nodeId,
      hostname: swarm?.hostname ?? lease?.hostname ?? nodeId,
      swarmState: swarm?.state ?? "absent",
      mounted: lease?.mounts.map((mount) => mount.volume) ?? [],
      ...(lease ? { instanceId: lease.instanceId, zone: lease.zone, leaseExpiresAt: lease.expiresAt } : {}),
      ...(!lease && identity ? { instanceId: identity.instanceId, zone: identity.zone, leaseExpiresAt: this.assumedLiveUntil, unheard: true } : {}),
      ...(instanceState ? { instanceState } : {}),
      ...(fenced ? { operatorFenced: true } : {}),
      ...(powerFence ? { powerFence } : {}),
    };
  }

  /** A lookup for decide() over Swarm's nodes (by id, and by instance label) and the leases. */
  lookup(swarmNode: (id: string) => SwarmNode | undefined, swarmNodes: () => readonly SwarmNode[] = () => []): NodeLookup {
    return {
      node: (id) => this.view(id, swarmNode(id)),
      nodeOfInstance: (instanceId) => {
        const id = this.nodeByInstance.get(instanceId) ?? this.labelledNode(instanceId, swarmNodes());
        return id === undefined ? undefined : this.view(id, swarmNode(id));
      },
    };
  }

  /** The Swarm node labelled with this instance, indexed once per informer node list. */
  private labelledNode(instanceId: string, nodes: readonly SwarmNode[]): string | undefined {
    if (this.labelIndex?.nodes !== nodes) {
      const byInstance = new Map<string, SwarmNode>();
      for (const node of nodes) {
        const labelled = node.labels[nodeLabels.instanceId];
        if (labelled) byInstance.set(labelled, node);
      }
      this.labelIndex = { nodes, byInstance };
    }
    return this.labelIndex.byInstance.get(instanceId)?.id;
  }

  /**
   * Every known node by the state of its lease now, as placement judges it (a fenced node
   * may be force-detached from; a lapsed one not yet), for the `swarmvol_node_leases` gauge.
   */
  leaseCounts(swarmNodes: readonly SwarmNode[], policy: PlacementPolicy): NodeLeaseCounts {
    const now = this.clock.now();
    const counts: NodeLeaseCounts = { live: 0, unheard: 0, lapsed: 0, fenced: 0 };
    for (const view of this.views(swarmNodes)) {
      if (isFenced(view, now, policy)) counts.fenced += 1;
      else if (view.leaseExpiresAt !== undefined && now >= view.leaseExpiresAt) counts.lapsed += 1;
      else if (view.unheard || view.leaseExpiresAt === undefined) counts.unheard += 1;
      else counts.live += 1;
    }
    return counts;
  }

  /** Every node known to Swarm or heard from, for `GET /v1/nodes`. */
  views(swarmNodes: readonly SwarmNode[]): NodeView[] {
    const ids = new Set([...swarmNodes.map((node) => node.id), ...this.leases.keys()]);
    return [...ids].map((id) => this.view(id, swarmNodes.find((node) => node.id === id))).filter((view): view is NodeView => view !== undefined);
  }
}

/** Instance and zone a leader wrote into the node's labels, when both are there. */
function identityFromLabels(swarm: SwarmNode | undefined): { instanceId: string; zone: string } | undefined {
  const instanceId = swarm?.labels[nodeLabels.instanceId];
  const zone = swarm?.labels[nodeLabels.zone];
  return instanceId && zone ? { instanceId, zone } : undefined;
}
