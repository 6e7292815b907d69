/**
 * Which storage driver the nodes' dockerd can use on the lab dir's filesystem. overlay2
 * is what real Swarm nodes run; vfs (a full copy per layer) is the fallback when the lab
 * dir sits on a filesystem that cannot be an overlay upper layer (overlayfs, some tmpfs).
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { CommandRunner } from "../../core/ports.js";
import type { StorageDriver } from "./plan.js";

/**
 * Mounts a throwaway overlay in a private mount namespace (`unshare -m`: nothing leaks to
 * the host, the mount dies with the shell) under `workDir`, then removes the probe dirs.
 */
export async function probeStorageDriver(runner: CommandRunner, workDir: string): Promise<StorageDriver> {
  const probe = join(workDir, "overlay-probe");
  await rm(probe, { recursive: true, force: true });
  for (const dir of ["lower", "upper", "work", "merged"]) await mkdir(join(probe, dir), { recursive: true });
  const options = `lowerdir=${probe}/lower,upperdir=${probe}/upper,workdir=${probe}/work`;
  const result = await runner.run("unshare", ["-m", "--propagation", "private", "mount", "-t", "overlay", "overlay", "-o", options, join(probe, "merged")]);
  await rm(probe, { recursive: true, force: true });
  return result.code === 0 ? "overlay2" : "vfs";
}
