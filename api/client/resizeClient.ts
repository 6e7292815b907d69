/**
 * Client calls of the resize routes (api/resizeContract.ts) over the operator client's
 * replica failover, leader hints and deadlines; answers parsed with the routes' own schemas.
 */
import { resizePaths, type ResizeRequest, type ResizeResponse } from "../resizeContract.js";
import * as schemas from "../schemas/resize.js";
import type { CallOptions } from "./apiClient.js";
import { OperatorClient, type OperatorApi } from "./operatorClient.js";

export interface ResizeApi extends OperatorApi {
  /** `POST /v1/volumes/{name}/resize`: starts the resize; the refusal (400, 404, 409) as the controller's error. */
  resizeVolume(volume: string, request: ResizeRequest, options?: CallOptions): Promise<ResizeResponse>;
  /** `GET /v1/volumes/{name}/resize`: the latest resize; NOT_FOUND for a volume never resized. */
  getResize(volume: string, options?: CallOptions): Promise<ResizeResponse>;
}

/** The operator's client plus the resize routes. A retried start asks for the same size again: the same effect. */
export class ResizeClient extends OperatorClient implements ResizeApi {
  async resizeVolume(volume: string, request: ResizeRequest, options?: CallOptions): Promise<ResizeResponse> {
    return this.call({ method: "POST", path: resizePaths.resize(volume), body: request, answer: schemas.resizeResponse }, { timeoutMs: 30_000, ...options });
  }

  async getResize(volume: string, options?: CallOptions): Promise<ResizeResponse> {
    return this.call({ method: "GET", path: resizePaths.resize(volume), answer: schemas.resizeResponse }, options);
  }
}
