/**
 * A volume's data-protection options, from `-o` at create (pure; INVALID_ARGUMENT naming
 * the fix): a snapshot schedule and how many of its snapshots to keep, what `docker volume
 * rm` does to the cloud volume, and the volume a new one is cloned from.
 */
import { clipped, invalidArgument, quoted } from "./errors.js";
import { parseCron, type CronSchedule } from "./cron.js";
import { validateVolumeName } from "./volume.js";

/** What removing the volume does: delete the cloud volume, snapshot it first (the default), or keep it and only forget it. */
export type OnRemove = "delete" | "snapshot" | "retain";
export const onRemoveValues: readonly OnRemove[] = ["delete", "snapshot", "retain"];

export interface SnapshotPolicy {
  schedule?: CronSchedule;
  /** Scheduled snapshots kept per volume; older ones of that schedule are deleted. */
  retain: number;
  onRemove: OnRemove;
  /** Clone: a fresh snapshot of this volume is the new one's content. */
  from?: string;
}

export const defaultRetain = 7;
export const maxRetain = 1000;

/** The options the policy reads, as `-o` names them; backends list them among their own. */
export const snapshotOptionHelp = [
  { name: "snapshotSchedule", help: "cron expression in UTC (minute hour day-of-month month day-of-week), like \"0 3 * * *\": the leader snapshots the volume at every slot" },
  { name: "snapshotRetain", help: `scheduled snapshots kept (1-${maxRetain}, default ${defaultRetain}); older ones of the schedule are deleted` },
  { name: "onRemove", help: "what docker volume rm does: snapshot (default: a final snapshot, then delete), delete, or retain (keep the cloud volume, forget it)" },
  { name: "from", help: "clone: the new volume starts as a fresh snapshot of this volume" },
] as const;

function parseRetain(value: string | undefined, scheduled: boolean): number {
  if (value === undefined) return defaultRetain;
  if (!scheduled) throw invalidArgument("snapshotRetain needs a schedule: add -o snapshotSchedule=\"0 3 * * *\" (or drop snapshotRetain)", { option: "snapshotRetain" });
  if (!/^[0-9]{1,4}$/.test(value.trim()) || Number(value) < 1 || Number(value) > maxRetain) {
    throw invalidArgument(`invalid snapshotRetain ${quoted(value)}: write a whole number of snapshots from 1 to ${maxRetain}, like -o snapshotRetain=7`, { option: "snapshotRetain", value: clipped(value) });
  }
  return Number(value);
}

function parseOnRemove(value: string | undefined): OnRemove {
  if (value === undefined || value === "") return "snapshot";
  if ((onRemoveValues as readonly string[]).includes(value)) return value as OnRemove;
  throw invalidArgument(`invalid onRemove ${quoted(value)}: use snapshot (the default), delete or retain`, { option: "onRemove", value: clipped(value) });
}

/** Reads the policy options out of canonical `-o` options (keys already matched). */
export function parseSnapshotPolicy(options: Readonly<Record<string, string>>): SnapshotPolicy {
  const schedule = options.snapshotSchedule === undefined ? undefined : parseCron(options.snapshotSchedule);
  const policy: SnapshotPolicy = { retain: parseRetain(options.snapshotRetain, schedule !== undefined), onRemove: parseOnRemove(options.onRemove) };
  if (schedule) policy.schedule = schedule;
  if (options.from !== undefined) {
    if (options.snapshot !== undefined) throw invalidArgument("give either -o from=VOLUME (clone) or -o snapshot=ID (restore), not both", { option: "from" });
    policy.from = validateVolumeName(options.from);
  }
  return policy;
}
