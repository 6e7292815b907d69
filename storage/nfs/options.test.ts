import { describe, expect, it } from "vitest";
import { BackendRegistry } from "../../core/backends.js";
import { ErrorCode } from "../../core/errors.js";
import { ebsDefinition } from "../ebs/options.js";
import { buildNfsSpec, nfsDefinition, nfsOnRemoveOf } from "./options.js";

describe("NFS -o options", () => {
  it("takes the directory's owner and onRemove; nothing else is needed", () => {
    expect(buildNfsSpec("media", {})).toEqual({ name: "media", backend: "nfs", sizeBytes: 0, fsType: "ext4", options: {} });
    expect(buildNfsSpec("media", { UID: "1000", gid: "100", mode: "0770", onRemove: "delete" }).options).toEqual({ uid: "1000", gid: "100", mode: "0770", onRemove: "delete" });
  });

  it.each([[{}, "retain"], [{ onRemove: "retain" }, "retain"], [{ onRemove: "delete" }, "delete"]])("onRemove of %j is %s (the default keeps the directory)", (options, expected) => {
    expect(nfsOnRemoveOf(options)).toBe(expected);
  });

  it.each([
    ["size", "20", /no size of its own/],
    ["fsType", "xfs", /nothing is formatted/],
    ["snapshotSchedule", "@daily", /no snapshots of an NFS volume/],
    ["zone", "us-east-1a", /has no zone/],
    ["nfsExport", "evil:/", /the controller's --nfs-export/],
    ["server", "evil", /the controller's --nfs-export/],
  ])("refuses %s naming why", (key, value, why) => {
    expect(() => buildNfsSpec("media", { [key]: value })).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument, message: expect.stringMatching(why) }));
  });

  it.each([
    [{ uid: "-1" }, /whole number/], [{ gid: "1e3" }, /whole number/], [{ mode: "999" }, /octal/], [{ mode: "0755 " }, /octal/],
    [{ onRemove: "snapshot" }, /retain \(the default: keep the directory\) or delete/], [{ onRemove: "" }, /retain \(the default/],
    [{ sise: "1" }, /unknown option "sise" for the nfs backend/], [{ uid: 1000 }, /must be a string/],
  ])("refuses %j with the fix", (options, message) => {
    expect(() => buildNfsSpec("media", options)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument, message: expect.stringMatching(message) }));
  });

  it("is a share at the seam: multi-writer is accepted and kept, its ids are nfs-", () => {
    const registry = new BackendRegistry([ebsDefinition, nfsDefinition], "ebs");
    expect(registry.buildSpec("media", { backend: "nfs", access: "multi-writer", uid: "1000" })).toMatchObject({
      backend: "nfs", options: { backend: "nfs", access: "multi-writer", uid: "1000" },
    });
    expect(registry.ofId("nfs-0123456789abcdef0")?.name).toBe("nfs");
    expect(() => registry.buildSpec("db", { access: "multi-writer" })).toThrow(/use -o backend=nfs/);
  });
});
