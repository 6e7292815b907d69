/**
 * The NodeAvailability port in memory: nodes' role, availability and labels as Swarm holds
 * them, changed the way the Engine adapter does it (plan on the node as read, then write),
 * and every call recorded: `write NODE availability=drain swarmvol.drained-by=…` (a label
 * removed shows as `-label`), or `skip NODE reason`.
 */
import type { AvailabilityPlan, NodeSpecView } from "../../core/nodeDrain.js";
import type { NodeAvailability } from "../../core/ports.js";

export class RecordingNodeAvailability implements NodeAvailability {
  readonly nodes = new Map<string, NodeSpecView>();
  readonly calls: string[] = [];
  /** Thrown by the next change, once (Docker unreachable, a lost race after every try). */
  failNext: Error | undefined;

  put(nodeId: string, node: Partial<NodeSpecView> = {}): void {
    this.nodes.set(nodeId, { role: "worker", availability: "active", labels: {}, ...node });
  }

  /** Someone else's `docker node update`. */
  operator(nodeId: string, change: Partial<NodeSpecView>): void {
    const node = this.mustGet(nodeId);
    this.nodes.set(nodeId, { ...node, ...change });
  }

  async change(nodeId: string, plan: (node: NodeSpecView) => AvailabilityPlan): Promise<AvailabilityPlan> {
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) {
      this.calls.push(`failed ${nodeId}`);
      throw failure;
    }
    const node = this.mustGet(nodeId);
    const decided = plan(structuredClone(node));
    if (decided.kind === "skip") {
      this.calls.push(`skip ${nodeId} ${decided.reason}`);
      return decided;
    }
    const labels = { ...node.labels };
    const said: string[] = decided.change.availability === undefined ? [] : [`availability=${decided.change.availability}`];
    for (const [key, value] of Object.entries(decided.change.labels)) {
      if (value === undefined) delete labels[key];
      else labels[key] = value;
      said.push(value === undefined ? `-${key}` : `${key}=${value}`);
    }
    this.nodes.set(nodeId, { ...node, availability: decided.change.availability ?? node.availability, labels });
    this.calls.push(`write ${nodeId} ${said.join(" ")}`);
    return decided;
  }

  private mustGet(nodeId: string): NodeSpecView {
    const node = this.nodes.get(nodeId);
    if (!node) throw new Error(`fake node availability has no node ${nodeId}`);
    return node;
  }
}
