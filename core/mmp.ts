/**
 * `-o mmp=on|off` (default off): ext4's multi-mount protection on a block volume, a guard
 * below swarmvol's own fencing (ADR 0028). With it, the mounted filesystem's kernel thread
 * rewrites a sequence number in one block every `mmpUpdateIntervalSeconds`; a mount or an
 * e2fsck on any other node first watches that block for about 2 × 5 + 1 s and refuses if
 * it changed. So even a fence with a bug, or a device attached to two nodes (io2
 * Multi-Attach, the emulator's two loop devices of one image), cannot get a second mount
 * while the first holder is alive. The price is that wait: every e2fsck before a mount
 * takes 11 s more, and after a holder died mounted about 40 s more (measured, ADR 0028).
 *
 * Only swarmvol's own mkfs can give a volume MMP, so the option is refused where swarmvol
 * makes no filesystem (a restore keeps its snapshot's), for xfs (it has no MMP), and by
 * the backends that are not block devices (core/volume.ts `canonicalOptions`).
 */
import { clipped, invalidArgument, quoted } from "./errors.js";
import type { FsType, OptionDefinition, VolumeSpec } from "./volume.js";

export const mmpOption: OptionDefinition = {
  name: "mmp",
  help: "on or off (default off): ext4 with multi-mount protection, so no second node can mount the filesystem while one holds it; every mount's fsck waits about 11 s more (ADR 0028)",
};

/**
 * Seconds between the holder's MMP updates (`mke2fs -E mmp_update_interval=`). At 1 the
 * kernel's check interval stays at its floor of 5 s (it is twice the seen update period,
 * at least 5), which halves the wait after a crash against e2fsprogs' default of 5 (44 s
 * against 64 s of e2fsck, measured); the cost is one 4 KiB write a second per mounted volume.
 */
export const mmpUpdateIntervalSeconds = 1;

/** Why the option is refused on a backend that does not take it (a file share). */
export const mmpElsewhere =
  "multi-mount protection is a property of an ext4 filesystem on a block volume (backends ebs and local); a file share is meant to be mounted by many nodes at once: remove -o mmp";

/**
 * The `-o mmp` value of a block backend's options; INVALID_ARGUMENT naming the fix for a
 * value other than on/off, for xfs, and for a volume whose filesystem swarmvol will not
 * make (`snapshot`, `from`). Pure.
 */
export function parseMmp(options: Readonly<Record<string, string>>, fsType: FsType): boolean {
  const value = options.mmp;
  if (value === undefined || value === "") return false;
  const lower = value.trim().toLowerCase();
  if (lower !== "on" && lower !== "off") {
    throw invalidArgument(`invalid mmp ${quoted(value)}: use on or off (off is the default)`, { option: "mmp", value: clipped(value) });
  }
  if (lower === "off") return false;
  if (fsType !== "ext4") {
    throw invalidArgument(`mmp=on needs ext4: ${fsType} has no multi-mount protection; use -o fsType=ext4, or remove -o mmp`, { option: "mmp", fsType });
  }
  const source = options.snapshot !== undefined ? "snapshot" : options.from !== undefined ? "from" : undefined;
  if (source !== undefined) {
    throw invalidArgument(
      `mmp=on takes effect when swarmvol makes the filesystem, and a volume made with -o ${source}= keeps its source's filesystem: remove -o mmp (a source made with mmp=on passes it on to its copies)`,
      { option: "mmp", with: source },
    );
  }
  return true;
}

/** Whether swarmvol's mkfs gives this volume MMP; an option that no longer parses means off. */
export function mmpOf(spec: Pick<VolumeSpec, "fsType" | "options">): boolean {
  return spec.fsType === "ext4" && spec.options.mmp?.trim().toLowerCase() === "on";
}
