/**
 * Client calls of the snapshot routes (api/snapshotContract.ts), over the same replica
 * failover, leader hints and deadlines as the clients they extend: FreezeClient for the
 * agent (its `frozen` call), SnapshotClient for operators (`swarmvol snapshot`, `snapshots`).
 * Answers are parsed with the routes' own schemas (api/schemas/snapshots.ts).
 */
import { randomUUID } from "node:crypto";
import { snapshotPaths, type FrozenRequest, type FrozenResponse, type SnapshotView, type TakeSnapshotRequest } from "../snapshotContract.js";
import * as schemas from "../schemas/snapshots.js";
import { ControllerClient, type CallOptions } from "./apiClient.js";
import { OperatorClient } from "./operatorClient.js";

/** The agent's client: ControllerClient plus `frozen`, which the leader holds open until the capture is done. */
export class FreezeClient extends ControllerClient {
  async frozen(volume: string, request: FrozenRequest, options?: CallOptions): Promise<FrozenResponse> {
    // Held open on purpose: the answer may come after up to the freeze's bound; no replica failover waits.
    const holdMs = options?.timeoutMs ?? 10_000;
    await this.call({ method: "POST", path: snapshotPaths.frozen(volume), body: request, answer: undefined, waitMs: holdMs }, { untilDeadline: false, ...options });
    return { thaw: true };
  }
}

export interface SnapshotApi {
  takeSnapshot(volume: string, options?: CallOptions): Promise<SnapshotView>;
  listSnapshots(volume?: string, options?: CallOptions): Promise<SnapshotView[]>;
  deleteSnapshot(id: string, options?: CallOptions): Promise<void>;
}

/** The operator's client: OperatorClient plus the snapshot routes. */
export class SnapshotClient extends OperatorClient implements SnapshotApi {
  /** One request id for every attempt: a retry at another replica, or after a timeout, takes no second snapshot. */
  async takeSnapshot(volume: string, options?: CallOptions): Promise<SnapshotView> {
    // A freeze waits for the holder's next heartbeat: allow for it beyond the usual 5 s, in every attempt.
    const timeoutMs = options?.timeoutMs ?? 30_000;
    const body: TakeSnapshotRequest = { requestId: randomUUID() };
    const path = snapshotPaths.volumeSnapshots(volume);
    return (await this.call({ method: "POST", path, body, answer: schemas.snapshotResponse, waitMs: timeoutMs }, { ...options, timeoutMs })).snapshot;
  }

  async listSnapshots(volume?: string, options?: CallOptions): Promise<SnapshotView[]> {
    const path = volume === undefined ? snapshotPaths.snapshots : `${snapshotPaths.snapshots}?volume=${encodeURIComponent(volume)}`;
    return (await this.call({ method: "GET", path, answer: schemas.snapshotListResponse }, { timeoutMs: 15_000, ...options })).snapshots;
  }

  async deleteSnapshot(id: string, options?: CallOptions): Promise<void> {
    await this.call({ method: "DELETE", path: snapshotPaths.snapshot(id), answer: undefined }, { timeoutMs: 15_000, ...options });
  }
}
