/**
 * The node-side mount step of a file share, behind ShareMounter (core/fileShares.ts):
 * - `NfsShareMounter`: the real one, amazon-efs-utils through the volume's access point
 *   (`mount -t efs -o tls,accesspoint=…`, which applies AWS's recommended NFS options);
 * - `BindShareMounter`: the lab's stand-in. The lab's kernels have no NFS client, so the
 *   node bind-mounts the access point's directory under the emulator's export root, the
 *   same directory nfs-ganesha serves over real NFS. It is the one step substituted.
 * Both mount NFS volumes too (core/nfsShares.ts, ADR 0031): the real one with the kernel's
 * `mount -t nfs4` and the recommended options plus the operator's, the lab's by binding
 * `DIR/<server>/<export path>/<volume directory>`, the directory the lab serves as that export.
 * Both check mountinfo first, so a repeated Mount (an agent restarted mid-mount) is success.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { internal } from "../../core/errors.js";
import {
  bindMountCommand, efsAccessPointMountCommand, type MountCommand, type ShareMounter, type ShareMounterSetting,
} from "../../core/fileShares.js";
import { isNfsShare, nfsShareMountCommand, type GrantedShare } from "../../core/nfsShares.js";
import type { CommandRunner } from "../../core/ports.js";
import { mountPointsOf } from "../os/blockFilesystem.js";
import { kernelPath } from "../os/paths.js";

export interface MounterOptions {
  /** @default "/proc/self/mountinfo" */
  mountInfoPath?: string;
  /** @default 120_000: under Docker's 2 min Mount budget */
  timeoutMs?: number;
}

abstract class CommandMounter implements ShareMounter {
  constructor(protected readonly runner: CommandRunner, private readonly options: MounterOptions = {}) {}

  protected abstract command(share: GrantedShare, target: string): MountCommand;

  async mount(share: GrantedShare, target: string): Promise<void> {
    if (await this.isMounted(target)) return;
    await mkdir(target, { recursive: true });
    const { program, args } = this.command(share, target);
    const r = await this.runner.run(program, args, { timeoutMs: this.options.timeoutMs ?? 120_000 });
    if (r.code !== 0) {
      throw internal(`${program} ${args.join(" ")} failed (exit ${r.code}): ${r.stderr.trim()}`, { ...shareDetails(share), target });
    }
  }

  async unmount(target: string): Promise<void> {
    if (!(await this.isMounted(target))) return;
    const r = await this.runner.run("umount", [target], { timeoutMs: this.options.timeoutMs ?? 120_000 });
    if (r.code !== 0 && (await this.isMounted(target))) throw internal(`umount ${target} failed (exit ${r.code}): ${r.stderr.trim()}`, { target });
  }

  async isMounted(target: string): Promise<boolean> {
    const points = mountPointsOf(await readFile(this.options.mountInfoPath ?? "/proc/self/mountinfo", "utf8"));
    return points.includes(target) || points.includes(await kernelPath(target));
  }
}

/** What names a share in an error's details. */
function shareDetails(share: GrantedShare): Record<string, string> {
  return isNfsShare(share) ? { server: share.server, path: share.path } : { fileSystemId: share.fileSystemId, accessPointId: share.accessPointId };
}

/**
 * EFS through the volume's access point with amazon-efs-utils (TLS, the access point chosen
 * in it); an NFS volume with the kernel's NFS client (`mount -t nfs4`).
 */
export class NfsShareMounter extends CommandMounter {
  protected command(share: GrantedShare, target: string): MountCommand {
    if (isNfsShare(share)) return nfsShareMountCommand(share, target);
    return efsAccessPointMountCommand(share.fileSystemId, share.accessPointId, target, share.mountTargetIp);
  }
}

/** The agent's share mounter from its `--share-mounter` setting. */
export function shareMounterFor(setting: ShareMounterSetting, runner: CommandRunner, options: MounterOptions = {}): ShareMounter {
  return setting.kind === "bind" ? new BindShareMounter(runner, setting.exportRoot, options) : new NfsShareMounter(runner, options);
}

/**
 * The lab: a bind mount of `exportRoot/<fs-id><root path>` (the emulator's `dataDir/efs`)
 * for EFS, of `exportRoot/<server>/<export path>/<directory>` for NFS (the server without
 * IPv6 brackets and port): one directory per server and export, as the lab serves them.
 */
export class BindShareMounter extends CommandMounter {
  constructor(runner: CommandRunner, private readonly exportRoot: string, options: MounterOptions = {}) {
    super(runner, options);
  }

  /** The directory the lab's NFS server exports for this access point or NFS volume. */
  sourceOf(share: GrantedShare): string {
    const [top, path] = isNfsShare(share) ? [share.server.replace(/^\[|\]$/g, ""), share.path] : [share.fileSystemId, share.rootPath];
    const parts = path.split("/").filter((part) => part !== "");
    // The grant's parsers refuse . and .. already; a share that names one anyway mounts nothing.
    if (top === "" || top === "." || top === ".." || parts.some((part) => part === "." || part === "..")) {
      throw internal(`share path ${JSON.stringify(path)} would leave the export root ${this.exportRoot}`, { ...shareDetails(share) });
    }
    return join(this.exportRoot, top, ...parts);
  }

  protected command(share: GrantedShare, target: string): MountCommand {
    return bindMountCommand(this.sourceOf(share), target);
  }
}
