import { describe, expect, it } from "vitest";
import { isSwarmvolError } from "./errors.js";
import { mmpOf, parseMmp } from "./mmp.js";
import { canonicalOptions } from "./volume.js";

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (!isSwarmvolError(err, "INVALID_ARGUMENT")) throw err;
    return err.message;
  }
  return "accepted";
}

describe("-o mmp", () => {
  it.each([
    [{}, false], [{ mmp: "" }, false], [{ mmp: "off" }, false], [{ mmp: "OFF" }, false],
    [{ mmp: "on" }, true], [{ mmp: " On " }, true],
  ])("%j on ext4 gives %s", (options, expected) => {
    expect(parseMmp(options, "ext4")).toBe(expected);
  });

  it.each([
    [{ mmp: "yes" }, "ext4", /invalid mmp "yes": use on or off \(off is the default\)/],
    [{ mmp: "on" }, "xfs", /mmp=on needs ext4: xfs has no multi-mount protection; use -o fsType=ext4, or remove -o mmp/],
    [{ mmp: "on", snapshot: "snap-0123456789abcdef0" }, "ext4", /made with -o snapshot= keeps its source's filesystem: remove -o mmp/],
    [{ mmp: "on", from: "db" }, "ext4", /made with -o from= keeps its source's filesystem: remove -o mmp/],
  ] as const)("refuses %j on %s, naming the fix", (options, fsType, message) => {
    expect(refusal(() => parseMmp(options, fsType))).toMatch(message);
  });

  it("off is fine with xfs and with a restore (it asks for nothing)", () => {
    expect(parseMmp({ mmp: "off" }, "xfs")).toBe(false);
    expect(parseMmp({ mmp: "off", snapshot: "snap-0123456789abcdef0" }, "ext4")).toBe(false);
  });

  it("a record's spec gives MMP only for ext4 with mmp=on; a value that no longer parses is off", () => {
    expect(mmpOf({ fsType: "ext4", options: { mmp: "ON" } })).toBe(true);
    expect(mmpOf({ fsType: "ext4", options: {} })).toBe(false);
    expect(mmpOf({ fsType: "ext4", options: { mmp: "maybe" } })).toBe(false);
    expect(mmpOf({ fsType: "xfs", options: { mmp: "on" } })).toBe(false);
  });

  it("a backend that does not list it (a file share) refuses it saying why, not only with the list", () => {
    const fileShare = [{ name: "performanceMode", help: "" }];
    expect(refusal(() => canonicalOptions({ MMP: "on" }, fileShare, "efs")))
      .toMatch(/option "MMP" is not for the efs backend: multi-mount protection is a property of an ext4 filesystem on a block volume \(backends ebs and local\).*remove -o mmp/);
    expect(refusal(() => canonicalOptions({ constructor: "x" }, fileShare, "efs"))).toMatch(/unknown option "constructor" for the efs backend; valid options: performanceMode/);
  });
});
