import { clipped, invalidArgument, quoted, unavailable } from "../core/errors.js";
import { route } from "./route.js";
import { volumeParams } from "./schemas/bodies.js";
import * as schemas from "./schemas/snapshots.js";
import type { Route, RouteRequest } from "./server.js";
import type { FrozenRequest, FrozenResponse, SnapshotView } from "./snapshotContract.js";

/** What the snapshot routes need from the leader's current term (controller/snapshots/). */
export interface SnapshotOperations {
  /** `requestId`: the client's, so its retries take one snapshot. */
  take(volume: string, requestId: string | undefined): Promise<SnapshotView>;
  list(volume: string | undefined): Promise<SnapshotView[]>;
  remove(snapshotId: string): Promise<void>;
  /** The agent's `frozen` call, held until the capture is done. */
  frozen(nodeId: string, volume: string, body: FrozenRequest): Promise<FrozenResponse>;
}

const forNode = (request: RouteRequest) => request.body.nodeId;

/**
 * The routes of api/snapshotContract.ts: take, list and delete are the operator's; `frozen`
 * is the agent's, for the node its token names. `ops` is read per request (each term of
 * leadership has its own); undefined means this controller takes no snapshots (UNAVAILABLE).
 */
export function snapshotRoutes(ops: () => SnapshotOperations | undefined): Route[] {
  const current = (): SnapshotOperations => {
    const found = ops();
    if (!found) throw unavailable("this controller has no snapshot backend (the EBS backend takes snapshots)");
    return found;
  };
  return [
    route({
      method: "POST", path: "/v1/volumes/{name}/snapshots", access: "operator", summary: "Take a snapshot of the volume now (its holder freezes the filesystem first)",
      params: volumeParams, body: schemas.takeSnapshotRequest, answer: { status: 200, schema: schemas.snapshotResponse, description: "the snapshot, usually still pending" },
      handle: async ({ params, body }) => ({ snapshot: await current().take(params.name, body.requestId) }),
    }),
    route({
      method: "GET", path: "/v1/snapshots", access: "operator", summary: "swarmvol's snapshots, oldest first; of one volume name with ?volume=",
      query: schemas.snapshotListQuery, answer: { status: 200, schema: schemas.snapshotListResponse, description: "the snapshots" },
      handle: async ({ query }) => ({ snapshots: await current().list(query.volume) }),
    }),
    route({
      method: "DELETE", path: "/v1/snapshots/{id}", access: "operator", summary: "Delete a swarmvol snapshot (idempotent; 409 IN_USE when the cloud refuses)",
      params: schemas.snapshotParams, answer: { status: 204, description: "deleted, or there was none" },
      handle: ({ params }) => current().remove(params.id),
    }),
    route({
      method: "POST", path: "/v1/volumes/{name}/frozen", access: "node", nodeOf: forNode, summary: "The holder froze the volume (or could not); answered when the capture is done",
      params: volumeParams, body: schemas.frozenRequest, answer: { status: 200, schema: schemas.frozenResponse, description: "thaw now" },
      handle: ({ params, body }) => current().frozen(body.nodeId, params.name, body),
    }),
  ];
}

/** The id checked as the routes check it, for the CLI to refuse a bad one before any call. */
export function checkSnapshotId(id: string): string {
  if (!schemas.snapshotId.safeParse(id).success) throw invalidArgument(`invalid snapshot id ${quoted(id)}: give one like snap-0123456789abcdef0 (\`swarmvol snapshots\` lists them)`, { snapshotId: clipped(id) });
  return id;
}
