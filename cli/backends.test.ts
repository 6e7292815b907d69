import { describe, expect, it } from "vitest";
import { loadControllerConfig } from "../core/clusterConfig.js";
import { silentLogger } from "../core/ports.js";
import { LocalDirectory } from "../plugin/localDirectory.js";
import { buildEbsSpec } from "../storage/ebs/options.js";
import { buildLocalSpec } from "../storage/local/localBackend.js";
import { FakeClock } from "../test/fakes/clock.js";
import { FakeCloud } from "../test/fakes/fakeCloud.js";
import { FakeNode } from "../test/fakes/fakeDevices.js";
import { MemoryCatalog } from "../test/fakes/memoryState.js";
import { allInOneBackends, controllerBackends, servedVerbs } from "./backends.js";

const env = { SWARMVOL_TOKEN: "t" };

describe("--default-backend (core/clusterConfig.ts)", () => {
  it("is ebs unless the flag or SWARMVOL_DEFAULT_BACKEND says otherwise, in any case", () => {
    const all = { ...env, SWARMVOL_BACKENDS: "ebs,efs,nfs", SWARMVOL_NFS_EXPORT: "nas:/x", SWARMVOL_NFS_EXPORT_ROOT: "/mnt/x" };
    expect(loadControllerConfig(env, []).defaultBackend).toBe("ebs");
    expect(loadControllerConfig({ ...all, SWARMVOL_DEFAULT_BACKEND: "NFS" }, []).defaultBackend).toBe("nfs");
    expect(loadControllerConfig({ ...all, SWARMVOL_DEFAULT_BACKEND: "nfs" }, ["--default-backend=efs"]).defaultBackend).toBe("efs");
  });

  it.each([
    ["zfs", /^invalid --default-backend "zfs" \(SWARMVOL_DEFAULT_BACKEND\): use ebs, efs or nfs$/],
    ["", /^invalid --default-backend "" .*: use ebs, efs or nfs$/],
    ["local", /\(local is all-in-one's backend, one host with no cloud\): use ebs, efs or nfs$/],
  ])("refuses %j naming the valid ones", (value, message) => {
    expect(() => loadControllerConfig(env, ["--default-backend", value])).toThrow(message);
  });
});

describe("the controller's backends (cli/backends.ts)", () => {
  it("serves ebs by default", () => {
    const { defaultBackend, backends: served } = loadControllerConfig(env, []);
    expect(controllerBackends(defaultBackend, served).names()).toEqual(["ebs"]);
  });

  it("serves ebs and efs, a share, with --backends ebs,efs", () => {
    const { defaultBackend, backends: served } = loadControllerConfig(env, ["--backends", "ebs,efs"]);
    const backends = controllerBackends(defaultBackend, served);
    expect(backends.names()).toEqual(["ebs", "efs"]);
    expect(backends.buildSpec("data", { size: "2" })).toStrictEqual(buildEbsSpec("data", { size: "2" }));
    expect(backends.kindOf("efs")).toBe("share");
    expect(backends.ofId("fsap-0123456789abcdef0")?.name).toBe("efs");
    expect(controllerBackends("efs").buildSpec("data", {})).toMatchObject({ backend: "efs", sizeBytes: 0 });
  });

  it("refuses at start a backend this build does not serve, naming the ones it does", () => {
    expect(() => controllerBackends("ebs", ["ebs", "zfs"])).toThrow(/^this build of swarmvol controller does not serve the zfs backend yet \(it has ebs, efs and nfs\): leave it out of --backends$/);
    expect(() => controllerBackends("nfs", ["ebs", "efs"])).toThrow(/^invalid --default-backend "nfs": this controller serves ebs and efs; give --default-backend ebs or efs$/);
  });
});

describe("the router's verbs (cli/backends.ts servedVerbs)", () => {
  it("are the served backends' only: a controller not serving efs never asks EFS", () => {
    const ebs = new FakeCloud();
    const efs = new FakeCloud();
    expect([...servedVerbs(controllerBackends("ebs", ["ebs"]), { ebs, efs }).keys()]).toEqual(["ebs"]);
    expect([...servedVerbs(controllerBackends("ebs", ["ebs", "efs"]), { ebs, efs }).keys()]).toEqual(["ebs", "efs"]);
    expect([...servedVerbs(controllerBackends("efs", ["efs"]), { ebs, efs: undefined }).keys()]).toEqual([]);
  });
});

describe("all-in-one's backends (cli/backends.ts): local", () => {
  const backends = allInOneBackends();

  it.each([[null], [{}], [{ size: "2GiB", fsType: "xfs" }], [{ MMP: "on" }]])("leave a volume without -o backend exactly as buildLocalSpec made it: %j", (options) => {
    expect(backends.buildSpec("data", options)).toStrictEqual(buildLocalSpec("data", options));
  });

  it("take -o backend=local, and refuse what this host does not serve, naming the fix", () => {
    expect(backends.buildSpec("data", { backend: "local" }).options).toEqual({ backend: "local" });
    expect(() => backends.buildSpec("data", { backend: "ebs" })).toThrow(
      /^this all-in-one host does not serve the ebs backend \(it serves local\): create the volume with -o backend=local, or leave -o backend out for local$/,
    );
    expect(() => backends.buildSpec("data", { access: "multi-writer" })).toThrow(/needs a file share; this all-in-one host serves no file share: leave -o access out/);
  });

  it("a Create the registry refuses records nothing and makes no image", async () => {
    const node = new FakeNode();
    const catalog = new MemoryCatalog();
    const directory = new LocalDirectory({ catalog, backend: node.backend, specs: backends, clock: new FakeClock(), logger: silentLogger, newUid: () => "u1" });
    await expect(directory.create("data", { backend: "efs" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(catalog.writes).toEqual([]);
    expect(node.actions).toEqual([]);
    await directory.create("data", { size: "1GiB" });
    expect(catalog.get("data")?.spec).toStrictEqual(buildLocalSpec("data", { size: "1GiB" }));
    expect(node.actions).toEqual(["create data"]);
  });
});
