import type { NodeView } from "../../core/placement.js";
import { apiPaths, type EventListResponse } from "../contract.js";
import { eventListResponse, nodeListResponse } from "../schemas/bodies.js";
import { ControllerClient, type CallOptions, type ControllerApi } from "./apiClient.js";
import { openEventStream, type StreamItem, type StreamRequest } from "./eventStreamClient.js";

/** `GET /v1/events` parameters (api/contract.ts). */
export interface EventHistoryQuery {
  since?: string;
  /** RFC 3339. */
  sinceTime?: string;
  volume?: string;
  limit?: number;
}

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
  /** `GET /v1/events`: the leader's event history, over the replica failover. */
  events(query: EventHistoryQuery, options?: CallOptions): Promise<EventListResponse>;
  /**
   * `GET /v1/events/stream` at the replica that served last (call `events` first to find
   * the leader); ends when the server closes it, throws when the connection breaks.
   */
  streamEvents(request: StreamRequest, options?: { signal?: AbortSignal; idleTimeoutMs?: number }): AsyncGenerator<StreamItem>;
}

/**
 * ControllerClient plus the operator's node calls, over the same replica failover, leader
 * hints and deadlines (it adds routes, never its own transport).
 */
export class OperatorClient extends ControllerClient implements OperatorApi {
  async listNodes(options?: CallOptions): Promise<NodeView[]> {
    return (await this.call({ method: "GET", path: apiPaths.nodes, answer: nodeListResponse }, options)).nodes;
  }

  async fence(nodeId: string, options?: CallOptions): Promise<void> {
    await this.call({ method: "POST", path: apiPaths.fence(nodeId), body: {}, answer: undefined }, options);
  }

  async unfence(nodeId: string, options?: CallOptions): Promise<void> {
    await this.call({ method: "POST", path: apiPaths.unfence(nodeId), body: {}, answer: undefined }, options);
  }

  async events(query: EventHistoryQuery, options?: CallOptions): Promise<EventListResponse> {
    const params = new URLSearchParams(Object.entries(query).filter(([, value]) => value !== undefined).map(([key, value]) => [key, String(value)]));
    const path = `${apiPaths.events}${params.size > 0 ? `?${params.toString()}` : ""}`;
    return this.call({ method: "GET", path, answer: eventListResponse }, options);
  }

  streamEvents(request: StreamRequest, options: { signal?: AbortSignal; idleTimeoutMs?: number } = {}): AsyncGenerator<StreamItem> {
    return openEventStream({
      fetch: this.fetch, baseUrl: this.baseUrl, token: typeof this.token === "function" ? this.token() : this.token, request, ...options, hinted: (url) => this.preference.hinted(url),
    });
  }
}
