/**
 * The events of a resize (ADR 0026), read off the record before and after a catalog write
 * like every volume event (volumeEvents.ts): `resize.phase` for each step reached
 * (requested, cloud_grown, waiting_mount, filesystem_grown, done) and `resize.failed` for
 * each new failure. Pure.
 */
import type { NewEvent } from "../../core/events.js";
import type { ResizeStatus } from "../../core/resize.js";
import { formatApproxSize } from "../../core/units.js";
import type { VolumeRecord } from "../../core/volume.js";

const size = (bytes: number | undefined) => (bytes === undefined ? "?" : formatApproxSize(bytes));

export function resizeEvents(before: VolumeRecord | undefined, after: VolumeRecord): NewEvent[] {
  const now = after.status.resize;
  if (!now) return [];
  const volume = after.spec.name;
  const was: ResizeStatus | undefined = before?.status.resize?.requestedAt === now.requestedAt && before.status.resize.wantedBytes === now.wantedBytes ? before.status.resize : undefined;
  const events: NewEvent[] = [];
  const phase = (name: string, data: Record<string, string | number | null>, message: string, node?: string) =>
    events.push({ type: "resize.phase", volume, ...(node ? { node } : {}), data: { phase: name, wantedBytes: now.wantedBytes, ...data }, message: `resize of ${volume} to ${size(now.wantedBytes)}: ${message}` });
  if (!was) phase("requested", { cloudBytes: now.cloudBytes ?? null }, now.cloudBytes === undefined ? "asked for (no cloud volume yet: it is made at that size)" : `asked for (the cloud volume is ${size(now.cloudBytes)})`);
  if (was && now.cloudBytes !== undefined && now.cloudBytes > (was.cloudBytes ?? 0)) phase("cloud_grown", { cloudBytes: now.cloudBytes }, `the cloud volume is ${size(now.cloudBytes)} now`);
  if (now.phase === "mount" && was?.phase !== "mount") phase("waiting_mount", { cloudBytes: now.cloudBytes ?? null }, "nobody mounts it: its filesystem grows at its next mount");
  const grown = was && now.filesystemBytes !== undefined && (now.filesystemBytes !== was.filesystemBytes || now.grownForBytes !== was.grownForBytes);
  if (grown) {
    phase("filesystem_grown", { filesystemBytes: now.filesystemBytes ?? null, grownForBytes: now.grownForBytes ?? null, node: now.grownOn ?? null },
      `the filesystem is ${size(now.filesystemBytes)} now (it fills ${size(now.grownForBytes)})${now.grownOn ? ` on ${now.grownOn}` : ""}`, now.grownOn);
  }
  if (now.phase === "done" && was?.phase !== "done") phase("done", { cloudBytes: now.cloudBytes ?? null, filesystemBytes: now.filesystemBytes ?? null }, "done");
  if (now.error !== undefined && now.error !== was?.error) {
    events.push({ type: "resize.failed", volume, data: { phase: now.phase, error: now.error }, message: `resize of ${volume} to ${size(now.wantedBytes)}: ${now.error}` });
  }
  return events;
}
