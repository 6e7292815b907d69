/**
 * EFS `-o` options (ADR 0025, 0027): what a volume that is an access point on the pool file
 * system can choose, which is its root directory's owner and what `docker volume rm` does.
 * Everything a block volume chooses (size, type, filesystem, snapshots, zone) is refused
 * naming why, since a user who asks for it expects something EFS will not do.
 */
import type { BackendDefinition } from "../../core/backends.js";
import { clipped, invalidArgument, quoted } from "../../core/errors.js";
import { checkDirectoryOwner } from "../../core/fileShares.js";
import { canonicalOptions, type OptionDefinition, type VolumeSpec } from "../../core/volume.js";
import { encodeShareSpec } from "./specTag.js";

export const efsBackendName = "efs";

export const efsOptions: readonly OptionDefinition[] = [
  { name: "uid", help: "owner of the volume's root directory when EFS makes it (default 0)" },
  { name: "gid", help: "group of the volume's root directory when EFS makes it (default 0)" },
  { name: "mode", help: "permissions of the volume's root directory, 3 or 4 octal digits (default 0755)" },
  { name: "onRemove", help: "what docker volume rm does: delete (default: the access point goes, its files stay on the pool) or retain (keep the access point, forget it)" },
];

const noSnapshots = "an EFS volume has no EBS snapshots (back the pool up with AWS Backup)";
const poolSetting = "performance, throughput and encryption are the pool file system's, set on the controller";

/** Block volumes' options, and why an EFS volume refuses each. */
const refused: ReadonlyMap<string, string> = new Map([
  ["size", "EFS grows and shrinks with its data: leave -o size out"],
  ["type", poolSetting], ["iops", poolSetting], ["throughput", poolSetting], ["encrypted", poolSetting], ["kmskeyid", poolSetting],
  ["fstype", "EFS is its own filesystem: nothing is formatted"], ["mmp", "EFS is its own filesystem: nothing is formatted"],
  ["snapshot", noSnapshots], ["from", noSnapshots], ["snapshotschedule", noSnapshots], ["snapshotretain", noSnapshots],
  ["zone", "an EFS volume is regional: a node in any zone reaches it"], ["zonepolicy", "an EFS volume is regional: a node in any zone reaches it"],
]);

/**
 * Pure validation of `docker volume create -d swarmvol -o backend=efs -o ...` (without the
 * seam's `backend` and `access`, which the registry reads). `sizeBytes` is 0 (EFS is
 * elastic) and `fsType` the spec's placeholder: no share is ever formatted.
 *
 * @example buildEfsSpec("jenkins", { uid: "1000", gid: "1000", mode: "0750" }).options.uid === "1000"
 */
export function buildEfsSpec(name: string, rawOptions: Readonly<Record<string, unknown>> | null | undefined): VolumeSpec {
  const options = canonicalOptions(rawOptions, efsOptions, efsBackendName, refused);
  parseEfsOwner(options);
  if (options.onRemove !== undefined && options.onRemove !== "delete" && options.onRemove !== "retain") {
    throw invalidArgument(`invalid onRemove ${quoted(options.onRemove)} for an EFS volume: use delete (the default) or retain`, { option: "onRemove", value: clipped(options.onRemove) });
  }
  encodeShareSpec({ options }); // the access point's spec tag must hold them, for a rebuilt entry (specTag.ts)
  return { name, backend: efsBackendName, sizeBytes: 0, fsType: "ext4", options };
}

/** The root directory's owner from canonical options; INVALID_ARGUMENT naming the fix. */
export function parseEfsOwner(options: Readonly<Record<string, string>>): { uid: number; gid: number; mode: string } {
  const id = (option: "uid" | "gid"): number => {
    const value = options[option];
    if (value === undefined) return 0;
    if (!/^\d{1,10}$/.test(value)) throw invalidArgument(`invalid ${option} ${quoted(value)}: write a whole number, like -o ${option}=1000`, { option, value: clipped(value) });
    return Number(value);
  };
  return checkDirectoryOwner({ uid: id("uid"), gid: id("gid"), mode: options.mode ?? "0755" });
}

/**
 * EFS at the backend seam: a share (several nodes may mount it, `-o access=multi-writer`),
 * its volumes' ids the access points' `fsap-…`. In cli/backends.ts, served when the
 * controller's `--backends` names it (ADR 0027 step 5).
 */
export const efsDefinition: BackendDefinition = { name: efsBackendName, kind: "share", idPrefix: "fsap-", buildSpec: buildEfsSpec };
