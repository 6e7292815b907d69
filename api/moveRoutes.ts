import { unavailable } from "../core/errors.js";
import { apiPaths } from "./contract.js";
import { movePaths, type MoveResponse, type MoveView } from "./moveContract.js";
import { route } from "./route.js";
import { volumeParams } from "./schemas/bodies.js";
import * as schemas from "./schemas/moves.js";
import type { Route } from "./server.js";
import { accepted } from "./statusAnswer.js";

/** What the move routes need from the leader's current term (controller/moves/moveService.ts). */
export interface MoveOperations {
  /** Starts the move (service updates made first when asked), or throws the refusal naming the fix. */
  start(volume: string, request: { to: string; withService: boolean }): Promise<MoveView>;
  /** The volume's latest move on this leader; NOT_FOUND when it knows none. */
  get(volume: string): MoveView;
}

/** The answer of both routes: the move and where to follow it. */
export function moveAnswer(move: MoveView): MoveResponse {
  return {
    move,
    progress: { move: movePaths.move(move.volume), volume: apiPaths.volume(move.volume), events: `${apiPaths.eventStream}?volume=${encodeURIComponent(move.volume)}` },
  };
}

/**
 * The routes of api/moveContract.ts, the operator's only (a node's token moves nothing).
 * `ops` is read per request (each term of leadership has its own); undefined means this
 * process moves nothing (UNAVAILABLE).
 */
export function moveRoutes(ops: () => MoveOperations | undefined): Route[] {
  const current = (): MoveOperations => {
    const found = ops();
    if (!found) throw unavailable("this swarmvol process moves no volumes: moves are made by `swarmvol controller`");
    return found;
  };
  return [
    route({
      method: "POST", path: "/v1/volumes/{name}/move", access: "operator", summary: "Move the volume to a node (202; 409 naming the fix when a task uses it elsewhere)",
      params: volumeParams, body: schemas.moveRequest, answer: { status: 202, schema: schemas.moveResponse, description: "the move started; follow it at Location" },
      handle: async ({ params, body }) => {
        const move = await current().start(params.name, { to: body.to, withService: body.withService ?? false });
        return accepted(moveAnswer(move), movePaths.move(params.name));
      },
    }),
    route({
      method: "GET", path: "/v1/volumes/{name}/move", access: "operator", summary: "The volume's latest move and its state (404 when the leader knows none; 503 while a new leader restores it)",
      params: volumeParams, answer: { status: 200, schema: schemas.moveResponse, description: "the move" },
      handle: ({ params }): MoveResponse => moveAnswer(current().get(params.name)),
    }),
  ];
}
