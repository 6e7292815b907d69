/**
 * The controller's NFS settings (ADR 0031): a controller serving nfs (`--backends ebs,nfs`)
 * needs the export, and only it takes one. Three settings, checked here so a controller never starts half-configured:
 * - `--nfs-export` (`SWARMVOL_NFS_EXPORT`): the export every NFS volume is a directory of, as
 *   the nodes mount it (`server:/path` or `nfs://server[:port]/path`);
 * - `--nfs-export-root` (`SWARMVOL_NFS_EXPORT_ROOT`): where this controller's host reaches the
 *   same export (mounted there; the lab: a local directory), to make, mark and remove volume
 *   directories: the controller cannot mount NFS itself (its container, the lab's kernels);
 * - `--nfs-mount-options` (`SWARMVOL_NFS_MOUNT_OPTIONS`): extra options for the nodes' mount,
 *   after swarmvol's recommended ones.
 * Pure; no I/O.
 */
import type { Setting } from "./config.js";
import { invalidArgument, isSwarmvolError } from "./errors.js";
import { parseNfsExport, parseNfsMountOptions, type NfsExport } from "./nfsShares.js";

export const nfsControllerSettings = {
  nfsExport: { flag: "--nfs-export", env: "SWARMVOL_NFS_EXPORT", help: "serve the nfs backend: the export each NFS volume is a directory of, server:/path or nfs://server[:port]/path (ADR 0031)" },
  nfsExportRoot: { flag: "--nfs-export-root", env: "SWARMVOL_NFS_EXPORT_ROOT", help: "with --nfs-export: where this controller's host has that export mounted, to make and remove volume directories" },
  nfsMountOptions: { flag: "--nfs-mount-options", env: "SWARMVOL_NFS_MOUNT_OPTIONS", help: "with --nfs-export: extra mount options for the nodes, after swarmvol's (like actimeo=30,nconnect=4)" },
} satisfies Record<string, Setting>;

export interface NfsSettings {
  export: NfsExport;
  /** Absolute: the export as this controller's host reaches it. */
  exportRoot: string;
  mountOptions: string[];
}

/**
 * The NFS settings, or undefined when `--nfs-export` is not given.
 * @throws INVALID_ARGUMENT naming the setting to fix.
 */
export function nfsSettingsOf(raw: { nfsExport?: string | undefined; nfsExportRoot?: string | undefined; nfsMountOptions?: string | undefined }): NfsSettings | undefined {
  const { nfsExport, nfsExportRoot, nfsMountOptions } = nfsControllerSettings;
  if (raw.nfsExport === undefined) {
    const stray = raw.nfsExportRoot !== undefined ? nfsExportRoot : raw.nfsMountOptions !== undefined ? nfsMountOptions : undefined;
    if (stray !== undefined) throw invalidArgument(`${stray.flag} (${stray.env}) is for the nfs backend: give ${nfsExport.flag} server:/path too, or leave it out`);
    return undefined;
  }
  if (raw.nfsExportRoot === undefined || !raw.nfsExportRoot.startsWith("/")) {
    throw invalidArgument(`${nfsExport.flag} needs ${nfsExportRoot.flag} (${nfsExportRoot.env}): the absolute path where this controller's host has the export mounted (ADR 0031)`);
  }
  return { export: named(nfsExport, () => parseNfsExport(raw.nfsExport as string)), exportRoot: raw.nfsExportRoot, mountOptions: named(nfsMountOptions, () => parseNfsMountOptions(raw.nfsMountOptions)) };
}

/**
 * The NFS settings of a controller serving `served` (`--backends`): required when nfs is
 * served, refused when it is not (an export given to a controller that would ignore it is
 * a mistake the operator should hear of at start).
 * @throws INVALID_ARGUMENT naming the setting to fix.
 */
export function servedNfsSettings(served: readonly string[], raw: Parameters<typeof nfsSettingsOf>[0]): NfsSettings | undefined {
  const settings = nfsSettingsOf(raw);
  const { nfsExport, nfsExportRoot } = nfsControllerSettings;
  if (served.includes("nfs") && settings === undefined) {
    throw invalidArgument(`--backends serves nfs: give ${nfsExport.flag} server:/path (${nfsExport.env}) and ${nfsExportRoot.flag} DIR, where this host has it mounted (ADR 0031)`);
  }
  if (!served.includes("nfs") && settings !== undefined) {
    throw invalidArgument(`${nfsExport.flag} is for the nfs backend: add nfs to --backends (like --backends ebs,nfs), or leave ${nfsExport.flag} out`);
  }
  return settings;
}

/** The parser's refusal, prefixed with the setting it came from. */
function named<T>(setting: Setting, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (isSwarmvolError(err)) throw invalidArgument(`${setting.flag} (${setting.env}): ${err.message}`, { ...err.details });
    throw err;
  }
}
