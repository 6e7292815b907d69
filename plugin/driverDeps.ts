/**
 * What the node side of swarmvol (plugin/driver.ts) is built from: every side effect of a
 * plugin verb is one of these ports, so component tests give recording fakes.
 */
import type { ShareMounter } from "../core/fileShares.js";
import type { BlockFilesystem, Clock, CrashPoints, Logger, MountTable, NodeAttacher, VolumeDirectory } from "../core/ports.js";
import type { MountGrowth } from "./mountSteps.js";

export interface VolumeDriverDeps {
  directory: VolumeDirectory;
  attacher: NodeAttacher;
  filesystem: BlockFilesystem;
  /** Mounts the file shares a grant names (`efs://…`); absent: this node mounts block volumes only. */
  shares?: ShareMounter;
  mounts: MountTable;
  logger: Logger;
  /** Directory under which each volume's filesystem is mounted, one folder per volume. */
  mountsDir: string;
  /**
   * Stamps each new mount's phase times (device verified, mounted) in its mount-table entry,
   * from where heartbeats report them as a move's t6 and t7. @default linger's clock; without either, none.
   */
  clock?: Clock;
  /**
   * Docker mounts a new task container's volume, unmounts it and mounts it again to start
   * the container. A mount younger than `youngMs` whose last user leaves, while a task here
   * still needs it, stays mounted for `ms` (still reported in heartbeats) and the remount
   * is free. Absent: every last unmount unmounts at once.
   *
   * `ms` is renewed while the controller says a task placed here still wants the volume, up
   * to `maxMs` in all (@default 12 × ms): on a loaded node the start-time mount can come 30 s
   * after the create-time one, and unmounting in between made the next Mount wait for fsck
   * on a device still held elsewhere.
   */
  linger?: { clock: Clock; ms: number; youngMs: number; maxMs?: number };
  /** The agent's named steps of Mount and Unmount (core/crashPoints.ts). @default noCrashPoints */
  crashPoints?: CrashPoints;
  /**
   * Told when an Unmount leaves other Docker mounts of the volume counted: one of them may
   * be a Mount whose answer Docker never got (plugin/mountReview.ts drops those).
   */
  staleMounts?: { suspect(name: string): void };
  /**
   * Grows the filesystem of a volume that grew while nobody mounted it, when the grant asks
   * (plugin/cluster/filesystemGrowth.ts, ADR 0026): ext4 before the mount, xfs after it.
   */
  growth?: MountGrowth;
}
