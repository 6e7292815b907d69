import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../core/errors.js";
import { exportFailure, LocalExportDirectories, markerFolder } from "./exportDirectories.js";

let root = "";
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "nfs-export-"));
});
afterEach(async () => rm(root, { recursive: true, force: true }));

const id = "nfs-0123456789abcdef0";
const owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, mode: "0750" };

describe("LocalExportDirectories (the export as the controller reaches it)", () => {
  it("makes a volume's directory with its mode, and keeps an existing one as it is", async () => {
    const exports = new LocalExportDirectories(root);
    await exports.makeDirectory("db-1a2b3c4d", owner);
    const made = await stat(join(root, "db-1a2b3c4d"));
    expect(made.isDirectory()).toBe(true);
    expect(made.mode & 0o7777).toBe(0o750);
    await writeFile(join(root, "db-1a2b3c4d", "data"), "kept");
    await exports.makeDirectory("db-1a2b3c4d", { ...owner, mode: "0700" });
    expect(await readFile(join(root, "db-1a2b3c4d", "data"), "utf8")).toBe("kept");
    expect((await stat(join(root, "db-1a2b3c4d"))).mode & 0o7777).toBe(0o750);
    expect(await readdir(join(root, markerFolder))).toEqual([]); // no staging directory left behind
  });

  it("writes, reads, lists and removes markers beside the volumes, not in them", async () => {
    const exports = new LocalExportDirectories(root);
    const marker = { id, directory: "db-1a2b3c4d", tags: { "swarmvol/name": "db" } };
    expect(await exports.readMarker(id)).toBeUndefined();
    expect(await exports.listMarkers()).toEqual([]);
    await exports.writeMarker(marker);
    expect(JSON.parse(await readFile(join(root, markerFolder, `${id}.json`), "utf8"))).toEqual(marker);
    expect(await exports.readMarker(id)).toEqual(marker);
    await writeFile(join(root, markerFolder, "notes.txt"), "ignored");
    expect(await exports.listMarkers()).toEqual([marker]);
    await exports.removeMarker(id);
    await exports.removeMarker(id);
    expect(await exports.listMarkers()).toEqual([]);
  });

  it("removes a directory and its files; an absent one is done", async () => {
    const exports = new LocalExportDirectories(root);
    await exports.makeDirectory("db-1a2b3c4d", owner);
    await mkdir(join(root, "db-1a2b3c4d", "deep", "er"), { recursive: true });
    await exports.removeDirectory("db-1a2b3c4d");
    await exports.removeDirectory("db-1a2b3c4d");
    expect(await readdir(root)).toEqual([markerFolder]);
  });

  it.each([[".."], ["."], ["a/b"], [markerFolder], [""], ["x".repeat(256)]])("touches nothing for the directory %j", async (directory) => {
    const exports = new LocalExportDirectories(root);
    await expect(exports.makeDirectory(directory, owner)).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
    await expect(exports.removeDirectory(directory)).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
    await expect(exports.writeMarker({ id, directory, tags: {} })).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
  });

  it.each([["../etc"], ["nfs-0123"], ["fsap-0123456789abcdef0"]])("refuses the id %j", async (bad) => {
    await expect(new LocalExportDirectories(root).readMarker(bad)).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
  });

  it("refuses a marker swarmvol did not write, and a relative root", async () => {
    await mkdir(join(root, markerFolder));
    await writeFile(join(root, markerFolder, `${id}.json`), JSON.stringify({ id, directory: "../../etc", tags: {} }));
    await expect(new LocalExportDirectories(root).readMarker(id)).rejects.toMatchObject({ code: ErrorCode.Internal });
    expect(() => new LocalExportDirectories("relative/root")).toThrow(/must be an absolute path/);
  });
});

describe("exportFailure (the export's own failures)", () => {
  const errno = (code: string) => Object.assign(new Error(`${code}: boom`), { code });

  it.each([["EPERM"], ["EACCES"], ["EROFS"]])("%s is INTERNAL naming the export setting to fix", (code) => {
    expect(exportFailure("making db-1", "/mnt/nfs", errno(code))).toMatchObject({
      code: ErrorCode.Internal, details: { root: "/mnt/nfs", code }, message: expect.stringMatching(/^making db-1 on the NFS export at \/mnt\/nfs was refused .*no_root_squash/),
    });
  });

  it.each([["EIO"], ["ESTALE"], ["ETIMEDOUT"]])("%s is UNAVAILABLE: the volume is retried", (code) => {
    expect(exportFailure("reading", "/mnt/nfs", errno(code))).toMatchObject({ code: ErrorCode.Unavailable });
  });

  it("leaves other failures and domain errors as they are", () => {
    const other = errno("ENOSPC");
    expect(exportFailure("x", "/r", other)).toBe(other);
    const domain = exportFailure("x", "/r", errno("EIO"));
    expect(exportFailure("y", "/r", domain)).toBe(domain);
  });

  it("a step on the export passes a failure it does not know through as it is", async () => {
    await writeFile(join(root, markerFolder), "a file where the marker folder should be");
    await expect(new LocalExportDirectories(root).listMarkers()).rejects.toMatchObject({ code: "ENOTDIR" });
  });
});
