/**
 * Scheduled snapshots and their retention, run by the leader's current term only (each
 * term builds its own scheduler and stops it when leadership ends).
 *
 * Nothing about a schedule is remembered but the cloud's tags: every minute (a node-cron
 * tick), each volume's latest slot is derived from its `snapshotSchedule` and the clock
 * (core/cron.ts), and the slot is taken unless a snapshot with the slot's key already
 * exists. So a restart or a new leader takes a slot it finds missed, once, if that slot is
 * younger than one period of the schedule (an older one is given up: the next slot comes
 * sooner than it would help), and never takes a slot twice: the key is derived from the
 * volume's uid and the slot's time, checked before the take and again inside it
 * (storage/ebs/snapshots.ts). After each slot, the oldest snapshots of that schedule beyond
 * `snapshotRetain` are deleted; manual, final and clone snapshots are never counted.
 */
import { cloudTags, snapshotTags, type CloudSnapshot, type CloudSnapshots } from "../../core/cloud.js";
import { periodAt, previousSlot, type CronSchedule } from "../../core/cron.js";
import { isSwarmvolError } from "../../core/errors.js";
import type { Catalog, Clock, Logger } from "../../core/ports.js";
import { parseSnapshotPolicy } from "../../core/snapshotPolicy.js";
import { snapshotKey } from "../../core/snapshots.js";
import type { VolumeRecord } from "../../core/volume.js";
import type { ScheduledJob, Scheduler } from "../informer/scheduler.js";
import type { SnapshotService } from "./snapshotService.js";

export interface SnapshotSchedulerDeps {
  catalog: Pick<Catalog, "list">;
  service: Pick<SnapshotService, "take" | "remove">;
  snapshots: Pick<CloudSnapshots, "listSnapshots">;
  /** node-cron, or a fake: ticks every minute. */
  cron: Scheduler;
  /** Wall-clock time: slots are UTC minutes. */
  clock: Pick<Clock, "now">;
  logger: Logger;
}

/** A tick a little early (timer jitter) still counts for the minute it was meant for. */
const earlyToleranceMs = 2000;

/** The slot a schedule is due for at `now`, or undefined: none yet, before the volume existed, or missed by more than a period. */
export function dueSlot(schedule: CronSchedule, createdAt: number, now: number, handled: number | undefined): number | undefined {
  const slot = previousSlot(schedule, now + earlyToleranceMs);
  if (slot === undefined || slot < createdAt || slot === handled) return undefined;
  const period = periodAt(schedule, slot) ?? Number.POSITIVE_INFINITY;
  return now - slot < period ? slot : undefined;
}

export class SnapshotScheduler {
  private job: ScheduledJob | undefined;
  /** The slot each volume (by uid) was last handled for in this term. */
  private readonly handled = new Map<string, number>();
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly deps: SnapshotSchedulerDeps) {}

  /** Ticks every minute from now on, and at once: a new leader catches up without waiting a minute. */
  start(): void {
    this.job = this.deps.cron.schedule("* * * * *", () => void this.tick());
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.job?.stop();
    await Promise.allSettled([...this.running.values()]);
  }

  /** One pass over every scheduled volume; resolves when the slots it started are done. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    const work: Array<Promise<void>> = [];
    for (const record of this.deps.catalog.list()) {
      if (this.running.has(record.uid)) continue;
      const schedule = this.scheduleOf(record);
      if (!schedule) continue;
      const slot = dueSlot(schedule.cron, Date.parse(record.createdAt) || 0, now, this.handled.get(record.uid));
      if (slot === undefined) continue;
      const run = this.runSlot(record, schedule.cron, schedule.retain, slot).finally(() => this.running.delete(record.uid));
      this.running.set(record.uid, run);
      work.push(run);
    }
    await Promise.all(work);
  }

  private scheduleOf(record: VolumeRecord): { cron: CronSchedule; retain: number } | undefined {
    if (record.status.phase !== "ready" || record.spec.options.snapshotSchedule === undefined) return undefined;
    try {
      const policy = parseSnapshotPolicy(record.spec.options);
      return policy.schedule ? { cron: policy.schedule, retain: policy.retain } : undefined;
    } catch {
      return undefined;
    }
  }

  private async runSlot(record: VolumeRecord, schedule: CronSchedule, retain: number, slot: number): Promise<void> {
    const name = record.spec.name;
    const slotTime = new Date(slot).toISOString();
    const log = this.deps.logger;
    if (record.status.backendId === undefined) {
      log.debug({ volume: name, slot: slotTime }, "scheduled snapshot skipped: the volume has no cloud volume yet");
      this.handled.set(record.uid, slot);
      return;
    }
    try {
      const key = snapshotKey(record.uid, `slot:${slotTime}`);
      const ofSchedule = (await this.deps.snapshots.listSnapshots({ uid: record.uid }))
        .filter((s) => s.tags[snapshotTags.reason] === "schedule" && s.tags[snapshotTags.schedule] === schedule.expression && s.tags[cloudTags.uid] === record.uid);
      const kept = ofSchedule.map((s) => ({ id: s.id, slot: s.tags[snapshotTags.slot] ?? s.startedAt }));
      if (!ofSchedule.some((s: CloudSnapshot) => s.tags[snapshotTags.key] === key)) {
        if (this.stopped) return;
        const taken = await this.deps.service.take(name, { reason: "schedule", key, tags: { [snapshotTags.schedule]: schedule.expression, [snapshotTags.slot]: slotTime } });
        kept.push({ id: taken.id, slot: slotTime });
        log.info({ volume: name, slot: slotTime, snapshotId: taken.id, frozen: taken.frozen }, "scheduled snapshot taken");
      }
      this.handled.set(record.uid, slot);
      await this.prune(name, kept, retain);
    } catch (err) {
      const level = isSwarmvolError(err, "UNAVAILABLE") ? "debug" : "warn";
      log[level]({ volume: name, slot: slotTime, err: (err as Error).message }, "scheduled snapshot failed; tried again at the next tick");
    }
  }

  /** Deletes the oldest of the schedule's snapshots beyond `retain` (by slot, then id). */
  private async prune(name: string, kept: Array<{ id: string; slot: string }>, retain: number): Promise<void> {
    const unique = [...new Map(kept.map((entry) => [entry.id, entry])).values()].sort((a, b) => a.slot.localeCompare(b.slot) || a.id.localeCompare(b.id));
    for (const old of unique.slice(0, Math.max(0, unique.length - retain))) {
      try {
        await this.deps.service.remove(old.id, "retention");
      } catch (err) {
        this.deps.logger.warn({ volume: name, snapshotId: old.id, err: (err as Error).message }, "retention could not delete a snapshot; tried again after the next slot");
      }
    }
  }
}
