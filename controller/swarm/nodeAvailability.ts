/**
 * The NodeAvailability port (core/ports.ts) on the Engine API through dockerode: a node's
 * availability and swarmvol's labels on it, written by compare-and-swap on its
 * `Version.Index` like the node labels of swarmStore.ts (`POST /nodes/{id}/update?version=N`
 * with the WHOLE spec: Role and Availability are required, so it is read-modify-write).
 * What to write is decided on the spec as read (core/nodeDrain.ts), so an operator's
 * `docker node update` between the informer's list and this write is seen, and one that
 * lands between this read and this write makes the write fail "update out of sequence"
 * (CONFLICT): then it reads and decides again, at most `maxTries` times.
 */
import { conflict, ErrorCode, isSwarmvolError } from "../../core/errors.js";
import type { AvailabilityPlan, NodeSpecView } from "../../core/nodeDrain.js";
import { silentLogger, type Logger, type NodeAvailability } from "../../core/ports.js";
import type { SwarmAvailability } from "../../core/swarm.js";
import { translateStoreError, type DockerStoreApi } from "./swarmStore.js";
import { mergeLabels, parseNodeSpec } from "./swarmStoreCodec.js";

export interface DockerNodeAvailabilityOptions {
  /** A `new Docker()` on a manager fits as is. */
  docker: Pick<DockerStoreApi, "getNode">;
  /** Upper bound of every Engine call. @default 10_000 */
  callTimeoutMs?: number;
  /** Tries of a read-modify-write that loses compare-and-swap races. @default 5 */
  maxTries?: number;
  logger?: Logger;
}

export class DockerNodeAvailability implements NodeAvailability {
  private readonly callTimeoutMs: number;
  private readonly maxTries: number;
  private readonly logger: Logger;

  constructor(private readonly options: DockerNodeAvailabilityOptions) {
    this.callTimeoutMs = options.callTimeoutMs ?? 10_000;
    this.maxTries = options.maxTries ?? 5;
    if (!(this.callTimeoutMs > 0) || !(this.maxTries >= 1)) throw new TypeError("`callTimeoutMs` and `maxTries` must be positive");
    this.logger = options.logger ?? silentLogger;
  }

  async change(nodeId: string, plan: (node: NodeSpecView) => AvailabilityPlan): Promise<AvailabilityPlan> {
    const handle = this.options.docker.getNode(nodeId);
    for (let attempt = 1; attempt <= this.maxTries; attempt += 1) {
      const node = parseNodeSpec(await this.call("inspectNode", (abortSignal) => handle.inspect({ abortSignal })), nodeId);
      const decided = plan(specView(node.spec, node.labels));
      if (decided.kind === "skip") return decided;
      const { availability, labels } = decided.change;
      const spec = { ...node.spec, Labels: mergeLabels(node.labels, labels) ?? node.labels, ...(availability === undefined ? {} : { Availability: availability }) };
      try {
        await this.call("updateNode", (abortSignal) => handle.update({ _query: { version: node.version }, _body: spec, abortSignal }));
        return decided;
      } catch (err) {
        if (!isSwarmvolError(err, ErrorCode.Conflict)) throw err;
        this.logger.debug({ nodeId, attempt }, "node changed while its availability was written; reading it again");
      }
    }
    throw conflict(`node ${nodeId} kept changing during ${this.maxTries} tries to set its availability`, { nodeId });
  }

  private async call<T>(operation: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await run(AbortSignal.timeout(this.callTimeoutMs));
    } catch (err) {
      throw translateStoreError(err, operation, this.callTimeoutMs);
    }
  }
}

/** The spec's role and availability as the decisions name them (Swarm's own words, lower case). */
function specView(spec: Record<string, unknown>, labels: Readonly<Record<string, string>>): NodeSpecView {
  const availability = String(spec.Availability ?? "active").toLowerCase();
  return {
    role: String(spec.Role ?? "worker").toLowerCase() === "manager" ? "manager" : "worker",
    // An availability this code does not know is nobody's to change: read as an operator's pause.
    availability: (["active", "pause", "drain"].includes(availability) ? availability : "pause") as SwarmAvailability,
    labels,
  };
}
