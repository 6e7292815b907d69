import type { NodeView } from "../../core/placement.js";
import { apiPaths, type NodeListResponse } from "../../api/contract.js";
import { malformedAnswer } from "./answers.js";
import { ControllerClient, type CallOptions, type ControllerApi } from "./apiClient.js";

/**
 * The controller's API as an operator uses it (`swarmvol nodes`, `fence`, `unfence`): the
 * agent's calls plus the node routes of api/contract.ts. Same failures as ControllerApi:
 * the controller's own error, or UNAVAILABLE when no replica serves.
 */
export interface OperatorApi extends ControllerApi {
  /** `GET /v1/nodes`: every node Swarm knows or whose agent reported to the leader. */
  listNodes(options?: CallOptions): Promise<NodeView[]>;
  /** `POST /v1/nodes/{id}/fence`: the node is down for good; its volumes may be force-detached. */
  fence(nodeId: string, options?: CallOptions): Promise<void>;
  /** `POST /v1/nodes/{id}/unfence`: takes an operator fence back. */
  unfence(nodeId: string, options?: CallOptions): Promise<void>;
}

/**
 * ControllerClient plus the operator's node calls, over the same replica failover, leader
 * hints and deadlines (it adds routes, never its own transport).
 */
export class OperatorClient extends ControllerClient implements OperatorApi {
  async listNodes(options?: CallOptions): Promise<NodeView[]> {
    const answer = (await this.call("GET", apiPaths.nodes, undefined, options)) as Partial<NodeListResponse> | undefined;
    if (!Array.isArray(answer?.nodes)) throw malformedAnswer(apiPaths.nodes, "no nodes array", this.baseUrl);
    return answer.nodes;
  }

  async fence(nodeId: string, options?: CallOptions): Promise<void> {
    await this.call("POST", apiPaths.fence(nodeId), {}, options);
  }

  async unfence(nodeId: string, options?: CallOptions): Promise<void> {
    await this.call("POST", apiPaths.unfence(nodeId), {}, options);
  }
}
