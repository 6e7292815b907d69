/**
 * Pure pieces of swarmvol's snapshots: the idempotency key a snapshot is known by (EC2's
 * CreateSnapshot takes no ClientToken, so the key travels as a tag), and the tags read
 * back into what the API shows.
 */
import { createHash } from "node:crypto";
import { cloudTags, snapshotTags, type CloudSnapshot } from "./cloud.js";

/**
 * The key of one snapshot: the same volume uid and purpose always give the same key, so a
 * retry (after a crash, a lost answer, a change of leader) finds the snapshot made before.
 * Purposes: `slot:<ISO time>` (a schedule's slot), `final`, `clone:<uid of the clone>`,
 * `manual:<request id>`.
 *
 * @example snapshotKey("4f1c…", "slot:2026-11-23T03:00:00.000Z")
 */
export function snapshotKey(uid: string, purpose: string): string {
  return createHash("sha256").update(`${uid}:snapshot:${purpose}`).digest("hex").slice(0, 40);
}

/** What the API shows of a snapshot (api/snapshotContract.ts SnapshotView). */
export interface SnapshotFacts {
  id: string;
  volume: string;
  volumeUid: string;
  volumeId: string;
  state: CloudSnapshot["state"];
  progress: string;
  startedAt: string;
  sizeBytes: number;
  reason: string;
  frozen: boolean;
  epoch: number;
  schedule?: string;
  slot?: string;
}

export function snapshotFacts(snapshot: CloudSnapshot): SnapshotFacts {
  const tags = snapshot.tags;
  const epoch = Number(tags[cloudTags.epoch] ?? "0");
  const schedule = tags[snapshotTags.schedule];
  const slot = tags[snapshotTags.slot];
  return {
    id: snapshot.id, volume: tags[cloudTags.name] ?? "", volumeUid: tags[cloudTags.uid] ?? "", volumeId: snapshot.volumeId,
    state: snapshot.state, progress: snapshot.progress, startedAt: snapshot.startedAt, sizeBytes: snapshot.sizeBytes,
    reason: tags[snapshotTags.reason] ?? "", frozen: tags[snapshotTags.frozen] === "true", epoch: Number.isFinite(epoch) ? epoch : 0,
    ...(schedule === undefined ? {} : { schedule }), ...(slot === undefined ? {} : { slot }),
  };
}
