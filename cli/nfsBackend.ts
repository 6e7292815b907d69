/**
 * The nfs backend's wiring in `swarmvol controller` (ADR 0031): its controller verbs over
 * the export as this host reaches it (`--nfs-export-root`), given to the backend router
 * beside EBS's and EFS's, when `--backends` serves nfs.
 */
import { access, constants, stat } from "node:fs/promises";
import type { BackendVolumes } from "../core/cloud.js";
import { invalidArgument } from "../core/errors.js";
import type { NfsSettings } from "../core/nfsSettings.js";
import type { Logger } from "../core/ports.js";
import { LocalExportDirectories } from "../storage/nfs/exportDirectories.js";
import { NfsVolumes } from "../storage/nfs/nfsVolumes.js";

/**
 * The nfs backend's verbs for the router; none without `--nfs-export`. The export
 * root must be a directory this process can write at start (exit 2 otherwise), so a
 * controller whose export is missing stops before it records a volume it cannot make.
 * (Whether it is the operator's export and not an empty mount point is the operator's to
 * ensure: the lab's root is a plain directory.)
 */
export async function nfsBackendVolumes(nfs: NfsSettings | undefined, region: string, logger: Logger): Promise<BackendVolumes | undefined> {
  if (nfs === undefined) return undefined;
  const root = await stat(nfs.exportRoot).catch(() => undefined);
  const writable = root?.isDirectory() === true && (await access(nfs.exportRoot, constants.W_OK).then(() => true, () => false));
  if (!writable) {
    throw invalidArgument(`--nfs-export-root ${nfs.exportRoot} is not a directory this controller can write: mount the export there first (ADR 0031)`, { exportRoot: nfs.exportRoot });
  }
  return new NfsVolumes(new LocalExportDirectories(nfs.exportRoot), {
    export: nfs.export, mountOptions: nfs.mountOptions, region, logger: logger.child({ component: "nfs" }), now: () => new Date().toISOString(),
  });
}
