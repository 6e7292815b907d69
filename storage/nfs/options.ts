/**
 * NFS `-o` options (ADR 0031): a volume is a directory of the export the operator named on
 * the controller (`--nfs-export`), so what it can choose is that directory's owner and mode
 * and what `docker volume rm` does. The default keeps the directory: the export is the
 * operator's, and a file server often holds data nothing else has a copy of.
 *
 * Which export a volume goes on is not a `-o` option: the controller must reach the export
 * to make, mark and remove directories, and a user-given `server:/path` would have every
 * node mount whatever server a `docker volume create` names, as root. Block volumes'
 * options (size, type, filesystem, snapshots, zone) are refused naming why.
 */
import type { BackendDefinition } from "../../core/backends.js";
import { clipped, invalidArgument, quoted } from "../../core/errors.js";
import { canonicalOptions, type OptionDefinition, type VolumeSpec } from "../../core/volume.js";
import { parseEfsOwner } from "../efs/options.js";

export const nfsBackendName = "nfs";

export type NfsOnRemove = "delete" | "retain";

export const nfsOptions: readonly OptionDefinition[] = [
  { name: "uid", help: "owner of the volume's directory when swarmvol makes it (default 0)" },
  { name: "gid", help: "group of the volume's directory when swarmvol makes it (default 0)" },
  { name: "mode", help: "permissions of the volume's directory, 3 or 4 octal digits (default 0755)" },
  { name: "onRemove", help: "what docker volume rm does: retain (default: the directory and its files stay on the export, the controller says where) or delete (the directory and its files go)" },
];

const noSnapshots = "swarmvol takes no snapshots of an NFS volume (snapshot the export on the file server)";
const notFormatted = "an NFS volume is a directory on the server's filesystem: nothing is formatted";
const serverSide = "the NFS server decides it; set it on the server";
const exportSetting = "the export is the controller's --nfs-export, so that the controller can make and remove the volume's directory there and nodes mount only the server the operator named";

/** Options an NFS volume refuses, and why. */
const refused: ReadonlyMap<string, string> = new Map([
  ["size", "an NFS directory has no size of its own (set a quota on the server)"],
  ["type", serverSide], ["iops", serverSide], ["throughput", serverSide], ["encrypted", serverSide], ["kmskeyid", serverSide],
  ["fstype", notFormatted], ["mmp", notFormatted],
  ["snapshot", noSnapshots], ["from", noSnapshots], ["snapshotschedule", noSnapshots], ["snapshotretain", noSnapshots],
  ["zone", "an NFS volume has no zone: every node that reaches the server mounts it"], ["zonepolicy", "an NFS volume has no zone: every node that reaches the server mounts it"],
  ["nfsexport", exportSetting], ["export", exportSetting], ["server", exportSetting],
]);

/**
 * Pure validation of `docker volume create -d swarmvol -o backend=nfs -o ...` (without the
 * seam's `backend` and `access`). `sizeBytes` is 0 and `fsType` the spec's placeholder.
 *
 * @example buildNfsSpec("media", { uid: "1000", onRemove: "delete" }).options.onRemove === "delete"
 */
export function buildNfsSpec(name: string, rawOptions: Readonly<Record<string, unknown>> | null | undefined): VolumeSpec {
  const options = canonicalOptions(rawOptions, nfsOptions, nfsBackendName, refused);
  parseEfsOwner(options);
  nfsOnRemoveOf(options);
  return { name, backend: nfsBackendName, sizeBytes: 0, fsType: "ext4", options };
}

/** `-o onRemove`, retain when not given. */
export function nfsOnRemoveOf(options: Readonly<Record<string, string>>): NfsOnRemove {
  const value = options.onRemove;
  if (value === undefined || value === "retain") return "retain";
  if (value === "delete") return "delete";
  throw invalidArgument(`invalid onRemove ${quoted(value)} for an NFS volume: use retain (the default: keep the directory) or delete`, { option: "onRemove", value: clipped(value) });
}

/** NFS at the backend seam: a share (several nodes may mount it, `-o access=multi-writer`), its ids `nfs-…`. */
export const nfsDefinition: BackendDefinition = { name: nfsBackendName, kind: "share", idPrefix: "nfs-", buildSpec: buildNfsSpec };
