/**
 * The HTTP contract between agents (and the CLI) and the controller. JSON bodies; every
 * request but `GET /v1/health`, `GET /v1/openapi.json` and `GET /metrics` carries `Authorization: Bearer <token>`:
 * an agent its node's own token, an operator the controllers' secret (ADR 0011; which
 * routes take which: api/routes.ts). 401 UNAUTHENTICATED for a missing or bad token, 403
 * PERMISSION_DENIED for a node acting for another node or calling an operator route, or
 * the operator's secret on a node's route.
 * Errors: `{"error":{"code","message"}}` with the status from api/httpStatus.ts; clients
 * rebuild the same domain error from `code`, so a plugin `Err` reads the controller's words.
 *
 * High availability: a controller replica runs on every manager and one leads. A standby
 * answers every route but health and metrics with 503 UNAVAILABLE, the error body's
 * `leader` field and the `X-Swarmvol-Leader` header naming the leader's URL when it knows
 * one; clients then ask that URL (or the next replica) and remember whoever answered.
 *
 * Every type here is inferred from its runtime schema (api/schemas/bodies.ts): the server
 * checks requests and the client (api/client/) parses answers with the same schemas, and
 * `GET /v1/openapi.json` is generated from them (api/openapi.ts).
 */
import type { z } from "zod";
import type * as schemas from "./schemas/bodies.js";

export { defaultEventLimit, maxEventLimit } from "./schemas/bodies.js";

export const apiPaths = {
  health: "/v1/health",
  openapi: "/v1/openapi.json",
  metrics: "/metrics",
  volumes: "/v1/volumes",
  volume: (name: string) => `/v1/volumes/${encodeURIComponent(name)}`,
  formatted: (name: string) => `/v1/volumes/${encodeURIComponent(name)}/formatted`,
  claim: (name: string) => `/v1/volumes/${encodeURIComponent(name)}/claims`,
  release: (name: string) => `/v1/volumes/${encodeURIComponent(name)}/release`,
  wanted: (name: string) => `/v1/volumes/${encodeURIComponent(name)}/wanted`,
  heartbeat: (nodeId: string) => `/v1/nodes/${encodeURIComponent(nodeId)}/heartbeat`,
  fence: (nodeId: string) => `/v1/nodes/${encodeURIComponent(nodeId)}/fence`,
  unfence: (nodeId: string) => `/v1/nodes/${encodeURIComponent(nodeId)}/unfence`,
  nodes: "/v1/nodes",
  events: "/v1/events",
  eventStream: "/v1/events/stream",
} as const;

/** Header (and error-body field `leader`) by which a standby names the leader's URL. */
export const leaderHeader = "X-Swarmvol-Leader";

/** Error body of every non-2xx answer. */
export type ErrorBody = z.infer<typeof schemas.errorBody>;

/**
 * GET /v1/health (no token) → 200 on every replica. `role` is `leader` only once the replica
 * holds the lease and has restored its state; `leader` is the leader's URL when known.
 */
export type HealthResponse = z.infer<typeof schemas.healthResponse>;

/** POST /v1/volumes → 200 {volume}: create or return the matching existing one. */
export type CreateVolumeRequest = z.infer<typeof schemas.createVolumeRequest>;
export type VolumeResponse = z.infer<typeof schemas.volumeResponse>;
/** GET /v1/volumes → {volumes}. DELETE /v1/volumes/{name} → 204 (idempotent). */
export type VolumeListResponse = z.infer<typeof schemas.volumeListResponse>;

/**
 * POST /v1/volumes/{name}/claims {nodeId, waitMs?} → the grant as it stands. A `pending`
 * answer is held up to `waitMs` (the controller caps it at 2 s) and sent as soon as the
 * volume is granted. The agent repeats the call until `granted` or `refused`; each call
 * renews the claim, which lapses 5 s after the last one.
 */
export type ClaimRequest = z.infer<typeof schemas.claimRequest>;
export type ClaimResponse = z.infer<typeof schemas.claimResponse>;

/**
 * POST /v1/volumes/{name}/wanted {nodeId} → {wanted}: whether a Swarm task that is to run
 * on that node needs the volume there. An agent asks before letting a young mount linger.
 */
export type WantedResponse = z.infer<typeof schemas.wantedResponse>;

/** POST /v1/volumes/{name}/release {nodeId}: the last Docker mount of it on that node is gone. */
export type ReleaseRequest = z.infer<typeof schemas.nodeRequest>;
/** POST /v1/volumes/{name}/wanted's body: the same as release's. */
export type WantedRequest = ReleaseRequest;

/**
 * POST /v1/nodes/{nodeId}/heartbeat: renews the node's lease and reports its mounts.
 * The agent must consider its lease lapsed `ttlMs` after it SENT the last successful
 * heartbeat, and then stop the containers using swarmvol volumes and unmount them.
 */
export type HeartbeatRequest = z.infer<typeof schemas.heartbeatRequest>;
/** `revoke`: volumes this node must unmount now: their epoch moved on (a stale holder came back). */
export type HeartbeatResponse = z.infer<typeof schemas.heartbeatResponse>;
/**
 * One volume mounted on the node. `verifiedAt` (device found and verified: a move's t6) and
 * `mountedAt` (filesystem mounted: t7) are the agent's epoch ms, optional (older agents send
 * neither); the controller keeps them within [t5, its receive time], so a skewed agent clock
 * cannot put a phase in the future or before the attach.
 */
export type HeartbeatMount = HeartbeatRequest["mounts"][number];

/**
 * GET /v1/nodes → {nodes}: every node Swarm knows or whose agent reported to the leader;
 * `leaseExpiresAt` is in the leader's epoch ms. POST /v1/nodes/{nodeId}/fence (an operator
 * says the node is down for good: its volumes may be force-detached) and .../unfence → 204.
 */
export type NodeListResponse = z.infer<typeof schemas.nodeListResponse>;

/**
 * GET /v1/events?since=ID&sinceTime=ISO&volume=NAME&limit=N → the leader's event history
 * (core/events.ts), oldest first. With `since` (an event id): the first `limit` events
 * after it, a `stream.gap` marker first when some may be missing (another term, or
 * dropped from the replica's bounded log); with `sinceTime` instead: the first from that
 * time; with neither: the newest `limit`. `limit` 1..1000, default 100. Resume with
 * `since=next`; `more` says the log already holds more. 400 for a bad id, time or name.
 *
 * GET /v1/events/stream (same `since`, `volume`; or the `Last-Event-ID` header) → 200
 * `text/event-stream`: `id:`, `event:` (the type), `data:` (the event's JSON) per event, a
 * `: heartbeat` comment every 15 s, and a last `stream.end` (the replica stopped leading)
 * or `stream.error` (`{"code":"LIMIT_EXCEEDED"}`: the client read too slowly) without an
 * id before the server closes it; reconnect from the last id seen. 429 when too many
 * streams are open. Both need the token and answer only on the leader (503 otherwise).
 */
export type EventListResponse = z.infer<typeof schemas.eventListResponse>;
