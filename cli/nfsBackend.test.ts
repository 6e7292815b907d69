import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadControllerConfig } from "../core/clusterConfig.js";
import { ErrorCode } from "../core/errors.js";
import { silentLogger } from "../core/ports.js";
import { controllerBackends } from "./backends.js";
import { nfsBackendVolumes } from "./nfsBackend.js";

const env = { SWARMVOL_TOKEN: "t" };

describe("the controller's NFS settings (core/nfsSettings.ts)", () => {
  it("leave nfs unserved without --nfs-export", () => {
    expect(loadControllerConfig(env, []).nfs).toBeUndefined();
    expect(controllerBackends("ebs", loadControllerConfig(env, []).backends).names()).toEqual(["ebs"]);
    expect(() => controllerBackends("ebs", ["ebs"]).buildSpec("media", { backend: "nfs" })).toThrow(/does not serve the nfs backend \(it serves ebs\)/);
  });

  it("read the export, its root on this host and the mount options, from flags or the environment", () => {
    expect(loadControllerConfig(env, ["--backends", "ebs,nfs", "--nfs-export", "nfs://nas.lab:2049/srv/swarm/", "--nfs-export-root", "/mnt/swarm", "--nfs-mount-options", "actimeo=30"]).nfs).toEqual({
      export: { server: "nas.lab", port: 2049, path: "/srv/swarm" }, exportRoot: "/mnt/swarm", mountOptions: ["actimeo=30"],
    });
    expect(loadControllerConfig({ ...env, SWARMVOL_BACKENDS: "nfs", SWARMVOL_DEFAULT_BACKEND: "nfs", SWARMVOL_NFS_EXPORT: "10.0.0.5:/export", SWARMVOL_NFS_EXPORT_ROOT: "/mnt/x" }, []).nfs).toEqual({
      export: { server: "10.0.0.5", path: "/export" }, exportRoot: "/mnt/x", mountOptions: [],
    });
  });

  it.each([
    [["--backends", "ebs,nfs"], /^--backends serves nfs: give --nfs-export server:\/path \(SWARMVOL_NFS_EXPORT\) and --nfs-export-root DIR/],
    [["--nfs-export", "nas:/x", "--nfs-export-root", "/mnt"], /^--nfs-export is for the nfs backend: add nfs to --backends/],
    [["--nfs-export", "nas:/x"], /--nfs-export needs --nfs-export-root \(SWARMVOL_NFS_EXPORT_ROOT\)/],
    [["--nfs-export", "nas:/x", "--nfs-export-root", "mnt"], /--nfs-export needs --nfs-export-root/],
    [["--nfs-export", "nas:/../x", "--nfs-export-root", "/mnt"], /^--nfs-export \(SWARMVOL_NFS_EXPORT\): invalid NFS export "nas:\/\.\.\/x": the path holds a \. or \.\. segment/],
    [["--nfs-export", "nas:/x", "--nfs-export-root", "/mnt", "--nfs-mount-options", "a,,b"], /^--nfs-mount-options \(SWARMVOL_NFS_MOUNT_OPTIONS\): invalid NFS mount option ""/],
    [["--nfs-export-root", "/mnt"], /--nfs-export-root \(SWARMVOL_NFS_EXPORT_ROOT\) is for the nfs backend: give --nfs-export server:\/path too/],
    [["--nfs-mount-options", "noac"], /--nfs-mount-options \(SWARMVOL_NFS_MOUNT_OPTIONS\) is for the nfs backend/],
  ])("refuse %j naming the fix", (argv, message) => {
    expect(() => loadControllerConfig(env, argv)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument, message: expect.stringMatching(message) }));
  });

  it("serve nfs beside ebs when --backends names it; it may be the default", () => {
    const backends = controllerBackends("nfs", ["ebs", "nfs"]);
    expect(backends.names()).toEqual(["ebs", "nfs"]);
    expect(backends.buildSpec("media", {}).backend).toBe("nfs");
    expect(() => controllerBackends("nfs", ["ebs"])).toThrow(/^invalid --default-backend "nfs": this controller serves ebs/);
  });
});

describe("nfsBackendVolumes (cli/nfsBackend.ts)", () => {
  let root = "";
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "nfs-root-"));
  });
  afterEach(async () => rm(root, { recursive: true, force: true }));

  const settings = (exportRoot: string) => ({ export: { server: "nas.lab", path: "/srv/swarm" }, exportRoot, mountOptions: [] });

  it("is none without an export, and the nfs verbs over the export root with one", async () => {
    expect(await nfsBackendVolumes(undefined, "us-east-1", silentLogger)).toBeUndefined();
    const verbs = await nfsBackendVolumes(settings(root), "us-east-1", silentLogger);
    const made = await verbs?.create({ uid: "u1", name: "media", sizeBytes: 0, zone: "", options: {} });
    expect(made?.id).toMatch(/^nfs-/);
    expect((await stat(join(root, ".swarmvol", `${made?.id}.json`))).isFile()).toBe(true);
  });

  it("stops the start when the export root is not there", async () => {
    await expect(nfsBackendVolumes(settings(join(root, "missing")), "us-east-1", silentLogger)).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument, message: expect.stringMatching(/is not a directory this controller can write: mount the export there first/),
    });
  });
});
