/**
 * The snapshot half of the HTTP contract (api/contract.ts holds the rest): operators take,
 * list and delete snapshots; the agent that mounts a volume freezes its filesystem for the
 * instant of the capture. Same authentication, errors and leadership as api/contract.ts.
 *
 * POST /v1/volumes/{name}/snapshots (operator) {requestId?} → 200 {snapshot}: a snapshot of the
 *   volume now, tagged `reason: manual`. While a node mounts it, that node's agent freezes
 *   the filesystem first (ADR 0020); `frozen` says whether it did. The snapshot is usually
 *   `pending` when answered: the data is captured, the copy goes on in the cloud. 404 for
 *   an unknown volume, 409 CONFLICT for one that has no cloud volume yet (never mounted).
 *   The same `requestId` again (a client's retry) answers the snapshot it already took.
 * GET /v1/snapshots?volume=NAME (operator) → 200 {snapshots}: swarmvol's snapshots, oldest
 *   first; of volumes of that name only when `volume` is given (a removed volume's final
 *   snapshot too).
 * DELETE /v1/snapshots/{id} (operator) → 204, idempotent; 404 for a snapshot that is not
 *   swarmvol's, 409 IN_USE when the cloud refuses (an image is registered from it).
 *
 * The freeze, through the agent's own channel (its node token):
 * - the heartbeat answer (HeartbeatResponse.freeze) asks the node to freeze a volume it
 *   mounts: {volume, id, maxMs};
 * - the agent freezes, arms a timer that thaws after `maxMs` whatever happens, and calls
 *   POST /v1/volumes/{name}/frozen {nodeId, id, frozen, error?}; the leader answers it
 *   once the capture is done (or failed, or at most `maxMs` later) with {thaw: true}, and
 *   the agent thaws when that answer (or any failure of the call) comes. An id the leader
 *   does not know (another term's, or one it gave up on) is answered at once.
 */

import type { z } from "zod";
import type * as schemas from "./schemas/snapshots.js";

export const snapshotPaths = {
  volumeSnapshots: (name: string) => `/v1/volumes/${encodeURIComponent(name)}/snapshots`,
  snapshots: "/v1/snapshots",
  snapshot: (id: string) => `/v1/snapshots/${encodeURIComponent(id)}`,
  frozen: (name: string) => `/v1/volumes/${encodeURIComponent(name)}/frozen`,
} as const;

/**
 * A snapshot as the API shows it (core/snapshots.ts): the cloud's facts (id, volumeId,
 * state, progress, startedAt, sizeBytes) and swarmvol's tags, read: the volume's name,
 * uid and epoch when it was taken, `reason` (manual, schedule, final, clone), `frozen`
 * (whether the holder's filesystem was frozen for the capture; false: not mounted, or the
 * freeze failed), and for scheduled ones `schedule` and `slot` (RFC 3339).
 */
export type SnapshotView = z.output<typeof schemas.snapshotView>;
/** `requestId`: 1-64 of [A-Za-z0-9-]; the client's retries of one request send the same. */
export type TakeSnapshotRequest = z.input<typeof schemas.takeSnapshotRequest>;
export type SnapshotResponse = z.output<typeof schemas.snapshotResponse>;
export type SnapshotListResponse = z.output<typeof schemas.snapshotListResponse>;
/** One freeze the leader asks of a node in its heartbeat answer; `maxMs`: the agent thaws after this long whatever happens. */
export type FreezeRequest = z.output<typeof schemas.freezeRequest>;
/** POST /v1/volumes/{name}/frozen: the agent froze (`frozen`), or could not (`error`). */
export type FrozenRequest = z.output<typeof schemas.frozenRequest>;
export type FrozenResponse = z.output<typeof schemas.frozenResponse>;
