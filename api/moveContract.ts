/**
 * The move half of the HTTP contract (api/contract.ts holds the rest; ADR 0023). Same
 * authentication, errors and leadership as api/contract.ts; both routes are the operator's.
 *
 * POST /v1/volumes/{name}/move {to, withService?} → 202 {move, progress}, `Location` the
 *   move's URL: the controller wants the volume on `to` (a node id or hostname) until a
 *   workload takes over there or elsewhere, or for at most its hold (10 min by default),
 *   and moves it as it moves any volume (release or fence, detach, attach, grant).
 *   Refusals name the fix: 404 an unknown volume or node; 409 CONFLICT a node fenced,
 *   lapsed, down or without an agent, an EBS volume's other zone, or a volume a Swarm task
 *   uses on another node (the body names the `docker service update` that moves the
 *   service, or `withService: true`, which makes that update itself: the service's node pins
 *   replaced by node.hostname==TARGET, compare-and-swap on its version); 409 IN_USE a
 *   volume a plain container (docker run) mounts elsewhere. Asking again replaces the
 *   move (the same target: the same effect).
 * GET /v1/volumes/{name}/move → 200 {move, progress}: the latest move of the volume and its
 *   state (moving, arrived, mounted, abandoned with why); 404 when the leader knows none
 *   (none asked for, or ended more than 10 minutes ago). A move outlives its leader: the
 *   hold is in Swarm's store before the 202, and a new leader restores it (503 meanwhile).
 */
import type { z } from "zod";
import type * as schemas from "./schemas/moves.js";

export const movePaths = {
  move: (name: string) => `/v1/volumes/${encodeURIComponent(name)}/move`,
} as const;

export type MoveRequest = z.input<typeof schemas.moveRequest>;
export type MoveView = z.output<typeof schemas.moveView>;
export type MoveResponse = z.output<typeof schemas.moveResponse>;
