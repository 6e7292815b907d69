/**
 * CloudSnapshots on EBS: CreateSnapshot, DescribeSnapshots, DeleteSnapshot.
 *
 * CreateSnapshot is the one EC2 mutation swarmvol sends that takes no ClientToken, so its
 * idempotency is made here: the request carries a `swarmvol/key` tag (derived by the
 * caller from what makes the snapshot unique), every attempt first asks DescribeSnapshots
 * for that key, and the create itself is sent once per attempt (never through the retry
 * layer, which would repeat a request whose answer was lost after it was applied). Two
 * snapshots of one key can still happen when DescribeSnapshots lags behind a lost answer;
 * the next create of that key keeps the oldest and deletes the others.
 */
import {
  CreateSnapshotCommand, DeleteSnapshotCommand, DescribeSnapshotsCommand,
  type CreateSnapshotCommandOutput, type DescribeSnapshotsCommandOutput, type Filter, type Snapshot,
} from "@aws-sdk/client-ec2";
import {
  cloudTags, snapshotTags, type CloudSnapshot, type CloudSnapshots, type CloudSnapshotState, type CreateCloudSnapshot, type SnapshotQuery,
} from "../../core/cloud.js";
import { internal, isSwarmvolError, notFound, timeout } from "../../core/errors.js";
import type { Clock, Logger } from "../../core/ports.js";
import { pages } from "./describe.js";
import { jitteredDelay, type Ec2Caller, type RetryPolicy } from "./ec2Api.js";
import { GiB } from "./options.js";
import { pollUntil } from "./waiters.js";

export interface EbsSnapshotsDeps {
  caller: Ec2Caller;
  clock: Clock;
  logger: Logger;
  /** Attempts of a create whose answer failed (each preceded by a describe of its key). */
  retry: RetryPolicy;
  random: () => number;
}

const states = new Set<CloudSnapshotState>(["pending", "completed", "error"]);
/** DescribeSnapshots' page ceiling. */
const pageSize = 1000;
/** A snapshot takes seconds to minutes: probing its state every second or five is plenty. */
const completionPoll = { initialMs: 1000, maxMs: 5000 };

