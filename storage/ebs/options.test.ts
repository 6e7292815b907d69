import { describe, expect, it } from "vitest";
import { BackendRegistry } from "../../core/backends.js";
import { isSwarmvolError } from "../../core/errors.js";
import { buildEbsSpec, ebsDefinition, parseEbsOptions, toGiB } from "./options.js";

const GiB = 1024 ** 3;

function rejection(options: Record<string, unknown>): string {
  try {
    buildEbsSpec("data", options);
  } catch (err) {
    if (!isSwarmvolError(err, "INVALID_ARGUMENT")) throw err;
    return err.message;
  }
  return "accepted";
}

describe("buildEbsSpec accepts", () => {
  it.each([
    [{}, { sizeBytes: GiB, fsType: "ext4" }],
    [{ size: "20" }, { sizeBytes: 20 * GiB }],
    [{ size: "512MiB" }, { sizeBytes: GiB }],
    [{ size: "1.5GiB" }, { sizeBytes: 2 * GiB }],
    [{ type: "st1" }, { sizeBytes: 125 * GiB }],
    [{ type: "SC1", size: "500" }, { sizeBytes: 500 * GiB }],
    [{ type: "gp3", size: "10", iops: "5000", throughput: "500" }, { sizeBytes: 10 * GiB }],
    [{ type: "gp3", iops: "3000" }, { sizeBytes: GiB }],
    [{ type: "io2", size: "10", iops: "10000" }, { sizeBytes: 10 * GiB }],
    [{ type: "io1", size: "4", iops: "200" }, { sizeBytes: 4 * GiB }],
    [{ snapshot: "snap-0123456789abcdef0" }, { sizeBytes: 0 }],
    [{ FSTYPE: "xfs", Size: "2" }, { sizeBytes: 2 * GiB, fsType: "xfs", options: { fsType: "xfs", size: "2" } }],
    [{ zone: "us-east-1a", encrypted: "TRUE" }, { sizeBytes: GiB }],
    [{ kmsKeyId: "alias/swarmvol" }, { sizeBytes: GiB }],
    [{ mmp: "on" }, { fsType: "ext4", options: { mmp: "on" } }],
  ])("%j", (options, expected) => {
    expect(buildEbsSpec("data", options)).toMatchObject({ name: "data", backend: "ebs", ...expected });
  });
});

