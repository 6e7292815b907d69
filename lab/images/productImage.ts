/**
 * The project's own image (the Dockerfile at the repository root), built by a lab node's
 * dockerd where no base image can be pulled and no build step reaches a network:
 *
 * 1. A base like node:20-bookworm-slim, made here: a Debian rootfs (debootstrap, cached in
 *    the lab's cache dir like the PostgreSQL one) with e2fsprogs and xfsprogs, plus this
 *    host's Node binary and npm. `docker import`ed into the node's engine.
 * 2. The npm packages: an npm cache filled once per lockfile by `npm ci` on this host (the
 *    registry is reachable from the host, not from the nodes), put in the build context as
 *    `.npm-offline/npm-cache`; the Dockerfile's `npm ci` then installs offline from it.
 * 3. `docker build --network none --build-arg BASE=<that base>` on the node, with the
 *    classic builder (dockerd 20.10, no buildx here).
 * Real users build the same Dockerfile with its defaults: node:20-bookworm-slim and npm ci
 * from the registry (README, docs/install-aws.md).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type Docker from "dockerode";
import { createReadStream } from "node:fs";
import { internal } from "../../core/errors.js";
import type { CommandRunner } from "../../core/ports.js";
import { runChecked } from "../cluster/host.js";
import { buildDebianRootfs } from "./debian.js";
import { consumeProgress, splitReference } from "./publish.js";

/** The imported base and the image the lab builds from the Dockerfile. */
export const NODE_BASE_IMAGE = `swarmvol-lab/node-base:${process.versions.node}`;
export const PRODUCT_IMAGE = "swarmvol:lab";

/** Where the Dockerfile looks for an offline npm cache in the build context. */
export const NPM_OFFLINE_DIR = ".npm-offline";

/** The library lines `ldd` could not resolve (`libfoo.so.1 => not found`). */
export function unresolvedLibraries(lddOutput: string): string[] {
  return lddOutput.split("\n").filter((line) => line.includes("not found")).map((line) => line.trim().split(/\s+/)[0] as string);
}

/** This host's npm, beside its Node (Debian: /usr/bin/node and /usr/lib/node_modules/npm). */
function hostNpmDir(nodeBinary: string): string {
  const dir = join(dirname(dirname(nodeBinary)), "lib", "node_modules", "npm");
  if (!existsSync(join(dir, "bin", "npm-cli.js"))) throw internal(`no npm beside ${nodeBinary} (looked in ${dir})`, { dir });
  return dir;
}

/** Puts this host's node and npm into `rootfs` where the official image has them, and checks node runs there. */
async function addNode(runner: CommandRunner, rootfs: string, nodeBinary: string): Promise<void> {
  await runChecked(runner, "mkdir", ["-p", join(rootfs, "usr/local/bin"), join(rootfs, "usr/local/lib/node_modules")]);
  await runChecked(runner, "cp", [nodeBinary, join(rootfs, "usr/local/bin/node")]);
  await runChecked(runner, "cp", ["-a", hostNpmDir(nodeBinary), join(rootfs, "usr/local/lib/node_modules/npm")]);
  await runChecked(runner, "ln", ["-sf", "../lib/node_modules/npm/bin/npm-cli.js", join(rootfs, "usr/local/bin/npm")]);
  await runChecked(runner, "ln", ["-sf", "../lib/node_modules/npm/bin/npx-cli.js", join(rootfs, "usr/local/bin/npx")]);
  const missing = unresolvedLibraries(await runChecked(runner, "chroot", [rootfs, "ldd", "/usr/local/bin/node"]));
  if (missing.length > 0) throw internal(`the Debian rootfs lacks libraries this host's node needs: ${missing.join(", ")}`, { missing });
  await runChecked(runner, "chroot", [rootfs, "/usr/local/bin/node", "-e", "process.exit(0)"]);
}

