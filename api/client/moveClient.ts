/**
 * Client calls of the move routes (api/moveContract.ts) over the operator client's replica
 * failover, leader hints and deadlines; answers parsed with the routes' own schemas.
 */
import { movePaths, type MoveRequest, type MoveResponse } from "../moveContract.js";
import * as schemas from "../schemas/moves.js";
import type { CallOptions } from "./apiClient.js";
import { OperatorClient, type OperatorApi } from "./operatorClient.js";

export interface MoveApi extends OperatorApi {
  /** `POST /v1/volumes/{name}/move`: starts the move; the refusal (404, 409) as the controller's error. */
  moveVolume(volume: string, request: MoveRequest, options?: CallOptions): Promise<MoveResponse>;
  /** `GET /v1/volumes/{name}/move`: the latest move and its state; NOT_FOUND when the leader knows none. */
  getMove(volume: string, options?: CallOptions): Promise<MoveResponse>;
}

/** The operator's client plus the move routes. A retried start asks for the same move again: the same effect. */
export class MoveClient extends OperatorClient implements MoveApi {
  async moveVolume(volume: string, request: MoveRequest, options?: CallOptions): Promise<MoveResponse> {
    // A withService move updates services in Swarm before it answers: allow for that.
    return this.call({ method: "POST", path: movePaths.move(volume), body: request, answer: schemas.moveResponse }, { timeoutMs: 30_000, ...options });
  }

  async getMove(volume: string, options?: CallOptions): Promise<MoveResponse> {
    return this.call({ method: "GET", path: movePaths.move(volume), answer: schemas.moveResponse }, options);
  }
}
