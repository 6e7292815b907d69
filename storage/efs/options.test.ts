import { describe, expect, it } from "vitest";
import { BackendRegistry } from "../../core/backends.js";
import { ErrorCode } from "../../core/errors.js";
import { ebsDefinition } from "../ebs/options.js";
import { buildEfsSpec, efsDefinition, parseEfsOwner } from "./options.js";

describe("EFS -o options", () => {
  it("takes the root directory's owner and onRemove; nothing else is needed", () => {
    expect(buildEfsSpec("jenkins", {})).toEqual({ name: "jenkins", backend: "efs", sizeBytes: 0, fsType: "ext4", options: {} });
    expect(buildEfsSpec("jenkins", { UID: "1000", gid: "1000", mode: "0750", onRemove: "retain" }).options).toEqual({ uid: "1000", gid: "1000", mode: "0750", onRemove: "retain" });
    expect(parseEfsOwner({ uid: "1000" })).toEqual({ uid: 1000, gid: 0, mode: "0755" });
  });

  it.each([
    ["size", "20", /grows and shrinks with its data/],
    ["type", "gp3", /pool file system's/],
    ["fsType", "xfs", /nothing is formatted/],
    ["snapshot", "snap-0123456789abcdef0", /no EBS snapshots/],
    ["from", "db", /no EBS snapshots/],
    ["zonePolicy", "follow", /regional/],
  ])("refuses the block option %s naming why", (key, value, why) => {
    expect(() => buildEfsSpec("jenkins", { [key]: value })).toThrow(why);
  });

  it.each([
    [{ uid: "-1" }, /whole number/], [{ gid: "x" }, /whole number/], [{ mode: "rwx" }, /octal/],
    [{ onRemove: "snapshot" }, /delete \(the default\) or retain/], [{ sise: "1" }, /unknown option "sise" for the efs backend/],
  ])("refuses %j with the fix", (options, message) => {
    expect(() => buildEfsSpec("jenkins", options)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument, message: expect.stringMatching(message) }));
  });

  it("is a share at the seam: multi-writer is accepted and kept in the options", () => {
    const registry = new BackendRegistry([ebsDefinition, efsDefinition], "ebs");
    expect(registry.buildSpec("shared", { backend: "efs", access: "multi-writer", uid: "1000" })).toMatchObject({
      backend: "efs", options: { backend: "efs", access: "multi-writer", uid: "1000" },
    });
    expect(registry.ofId("fsap-0123")?.name).toBe("efs");
  });
});
