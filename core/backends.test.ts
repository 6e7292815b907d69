import { describe, expect, it } from "vitest";
import { accessModeOf, backendKindOf, BackendRegistry, parseAccessMode, type BackendDefinition } from "./backends.js";
import { canonicalOptions } from "./volume.js";

/** A backend whose parser knows only `size`, like a real one refusing unknown keys. */
function definition(name: string, kind: BackendDefinition["kind"], idPrefix: string): BackendDefinition {
  return {
    name, kind, idPrefix,
    buildSpec: (volume, raw) => ({ name: volume, backend: name, sizeBytes: 0, fsType: "ext4", options: canonicalOptions(raw, [{ name: "size", help: "" }], name) }),
  };
}

const registry = new BackendRegistry([definition("ebs", "block", "vol-"), definition("efs", "share", "fsap-"), definition("nfs", "share", "nfs-")], "ebs");

describe("BackendRegistry.buildSpec", () => {
  it.each([
    { options: { size: "1" }, backend: "ebs", specOptions: { size: "1" } },
    { options: null, backend: "ebs", specOptions: {} },
    { options: { backend: "nfs" }, backend: "nfs", specOptions: { backend: "nfs" } },
    { options: { Backend: "EFS", access: "Multi-Writer" }, backend: "efs", specOptions: { backend: "efs", access: "multi-writer" } },
    { options: { backend: "ebs", access: "single-writer", size: "2" }, backend: "ebs", specOptions: { size: "2", backend: "ebs", access: "single-writer" } },
  ])("$options → $backend", ({ options, backend, specOptions }) => {
    const spec = registry.buildSpec("data", options);
    expect(spec.backend).toBe(backend);
    expect(spec.options).toEqual(specOptions);
  });

  it("leaves a volume created without backend/access exactly as its backend made it", () => {
    const ebs = definition("ebs", "block", "vol-");
    expect(registry.buildSpec("data", { size: "3" })).toEqual(ebs.buildSpec("data", { size: "3" }));
  });

  it("refuses multi-writer on a block backend, naming the file backends", () => {
    expect(() => registry.buildSpec("data", { access: "multi-writer" })).toThrow(/-o backend=efs or -o backend=nfs/);
    expect(() => registry.buildSpec("data", { backend: "ebs", access: "multi-writer" })).toThrow(/INVALID_ARGUMENT|block device/);
  });

  it("uses the controller's default backend", () => {
    const nfsFirst = new BackendRegistry([definition("ebs", "block", "vol-"), definition("nfs", "share", "nfs-")], "nfs");
    expect(nfsFirst.buildSpec("data", {}).backend).toBe("nfs");
    expect(nfsFirst.buildSpec("data", { access: "multi-writer" }).options.access).toBe("multi-writer");
  });

  it.each([
    [{ backend: "zfs" }, /unknown backend "zfs": use -o backend=ebs\|efs\|nfs/],
    [{ access: "everyone" }, /invalid access "everyone"/],
    [{ backend: 3 }, /must be a string/],
    [{ sise: "1" }, /unknown option "sise"/],
  ])("refuses %j", (options, message) => {
    expect(() => registry.buildSpec("data", options)).toThrow(message);
  });
});

describe("BackendRegistry", () => {
  it.each([["vol-0abc", "ebs"], ["fsap-0123", "efs"], ["nfs-data", "nfs"], ["snap-1", undefined]])("routes id %s to %s", (id, name) => {
    expect(registry.ofId(id)?.name).toBe(name);
  });

  it("refuses a default it does not have, and duplicate names or prefixes", () => {
    expect(() => new BackendRegistry([definition("ebs", "block", "vol-")], "efs")).toThrow(/invalid --default-backend "efs": this controller serves ebs; give --default-backend ebs$/);
    expect(() => new BackendRegistry([definition("ebs", "block", "vol-"), definition("nfs", "share", "nfs-")], "efs")).toThrow(/serves ebs and nfs; give --default-backend ebs or nfs$/);
    expect(() => new BackendRegistry([definition("ebs", "block", "vol-"), definition("ebs", "block", "x-")], "ebs")).toThrow(/twice/);
    expect(() => new BackendRegistry([definition("ebs", "block", "vol-"), definition("efs", "share", "vol-")], "ebs")).toThrow(/id prefix/);
  });
});

describe("a backend without ids (local)", () => {
  it("clashes with none and routes no id", () => {
    const local: BackendDefinition = { ...definition("local", "block", "unused"), idPrefix: undefined };
    const noIds = new BackendRegistry([local, { ...local, name: "other" }, definition("ebs", "block", "vol-")], "local");
    expect(noIds.ofId("vol-1")?.name).toBe("ebs");
    expect(noIds.ofId("u1")).toBeUndefined();
    expect(noIds.ofId("")).toBeUndefined();
  });
});

describe("access modes", () => {
  it("defaults to single-writer", () => {
    expect(parseAccessMode(undefined)).toBe("single-writer");
    expect(accessModeOf({ name: "a", backend: "efs", sizeBytes: 0, fsType: "ext4", options: {} })).toBe("single-writer");
    expect(accessModeOf({ name: "a", backend: "efs", sizeBytes: 0, fsType: "ext4", options: { access: "multi-writer" } })).toBe("multi-writer");
  });
});

describe("a controller serving EBS only", () => {
  const ebsOnly = new BackendRegistry([definition("ebs", "block", "vol-")], "ebs");

  it.each(["efs", "NFS", "local"])("refuses -o backend=%s, a backend it does not serve, naming the fix", (backend) => {
    expect(() => ebsOnly.buildSpec("data", { backend })).toThrow(
      new RegExp(`^this controller does not serve the ${backend.toLowerCase()} backend \\(it serves ebs\\): create the volume with -o backend=ebs, or leave -o backend out for ebs$`),
    );
  });

  it("tells a typo apart, and gives a multi-writer fix that works here", () => {
    expect(() => ebsOnly.buildSpec("data", { backend: "zfs" })).toThrow(/^unknown backend "zfs": use -o backend=ebs$/);
    expect(() => ebsOnly.buildSpec("data", { access: "multi-writer" })).toThrow(/needs a file share; this controller serves no file share: leave -o access out for a single-writer volume$/);
  });

  it("carries the stable code and what is served", () => {
    try {
      ebsOnly.buildSpec("data", { backend: "efs" });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: "INVALID_ARGUMENT", details: { option: "backend", value: "efs", served: ["ebs"] } });
    }
  });
});

describe("a backend's kind", () => {
  const ebsOnly = new BackendRegistry([definition("ebs", "block", "vol-")], "ebs");

  it.each([["ebs", "block"], ["efs", "share"], ["NFS", "share"], ["local", "block"], ["ceph", "block"]])("%s is %s, served or not", (backend, kind) => {
    expect(backendKindOf(backend)).toBe(kind);
    expect(ebsOnly.kindOf(backend)).toBe(kind);
  });

  it("is the served definition's, and a definition may not contradict the design", () => {
    expect(new BackendRegistry([definition("ebs", "block", "vol-"), definition("ceph", "share", "ceph-")], "ebs").kindOf("ceph")).toBe("share");
    expect(() => new BackendRegistry([definition("efs", "block", "fsap-")], "efs")).toThrow(/backend "efs" is a share backend, registered as a block/);
  });
});
