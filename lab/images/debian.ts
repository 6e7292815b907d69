/**
 * A Debian root filesystem image for heavier workloads (PostgreSQL later), built with
 * Debian's `debootstrap` from the same mirror apt uses on this machine, cached between
 * labs (the build takes ~30 s plus package installs; the rootfs is a few hundred MB).
 *
 * Status: checked by hand (minbase bookworm: 35 s build, 110 MB tar, 6.6 s import+push,
 * pulled and run on another node); no automated test yet because it downloads from the
 * Debian mirror. The postgres workload will be the first user. Requires `debootstrap`.
 */
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import type { CommandRunner } from "../../core/ports.js";
import { invalidArgument } from "../../core/errors.js";
import { runChecked } from "../cluster/host.js";
import { REGISTRY } from "../cluster/plan.js";
import { importAndPush, tarRootfs } from "./publish.js";

export interface DebianImageOptions {
  /** Image name in the lab registry, e.g. "postgres" → 10.213.0.1:5000/swarmvol/postgres:lab. */
  name: string;
  /** Extra Debian packages installed with --no-install-recommends. @default [] */
  packages?: string[];
  /** Dockerfile instructions applied on import (ENV PATH=…, USER, CMD). @default [] */
  changes?: string[];
  /** @default "bookworm" */
  suite?: string;
  /** @default the first `deb` URL in /etc/apt/sources.list(.d) */
  mirror?: string;
  /** Last touches to the root filesystem (after the packages, before the tar). */
  prepare?: (rootfs: string) => Promise<void>;
}

/** The first http(s) mirror URL in apt's sources (one-line or deb822 format). */
export function mirrorFromSources(text: string): string | null {
  const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(https?:\/\/\S+)/m.exec(text);
  if (oneLine?.[1] !== undefined) return oneLine[1];
  const deb822 = /^URIs:\s*(https?:\/\/\S+)/m.exec(text);
  return deb822?.[1] ?? null;
}

async function aptMirror(): Promise<string> {
  const files = ["/etc/apt/sources.list", "/etc/apt/sources.list.d/debian.sources"];
  for (const file of files.filter((f) => existsSync(f))) {
    const found = mirrorFromSources(await readFile(file, "utf8"));
    if (found !== null) return found;
  }
  throw invalidArgument("no Debian mirror found in apt sources; pass `mirror`", { files });
}

/** Builds (once) the rootfs tar for `options` under `cacheDir`; returns its path. */
export async function buildDebianRootfs(runner: CommandRunner, cacheDir: string, options: DebianImageOptions): Promise<string> {
  const tarPath = join(cacheDir, `debian-${options.name}.tar`);
  if (existsSync(tarPath)) return tarPath;
  const rootfs = join(cacheDir, `debian-${options.name}`);
  const mirror = options.mirror ?? (await aptMirror());
  await runChecked(runner, "rm", ["-rf", rootfs]);
  await runChecked(runner, "debootstrap", ["--variant=minbase", options.suite ?? "bookworm", rootfs, mirror], 900_000);
  const packages = options.packages ?? [];
  if (packages.length > 0) {
    await runChecked(runner, "chroot", [rootfs, "apt-get", "install", "-y", "--no-install-recommends", ...packages], 900_000);
  }
  await runChecked(runner, "chroot", [rootfs, "apt-get", "clean"]);
  await runChecked(runner, "rm", ["-rf", join(rootfs, "usr/share/doc"), join(rootfs, "usr/share/man"), join(rootfs, "var/lib/apt/lists")]);
  await options.prepare?.(rootfs);
  await tarRootfs(runner, rootfs, `${tarPath}.partial`);
  await runChecked(runner, "mv", [`${tarPath}.partial`, tarPath]);
  await runChecked(runner, "rm", ["-rf", rootfs]);
  return tarPath;
}

/** Builds (or reuses) a Debian image and pushes it to the lab registry; returns its reference. */
export async function publishDebianImage(
  runner: CommandRunner,
  engine: Docker,
  cacheDir: string,
  options: DebianImageOptions,
): Promise<string> {
  const ref = `${REGISTRY}/swarmvol/${options.name}:lab`;
  const tarPath = await buildDebianRootfs(runner, cacheDir, options);
  await importAndPush(engine, tarPath, ref, options.changes ?? []);
  return ref;
}