/** An SDK Snapshot in swarmvol's terms. */
export function toCloudSnapshot(s: Snapshot): CloudSnapshot {
  const tags: Record<string, string> = {};
  for (const tag of s.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? "";
  const state = s.State as CloudSnapshotState | undefined;
  return {
    id: s.SnapshotId ?? "",
    volumeId: s.VolumeId ?? "",
    state: state !== undefined && states.has(state) ? state : "error",
    progress: s.Progress ?? "",
    startedAt: (s.StartTime ?? new Date(0)).toISOString(),
    sizeBytes: (s.VolumeSize ?? 0) * GiB,
    description: s.Description ?? "",
    tags,
  };
}

/** Oldest first; ties broken by id so every replica sorts alike. */
function byAge(a: CloudSnapshot, b: CloudSnapshot): number {
  return a.startedAt === b.startedAt ? a.id.localeCompare(b.id) : a.startedAt.localeCompare(b.startedAt);
}

const isSwarmvols = (snapshot: CloudSnapshot) => (snapshot.tags[cloudTags.uid] ?? "") !== "";

export class EbsSnapshots implements CloudSnapshots {
  constructor(private readonly deps: EbsSnapshotsDeps) {}

  async createSnapshot(request: CreateCloudSnapshot): Promise<CloudSnapshot> {
    const { caller, clock, logger, retry, random } = this.deps;
    const tags: Record<string, string> = { ...request.tags, [snapshotTags.key]: request.key };
    for (let attempt = 1; ; attempt += 1) {
      const found = await this.byKey(request.key);
      if (found !== undefined) return found;
      if (request.until !== undefined && clock.now() >= request.until) {
        throw timeout(`EBS snapshot of ${request.volumeId} not sent before its deadline (the freeze window ended)`, { volumeId: request.volumeId, until: request.until });
      }
      try {
        const out = await caller.call<CreateSnapshotCommandOutput>(new CreateSnapshotCommand({
          VolumeId: request.volumeId, Description: request.description,
          TagSpecifications: [{ ResourceType: "snapshot", Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }],
        }), { volumeId: request.volumeId }, { retries: 0 });
        const created = toCloudSnapshot(out);
        logger.info({ snapshotId: created.id, volumeId: request.volumeId, reason: tags[snapshotTags.reason] }, "ebs snapshot created");
        return created;
      } catch (err) {
        // Only a failure that may not have happened is asked about and tried again.
        if (!isSwarmvolError(err, "UNAVAILABLE") || attempt > retry.retries) throw err;
        await clock.sleep(jitteredDelay(attempt, retry, random));
      }
    }
  }

  /** The snapshot of `key`, the oldest if a lost answer made two (the others are deleted). */
  private async byKey(key: string): Promise<CloudSnapshot | undefined> {
    const found = (await this.describe([{ Name: `tag:${snapshotTags.key}`, Values: [key] }])).sort(byAge);
    for (const extra of found.slice(1)) {
      this.deps.logger.warn({ key, kept: found[0]?.id, snapshotId: extra.id }, "duplicate snapshot of one key; deleting it");
      await this.deleteSnapshot(extra.id).catch((err: unknown) => {
        this.deps.logger.warn({ snapshotId: extra.id, err: (err as Error).message }, "could not delete a duplicate snapshot");
      });
    }
    return found[0];
  }

  async listSnapshots(query: SnapshotQuery): Promise<CloudSnapshot[]> {
    const filters: Filter[] = [{ Name: "tag-key", Values: [cloudTags.uid] }];
    if (query.name !== undefined) filters.push({ Name: `tag:${cloudTags.name}`, Values: [query.name] });
    if (query.uid !== undefined) filters.push({ Name: `tag:${cloudTags.uid}`, Values: [query.uid] });
    return (await this.describe(filters)).sort(byAge);
  }

  async getSnapshot(id: string): Promise<CloudSnapshot | undefined> {
    const snapshot = await this.anySnapshot(id);
    return snapshot !== undefined && isSwarmvols(snapshot) ? snapshot : undefined;
  }

  async deleteSnapshot(id: string): Promise<void> {
    try {
      await this.deps.caller.call(new DeleteSnapshotCommand({ SnapshotId: id }), { snapshotId: id });
    } catch (err) {
      if (isSwarmvolError(err, "NOT_FOUND")) return;
      throw err;
    }
    this.deps.logger.info({ snapshotId: id }, "ebs snapshot deleted");
  }

  /** Any snapshot, swarmvol's or not (a restore may name one made elsewhere). */
  async waitCompleted(id: string, timeoutMs: number): Promise<CloudSnapshot> {
    const probe = async () => {
      const snapshot = await this.anySnapshot(id);
      if (snapshot === undefined) throw notFound(`EBS snapshot ${id} does not exist (or was deleted while it was waited for)`, { snapshotId: id });
      if (snapshot.state === "error") throw internal(`EBS snapshot ${id} failed (state error); take another snapshot`, { snapshotId: id });
      return snapshot.state === "completed" ? snapshot : undefined;
    };
    const first = await probe();
    if (first !== undefined) return first;
    const done = await pollUntil(this.deps.clock, { ...completionPoll, timeoutMs }, probe);
    if (done === undefined) throw timeout(`EBS snapshot ${id} not completed after ${timeoutMs} ms; it will be waited for again`, { snapshotId: id });
    return done;
  }

  private async anySnapshot(id: string): Promise<CloudSnapshot | undefined> {
    try {
      const out = await this.deps.caller.call<DescribeSnapshotsCommandOutput>(new DescribeSnapshotsCommand({ SnapshotIds: [id] }), { snapshotId: id });
      const found = out.Snapshots?.[0];
      return found === undefined ? undefined : toCloudSnapshot(found);
    } catch (err) {
      if (isSwarmvolError(err, "NOT_FOUND")) return undefined;
      throw err;
    }
  }

  private async describe(filters: Filter[]): Promise<CloudSnapshot[]> {
    const found = await pages(async (token) => {
      const out = await this.deps.caller.call<DescribeSnapshotsCommandOutput>(new DescribeSnapshotsCommand({
        OwnerIds: ["self"], Filters: filters, MaxResults: pageSize, NextToken: token,
      }));
      return { items: out.Snapshots ?? [], next: out.NextToken };
    });
    return found.map(toCloudSnapshot);
  }
}
