/**
 * Turning a root filesystem folder into an image in the lab registry: tar the folder,
 * `docker import` it into one node's engine (POST /images/create?fromSrc=-), push it to
 * the lab registry. Nothing is pulled from the internet: there is no internet here.
 */
import { createReadStream } from "node:fs";
import type Docker from "dockerode";
import type { CommandRunner } from "../../core/ports.js";
import { internal } from "../../core/errors.js";
import { runChecked } from "../cluster/host.js";

/** Splits "host:port/repo/name:tag" into repo and tag (the tag is required here). */
export function splitReference(ref: string): { repo: string; tag: string } {
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  if (colon <= slash) throw internal(`image reference needs a tag: ${ref}`, { ref });
  return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
}

/** Reads a JSON-lines progress stream to its end; rejects on the first `error` entry. */
export function consumeProgress(engine: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    engine.modem.followProgress(stream, (err: Error | null, output: { error?: string }[]) => {
      const failed = output.find((o) => typeof o.error === "string");
      if (err !== null) reject(err);
      else if (failed !== undefined) reject(internal(`image operation failed: ${failed.error}`, { output }));
      else resolve();
    });
  });
}

/** Makes a tar of `rootfs` at `tarPath` (numeric owners, as in the folder). */
export async function tarRootfs(runner: CommandRunner, rootfs: string, tarPath: string): Promise<void> {
  await runChecked(runner, "tar", ["--numeric-owner", "-C", rootfs, "-cf", tarPath, "."], 600_000);
}

/**
 * Imports `tarPath` as `ref` into `engine` and pushes it to the registry named in `ref`.
 * `changes` are Dockerfile instructions applied on import (ENV, CMD, WORKDIR, USER…).
 */
export async function importAndPush(engine: Docker, tarPath: string, ref: string, changes: readonly string[] = []): Promise<void> {
  const { repo, tag } = splitReference(ref);
  const imported = await engine.importImage(createReadStream(tarPath), { repo, tag, changes: [...changes] });
  await consumeProgress(engine, imported);
  const pushed = await engine.getImage(ref).push({ authconfig: {} });
  await consumeProgress(engine, pushed);
}
