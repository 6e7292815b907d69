/**
 * The lab's one substitution for NFS (ADR 0031) holds together: the directory the
 * controller makes through `--nfs-export-root DIR/<server>/<export path>` is exactly the one
 * an agent with `--share-mounter bind:DIR` binds for the grant the controller gives.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { parseGrantedShare } from "../../core/nfsShares.js";
import { silentLogger, type CommandResult, type CommandRunner } from "../../core/ports.js";
import { BindShareMounter } from "../efs/mounters.js";
import { LocalExportDirectories } from "./exportDirectories.js";
import { NfsVolumes } from "./nfsVolumes.js";

let dir = "";
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nfs-lab-"));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

it("binds the very directory the controller made, for the grant it gave", async () => {
  const exportRoot = join(dir, "shares", "nas.lab", "srv", "swarm");
  await mkdir(exportRoot, { recursive: true });
  const nfs = new NfsVolumes(new LocalExportDirectories(exportRoot), {
    export: { server: "nas.lab", path: "/srv/swarm" }, mountOptions: ["actimeo=30"], region: "lab", logger: silentLogger, now: () => "",
  });
  const created = await nfs.create({ uid: "u-media", name: "media", sizeBytes: 0, zone: "", options: { mode: "0770" } });
  const grant = await nfs.attach(created.id, "i-node1");

  const calls: string[][] = [];
  const runner: CommandRunner = { run: async (program, args): Promise<CommandResult> => (calls.push([program, ...args]), { code: 0, stdout: "", stderr: "" }) };
  const mountInfo = join(dir, "mountinfo");
  await writeFile(mountInfo, "22 1 8:1 / / rw - ext4 /dev/vda rw\n");
  const share = parseGrantedShare(grant.device);
  expect(share).toBeDefined();
  const target = join(dir, "mounts", "media");
  await new BindShareMounter(runner, join(dir, "shares"), { mountInfoPath: mountInfo }).mount(share!, target);

  const [[, , source] = []] = calls;
  expect(calls).toEqual([["mount", "--bind", source, target]]);
  expect(source?.startsWith(`${exportRoot}/media-`)).toBe(true);
  const made = await stat(source as string);
  expect(made.isDirectory() && (made.mode & 0o7777) === 0o770).toBe(true);
});