describe("buildEbsSpec rejects, naming the fix", () => {
  it.each([
    [{ sise: "10" }, /unknown option "sise".*valid options: size, type/],
    [{ type: "standard" }, /invalid type "standard": use one of gp3, gp2, io1, io2, st1, sc1/],
    [{ type: "gp2", iops: "3000" }, /iops is not allowed for gp2: remove -o iops, or use type gp3, io1 or io2/],
    [{ type: "st1", iops: "500" }, /iops is not allowed for st1/],
    [{ type: "io1", size: "10" }, /io1 needs iops: add -o iops=N with N in 100-64000/],
    [{ type: "io2", size: "10", iops: "50" }, /iops 50 is out of range for io2: use 100-256000/],
    [{ type: "gp3", iops: "2000" }, /iops 2000 is out of range for gp3: use 3000-16000/],
    [{ type: "gp3", size: "2", iops: "6000" }, /too high for 2 GiB of gp3.*use size >= 12/],
    [{ type: "io1", size: "4", iops: "1000" }, /too high for 4 GiB of io1.*use size >= 20/],
    [{ iops: "3k" }, /invalid iops "3k": write a whole number/],
    [{ type: "gp2", throughput: "250" }, /throughput is only for gp3: remove -o throughput, or use -o type=gp3/],
    [{ throughput: "100" }, /throughput 100 is out of range for gp3: use 125-1000/],
    [{ throughput: "2000" }, /out of range for gp3: use 125-1000/],
    [{ size: "100", throughput: "1000" }, /needs at least 4000 IOPS.*add -o iops=4000/],
    [{ type: "st1", size: "100" }, /size 100 is out of range for st1: use 125-16384 GiB \(st1 volumes start at 125 GiB\)/],
    [{ type: "sc1", size: "10GiB" }, /sc1 volumes start at 125 GiB/],
    [{ size: "20TiB" }, /out of range for gp3: use 1-16384 GiB/],
    [{ type: "io1", size: "2", iops: "100" }, /out of range for io1: use 4-16384 GiB/],
    [{ size: "ten" }, /invalid size "ten"/],
    [{ encrypted: "yes" }, /invalid encrypted "yes": use true or false/],
    [{ encrypted: "false", kmsKeyId: "alias/k" }, /kmsKeyId needs encryption: remove -o encrypted=false/],
    [{ kmsKeyId: "alias/has space" }, /invalid kmsKeyId/],
    [{ snapshot: "vol-0123456789abcdef0" }, /invalid snapshot .*snap-0123456789abcdef0/],
    [{ zone: "us-east-1" }, /invalid zone "us-east-1": give an availability zone name like us-east-1a/],
    [{ fsType: "btrfs" }, /invalid fsType "btrfs": use ext4/],
    [{ size: 10 }, /option "size" must be a string/],
    [{ mmp: "on", fsType: "xfs" }, /mmp=on needs ext4/],
    [{ mmp: "on", snapshot: "snap-0123456789abcdef0" }, /keeps its source's filesystem: remove -o mmp/],
  ])("%j", (options, message) => {
    expect(rejection(options)).toMatch(message);
  });
});

describe("ebsDefinition behind the registry (core/backends.ts)", () => {
  const registry = new BackendRegistry([ebsDefinition], "ebs");

  it.each([
    [null], [{}], [{ size: "20", type: "io2", iops: "10000" }], [{ FSTYPE: "xfs", Size: "2" }],
    [{ snapshot: "snap-0123456789abcdef0" }], [{ zone: "us-east-1a", encrypted: "TRUE", mmp: "on" }],
  ])("a volume created without -o backend gets exactly the spec it had before the seam: %j", (options) => {
    expect(registry.buildSpec("data", options)).toStrictEqual(buildEbsSpec("data", options));
  });

  it("keeps -o backend=ebs and -o access=single-writer in the spec only when given", () => {
    expect(registry.buildSpec("data", { Backend: "EBS", size: "2" }).options).toEqual({ size: "2", backend: "ebs" });
    expect(registry.buildSpec("data", { access: "single-writer" }).options).toEqual({ access: "single-writer" });
  });

  it("refuses multi-writer and an unknown option the same way", () => {
    expect(() => registry.buildSpec("data", { access: "multi-writer" })).toThrow(/block device one node mounts at a time/);
    expect(() => registry.buildSpec("data", { backend: "ebs", sise: "1" })).toThrow(/unknown option "sise".*valid options: size, type/);
  });

  it("routes vol- ids to it", () => {
    expect(registry.ofId("vol-0123456789abcdef0")).toBe(ebsDefinition);
  });
});

describe("parseEbsOptions", () => {
  it("fills defaults: gp3, 1 GiB, not encrypted", () => {
    expect(parseEbsOptions({})).toEqual({ type: "gp3", sizeGiB: 1, encrypted: false });
  });

  it("leaves size to the snapshot when restoring without size", () => {
    expect(parseEbsOptions({ snapshot: "snap-0123456789abcdef0" })).toEqual({ type: "gp3", encrypted: false, snapshotId: "snap-0123456789abcdef0" });
  });

  it("kmsKeyId implies encrypted", () => {
    expect(parseEbsOptions({ kmsKeyId: "alias/k" })).toMatchObject({ encrypted: true, kmsKeyId: "alias/k" });
  });

  it("carries every typed field", () => {
    expect(parseEbsOptions({ type: "gp3", size: "8", iops: "4000", throughput: "250", zone: "eu-west-1b", encrypted: "true" }))
      .toEqual({ type: "gp3", sizeGiB: 8, iops: 4000, throughput: 250, encrypted: true, zone: "eu-west-1b" });
  });
});

describe("toGiB", () => {
  it.each([[1, 1], [GiB, 1], [GiB + 1, 2], [20 * GiB, 20], [0, 1]])("%d bytes → %d GiB", (bytes, gib) => {
    expect(toGiB(bytes)).toBe(gib);
  });
});