/** Builds (once per Node version) the base rootfs tar under `cacheDir`; returns its path. */
export async function buildNodeBaseRootfs(runner: CommandRunner, cacheDir: string, nodeBinary = process.execPath): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  return buildDebianRootfs(runner, cacheDir, {
    name: `node-base-${process.versions.node}`,
    // util-linux and mount come with minbase; the Dockerfile checks every tool it needs.
    packages: ["e2fsprogs", "xfsprogs"],
    prepare: (rootfs) => addNode(runner, rootfs, nodeBinary),
  });
}

/** `docker import` of a rootfs tar as `ref` into one engine (no registry involved). */
export async function importRootfs(engine: Docker, tarPath: string, ref: string, changes: readonly string[]): Promise<void> {
  const { repo, tag } = splitReference(ref);
  await consumeProgress(engine, await engine.importImage(createReadStream(tarPath), { repo, tag, changes: [...changes] }));
}

/** The base image's config, as the official node image has it. */
export const NODE_BASE_CHANGES = ["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "CMD [\"node\"]"];

/**
 * An npm cache holding every package of `repoDir`'s lockfile, filled by `npm ci` on this
 * host once per lockfile (the registry is reachable from here) and kept under `cacheDir`;
 * older ones are removed. Returns the cache folder (the one npm's `--cache` takes).
 */
export async function offlineNpmCache(runner: CommandRunner, repoDir: string, cacheDir: string): Promise<string> {
  const lock = await readFile(join(repoDir, "package-lock.json"));
  const key = createHash("sha256").update(lock).digest("hex").slice(0, 16);
  const cache = join(cacheDir, `npm-offline-${key}`);
  if (existsSync(cache)) return cache;
  for (const old of (await readdir(cacheDir)).filter((name) => name.startsWith("npm-offline-"))) await rm(join(cacheDir, old), { recursive: true, force: true });
  const work = await mkdtemp(join(cacheDir, "npm-fill-"));
  try {
    await runChecked(runner, "cp", [join(repoDir, "package.json"), join(repoDir, "package-lock.json"), work]);
    await runChecked(runner, "npm", ["ci", "--prefix", work, "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", "--cache", join(work, "cache")], 900_000);
    await runChecked(runner, "mv", [join(work, "cache"), cache]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return cache;
}

export interface ProductBuild {
  /** The image reference built. */
  image: string;
  /** Milliseconds per step: base rootfs (0 when cached), import, npm cache, docker build. */
  timings: Record<string, number>;
  /** The build's output (classic builder steps). */
  log: string;
}

/**
 * Builds the repository's Dockerfile on the engine at `dockerHost` as the lab does (the
 * module header): base imported, npm cache in the context, no network during the build.
 */
export async function buildProductImage(
  runner: CommandRunner,
  opts: { repoDir: string; cacheDir: string; engine: Docker; dockerHost: string; image?: string; now?: () => number },
): Promise<ProductBuild> {
  const now = opts.now ?? Date.now;
  const timings: Record<string, number> = {};
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const start = now();
    try {
      return await work();
    } finally {
      timings[step] = now() - start;
    }
  };
  const image = opts.image ?? PRODUCT_IMAGE;
  const tar = await timed("baseRootfs", () => buildNodeBaseRootfs(runner, opts.cacheDir));
  await timed("baseImport", () => importRootfs(opts.engine, tar, NODE_BASE_IMAGE, NODE_BASE_CHANGES));
  const cache = await timed("npmCache", () => offlineNpmCache(runner, opts.repoDir, opts.cacheDir));
  const staged = join(opts.repoDir, NPM_OFFLINE_DIR);
  await rm(staged, { recursive: true, force: true });
  try {
    await mkdir(staged);
    await runChecked(runner, "cp", ["-a", cache, join(staged, "npm-cache")]);
    const log = await timed("dockerBuild", () => runChecked(runner, "env", [
      `DOCKER_HOST=${opts.dockerHost}`, "DOCKER_BUILDKIT=0",
      "docker", "build", "--network", "none", "--build-arg", `BASE=${NODE_BASE_IMAGE}`, "-t", image, opts.repoDir,
    ], 1_200_000));
    return { image, timings, log };
  } finally {
    await rm(staged, { recursive: true, force: true });
  }
}
