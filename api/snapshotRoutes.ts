import { clipped, invalidArgument, quoted, unavailable } from "../core/errors.js";
import { checkNodeId } from "../core/identity.js";
import { validateVolumeName } from "../core/volume.js";
import type { Route, RouteRequest } from "./server.js";
import type { FrozenRequest, FrozenResponse, SnapshotListResponse, SnapshotResponse, SnapshotView } from "./snapshotContract.js";

/** What the snapshot routes need from the leader's current term (controller/snapshots/). */
export interface SnapshotOperations {
  /** `requestId`: the client's, so its retries take one snapshot. */
  take(volume: string, requestId: string | undefined): Promise<SnapshotView>;
  list(volume: string | undefined): Promise<SnapshotView[]>;
  remove(snapshotId: string): Promise<void>;
  /** The agent's `frozen` call, held until the capture is done. */
  frozen(nodeId: string, volume: string, body: FrozenRequest): Promise<FrozenResponse>;
}

const name = "([^/]+)";
const snapshotIdPattern = /^snap-[0-9a-f]{8,17}$/;

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
    {
      method: "POST", pattern: new RegExp(`^/v1/volumes/${name}/snapshots$`), access: "operator",
      handle: async ({ params: [volume = ""], body }): Promise<SnapshotResponse> => ({ snapshot: await current().take(validateVolumeName(volume), requestIdOf(body.requestId)) }),
    },
    {
      method: "GET", pattern: /^\/v1\/snapshots$/, access: "operator", handle: async ({ query }): Promise<SnapshotListResponse> => {
        const volume = query.get("volume");
        return { snapshots: await current().list(volume === null || volume === "" ? undefined : validateVolumeName(volume)) };
      },
    },
    {
      method: "DELETE", pattern: /^\/v1\/snapshots\/([^/]+)$/, access: "operator",
      handle: async ({ params: [id = ""] }) => current().remove(checkSnapshotId(id)),
    },
    {
      method: "POST", pattern: new RegExp(`^/v1/volumes/${name}/frozen$`), access: "node", nodeOf: (request: RouteRequest) => request.body.nodeId,
      handle: ({ params: [volume = ""], body }) => current().frozen(checkNodeId(body.nodeId, "nodeId"), validateVolumeName(volume), frozenOf(body)),
    },
  ];
}

export function checkSnapshotId(id: string): string {
  if (!snapshotIdPattern.test(id)) throw invalidArgument(`invalid snapshot id ${quoted(id)}: give one like snap-0123456789abcdef0 (\`swarmvol snapshots\` lists them)`, { snapshotId: clipped(id) });
  return id;
}

function requestIdOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^[A-Za-z0-9-]{1,64}$/.test(value)) throw invalidArgument(`field "requestId" must be 1-64 letters, digits or dashes (a UUID)`);
  return value;
}

function frozenOf(body: Record<string, unknown>): FrozenRequest {
  if (typeof body.id !== "string" || body.id === "" || body.id.length > 128) throw invalidArgument(`field "id" must be the freeze's id from the heartbeat answer`);
  if (typeof body.frozen !== "boolean") throw invalidArgument(`field "frozen" must be true or false`);
  const error = typeof body.error === "string" ? body.error.slice(0, 500) : undefined;
  return { nodeId: String(body.nodeId), id: body.id, frozen: body.frozen, ...(error === undefined ? {} : { error }) };
}
