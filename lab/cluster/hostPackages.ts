/**
 * The host programs the lab runs and the Debian packages that provide them. `lab up` and
 * the drill check them before they create anything. Missing ones are installed with
 * apt-get when that is allowed (root, apt-get present); otherwise the error names the
 * exact command to run, with exactly the packages that are missing.
 */
import type { CommandRunner, Logger } from "../../core/ports.js";
import { unavailable } from "../../core/errors.js";

/** Program name (looked up through PATH) → the Debian package that provides it. */
export type HostTools = Readonly<Record<string, string>>;

/**
 * What `lab up` and the daemons it starts run on the host: the network (ip, iptables),
 * the engines and the registry, the node launcher and supervisor, the image builder, and
 * the storage commands the agents and the EC2 emulator run (losetup, mkfs, blkid, …).
 */
export const LAB_HOST_TOOLS: HostTools = {
  ip: "iproute2",
  iptables: "iptables",
  dockerd: "docker.io",
  "docker-registry": "docker-registry",
  busybox: "busybox-static",
  nsenter: "util-linux",
  unshare: "util-linux",
  lsblk: "util-linux",
  blkid: "util-linux",
  losetup: "mount",
  mount: "mount",
  umount: "mount",
  blockdev: "util-linux",
  "mkfs.ext4": "e2fsprogs",
  e2fsck: "e2fsprogs",
  resize2fs: "e2fsprogs",
  "mkfs.xfs": "xfsprogs",
  xfs_growfs: "xfsprogs",
  tar: "tar",
  bash: "bash",
};

export interface HostPackageOptions {
  /** Install missing packages with apt-get. false: only report what to install. @default true */
  install?: boolean;
  /** Whether this process may install packages. @default the effective uid is 0 */
  isRoot?: () => boolean;
}

const APT_ENV = ["DEBIAN_FRONTEND=noninteractive"];

/** The command line an operator runs (as root) to install `packages`. */
export function installCommand(packages: readonly string[]): string {
  return `apt-get update && apt-get install -y --no-install-recommends ${packages.join(" ")}`;
}

/** Absolute path of `tool` found through PATH (POSIX `command -v`), or null. */
export async function locateTool(runner: CommandRunner, tool: string): Promise<string | null> {
  // The name is passed as $1, never spliced into the script.
  const found = await runner.run("sh", ["-c", 'command -v -- "$1"', "sh", tool]);
  const path = found.stdout.trim();
  return found.code === 0 && path.startsWith("/") ? path : null;
}

/** The tools in `tools` not found on PATH, and their packages (deduplicated, first-seen order). */
export async function missingHostTools(runner: CommandRunner, tools: HostTools): Promise<{ tools: string[]; packages: string[] }> {
  const missing: string[] = [];
  for (const tool of Object.keys(tools)) {
    if ((await locateTool(runner, tool)) === null) missing.push(tool);
  }
  const packages = [...new Set(missing.map((tool) => tools[tool] as string))];
  return { tools: missing, packages };
}

function missingError(reason: string, missing: { tools: string[]; packages: string[] }) {
  return unavailable(
    `host tools missing: ${missing.tools.join(", ")}; ${reason}: as root, run \`${installCommand(missing.packages)}\``,
    { tools: missing.tools, packages: missing.packages, command: installCommand(missing.packages) },
  );
}

/** Why packages cannot be installed here, or null when apt-get can be run. */
async function cannotInstall(runner: CommandRunner, options: HostPackageOptions): Promise<string | null> {
  if (options.install === false) return "installing is turned off";
  if (!(options.isRoot ?? (() => process.getuid?.() === 0))()) return "not running as root";
  if ((await locateTool(runner, "apt-get")) === null) return "apt-get not found (the package names are Debian's)";
  return null;
}

/** apt-get update (a failure is only logged: the cached lists may do), then apt-get install. */
async function aptInstall(runner: CommandRunner, logger: Logger, packages: readonly string[]): Promise<void> {
  logger.info({ packages }, "installing host packages");
  const updated = await runner.run("env", [...APT_ENV, "apt-get", "update"], { timeoutMs: 600_000 });
  if (updated.code !== 0) logger.warn({ code: updated.code, stderr: updated.stderr.trim().slice(-400) }, "apt-get update failed; trying the install anyway");
  const args = ["install", "-y", "--no-install-recommends", ...packages];
  const installed = await runner.run("env", [...APT_ENV, "apt-get", ...args], { timeoutMs: 900_000 });
  if (installed.code !== 0) {
    const stderr = installed.stderr.trim().slice(-400);
    throw unavailable(`\`apt-get ${args.join(" ")}\` failed (${installed.code}): ${stderr}; fix apt and run \`${installCommand(packages)}\``, {
      packages, code: installed.code, stderr, command: installCommand(packages),
    });
  }
}

/**
 * Makes sure every program in `tools` is on PATH, installing the missing ones' packages
 * with apt-get (DEBIAN_FRONTEND=noninteractive, `apt-get update` first) when allowed.
 * Creates nothing else. Throws UNAVAILABLE, naming the exact `apt-get install` command,
 * when installing is turned off, not root, apt-get is absent or fails, or a tool is still
 * missing after the install.
 */
export async function ensureHostPackages(runner: CommandRunner, logger: Logger, tools: HostTools, options: HostPackageOptions = {}): Promise<void> {
  const missing = await missingHostTools(runner, tools);
  if (missing.tools.length === 0) return;
  const reason = await cannotInstall(runner, options);
  if (reason !== null) throw missingError(reason, missing);
  await aptInstall(runner, logger, missing.packages);
  const still = await missingHostTools(runner, tools);
  if (still.tools.length > 0) {
    throw unavailable(`host tools still not on PATH after installing ${still.packages.join(" ")}: ${still.tools.join(", ")} (is /usr/sbin on PATH?)`, {
      tools: still.tools, packages: still.packages, path: process.env.PATH,
    });
  }
  logger.info({ packages: missing.packages }, "host packages installed");
}
