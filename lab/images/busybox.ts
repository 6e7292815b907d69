/**
 * The lab's small workload image: a busybox-static root filesystem (about 2 MB) with
 * every applet linked in /bin, built from the host's Debian `busybox-static` package.
 * Enough for `sleep`, `sh`, `dd`, `md5sum`, `nc`, `httpd`: the workloads of failover tests.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import type { CommandRunner } from "../../core/ports.js";
import { runChecked } from "../cluster/host.js";
import { REGISTRY } from "../cluster/plan.js";
import { importAndPush, tarRootfs } from "./publish.js";

/** The image every node can pull from the lab registry. */
export const BUSYBOX_IMAGE = `${REGISTRY}/swarmvol/busybox:lab`;
/** Where Debian's busybox-static puts its binary. */
export const BUSYBOX_BINARY = "/bin/busybox";

/**
 * Builds the rootfs under `cacheDir` (once; kept between labs) and returns the tar path.
 * `busybox --install -s` runs chrooted so the links point at /bin/busybox in the image.
 */
export async function buildBusyboxRootfs(runner: CommandRunner, cacheDir: string): Promise<string> {
  const tarPath = join(cacheDir, "busybox-rootfs.tar");
  if (existsSync(tarPath)) return tarPath;
  const rootfs = join(cacheDir, "busybox-rootfs");
  await rm(rootfs, { recursive: true, force: true });
  for (const dir of ["bin", "etc", "tmp", "proc", "sys", "dev", "root", "data"]) {
    await mkdir(join(rootfs, dir), { recursive: true });
  }
  await runChecked(runner, "cp", [BUSYBOX_BINARY, join(rootfs, "bin", "busybox")]);
  await runChecked(runner, "chroot", [rootfs, "/bin/busybox", "--install", "-s", "/bin"]);
  await writeFile(join(rootfs, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
  await writeFile(join(rootfs, "etc", "group"), "root:x:0:\nnogroup:x:65534:\n");
  const partial = `${tarPath}.partial`;
  await tarRootfs(runner, rootfs, partial);
  await runChecked(runner, "mv", [partial, tarPath]);
  await rm(rootfs, { recursive: true, force: true });
  return tarPath;
}

/** Builds (or reuses) the busybox rootfs, imports it on `engine` and pushes it to the lab registry. */
export async function publishBusybox(runner: CommandRunner, engine: Docker, cacheDir: string): Promise<string> {
  const tarPath = await buildBusyboxRootfs(runner, cacheDir);
  await importAndPush(engine, tarPath, BUSYBOX_IMAGE, ['CMD ["/bin/sh"]']);
  return BUSYBOX_IMAGE;
}
