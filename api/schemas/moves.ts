/**
 * The schemas of an operator's move (api/moveContract.ts): the request is read strictly
 * (a wrong field is a 400 naming it), answers tolerantly like every answer (records.ts).
 */
import { z } from "zod";
import type { MoveState } from "../../core/moves.js";
import { expects, known, text } from "./fields.js";
import { moveTimeline, volumeCondition } from "./records.js";

export const moveRequest = z.object({
  to: text('a node id or hostname, like "node2"').max(128, { error: "must be at most 128 characters (a Swarm node id or hostname)" })
    .meta({ description: "The target: a Swarm node id, or a hostname exactly one node has." }),
  withService: z.boolean(expects("true or false")).optional()
    .meta({ description: "When a Swarm task uses the volume on another node: re-pin its service to the target (node.hostname==TARGET) and follow the task. Without it such a move is refused (409) naming the docker service update to run." }),
}).meta({ examples: [{ to: "node2" }, { to: "node2", withService: true }] });

const moveStates = ["moving", "arrived", "mounted", "abandoned"] as const satisfies readonly MoveState[];

export const serviceChange = z.object({
  id: z.string(),
  name: z.string(),
  added: z.string().optional().meta({ description: "The pin added, like node.hostname==node2; absent when the service was pinned there already." }),
  removed: z.array(z.string()).meta({ description: "Pins to other nodes taken out." }),
});

export const moveView = z.object({
  id: z.string(),
  volume: z.string(),
  fromNode: z.string().optional().meta({ description: "The holder when the move was asked for." }),
  toNode: z.string(),
  toHostname: z.string(),
  requestedAt: z.string(),
  holdUntil: z.string().meta({ description: "Until when the controller keeps wanting the volume on the target, unless a workload takes over first." }),
  withService: z.boolean(),
  services: z.array(serviceChange),
  state: known(moveStates).meta({ description: "moving; arrived (it reached the target: attached and granted there); mounted (its agent mounts it there); abandoned (the move ended before it arrived: see ended)" }),
  arrivedAt: z.string().optional().meta({ description: "When the volume reached the target; kept with the move, so it still answers after the hold ends or the leader changes." }),
  ended: z.object({ reason: known(["taken-over", "superseded", "lapsed", "replaced"]), at: z.string(), message: z.string() }).optional(),
  epoch: z.number(),
  grantedTo: z.string().optional().meta({ description: "The node the volume is granted to now." }),
  condition: volumeCondition.optional(),
  lastMove: moveTimeline.optional(),
}).meta({ description: "An operator's move (core/moves.ts MoveHold) and where the volume stands." });

export const moveResponse = z.object({
  move: moveView,
  progress: z.object({
    move: z.string().meta({ description: "GET it for this move's state." }),
    volume: z.string(),
    events: z.string().meta({ description: "The volume's live events (server-sent events)." }),
  }),
}).meta({
  examples: [{
    move: {
      id: "3f1c2b7a", volume: "jenkins_home", fromNode: "a1b2c3", toNode: "x7k2m9", toHostname: "node2", requestedAt: "2026-11-22T10:05:00.000Z",
      holdUntil: "2026-11-22T10:15:00.000Z", withService: false, services: [], state: "moving", epoch: 3, grantedTo: "a1b2c3",
    },
    progress: { move: "/v1/volumes/jenkins_home/move", volume: "/v1/volumes/jenkins_home", events: "/v1/events/stream?volume=jenkins_home" },
  }],
});
