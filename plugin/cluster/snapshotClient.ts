/**
 * Client calls of the snapshot routes (api/snapshotContract.ts), over the same replica
 * failover, leader hints and deadlines as the clients they extend: FreezeClient for the
 * agent (its `frozen` call), SnapshotClient for operators (`swarmvol snapshot`, `snapshots`).
 */
import { randomUUID } from "node:crypto";
import { snapshotPaths, type FrozenRequest, type FrozenResponse, type SnapshotListResponse, type SnapshotResponse, type SnapshotView, type TakeSnapshotRequest } from "../../api/snapshotContract.js";
import { malformedAnswer } from "./answers.js";
import { ControllerClient, type CallOptions } from "./apiClient.js";
import type { FreezeApi } from "./freezer.js";
import { OperatorClient } from "./operatorClient.js";

/** The agent's client: ControllerClient plus `frozen`, which the leader holds open until the capture is done. */
export class FreezeClient extends ControllerClient implements FreezeApi {
  async frozen(volume: string, request: FrozenRequest, options?: CallOptions): Promise<FrozenResponse> {
    // Held open on purpose: the answer may come after up to the freeze's bound; no replica failover waits.
    const holdMs = options?.timeoutMs ?? 10_000;
    await this.call("POST", snapshotPaths.frozen(volume), request, { untilDeadline: false, ...options }, true, holdMs);
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
    const path = snapshotPaths.volumeSnapshots(volume);
    // A freeze waits for the holder's next heartbeat: allow for it beyond the usual 5 s, in every attempt.
    const timeoutMs = options?.timeoutMs ?? 30_000;
    const body: TakeSnapshotRequest = { requestId: randomUUID() };
    const answer = (await this.call("POST", path, body, { ...options, timeoutMs }, true, timeoutMs)) as Partial<SnapshotResponse> | undefined;
    if (typeof answer?.snapshot?.id !== "string") throw malformedAnswer(path, "no snapshot", this.baseUrl);
    return answer.snapshot;
  }

  async listSnapshots(volume?: string, options?: CallOptions): Promise<SnapshotView[]> {
    const path = volume === undefined ? snapshotPaths.snapshots : `${snapshotPaths.snapshots}?volume=${encodeURIComponent(volume)}`;
    const answer = (await this.call("GET", path, undefined, { timeoutMs: 15_000, ...options })) as Partial<SnapshotListResponse> | undefined;
    if (!Array.isArray(answer?.snapshots)) throw malformedAnswer(snapshotPaths.snapshots, "no snapshots array", this.baseUrl);
    return answer.snapshots;
  }

  async deleteSnapshot(id: string, options?: CallOptions): Promise<void> {
    await this.call("DELETE", snapshotPaths.snapshot(id), undefined, { timeoutMs: 15_000, ...options });
  }
}
