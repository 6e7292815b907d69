import { describe, expect, it } from "vitest";
import { loadControllerConfig } from "../core/clusterConfig.js";
import { buildEbsSpec } from "../storage/ebs/options.js";
import { controllerBackends } from "./backends.js";

const env = { SWARMVOL_TOKEN: "t" };

describe("--default-backend (core/clusterConfig.ts)", () => {
  it("is ebs unless the flag or SWARMVOL_DEFAULT_BACKEND says otherwise, in any case", () => {
    expect(loadControllerConfig(env, []).defaultBackend).toBe("ebs");
    expect(loadControllerConfig({ ...env, SWARMVOL_DEFAULT_BACKEND: "NFS" }, []).defaultBackend).toBe("nfs");
    expect(loadControllerConfig({ ...env, SWARMVOL_DEFAULT_BACKEND: "nfs" }, ["--default-backend=efs"]).defaultBackend).toBe("efs");
  });

  it.each([
    ["zfs", /^invalid --default-backend "zfs" \(SWARMVOL_DEFAULT_BACKEND\): use ebs, efs, nfs$/],
    ["", /^invalid --default-backend "" .*: use ebs, efs, nfs$/],
    ["local", /\(local is all-in-one's backend, one host with no cloud\): use ebs, efs, nfs$/],
  ])("refuses %j naming the valid ones", (value, message) => {
    expect(() => loadControllerConfig(env, ["--default-backend", value])).toThrow(message);
  });
});

describe("the controller's backends (cli/backends.ts)", () => {
  it("serves ebs, the default", () => {
    const backends = controllerBackends(loadControllerConfig(env, []).defaultBackend);
    expect(backends.names()).toEqual(["ebs"]);
    expect(backends.buildSpec("data", { size: "2" })).toStrictEqual(buildEbsSpec("data", { size: "2" }));
  });

  it("refuses at start a default this build does not serve, naming the one it does", () => {
    const { defaultBackend } = loadControllerConfig(env, ["--default-backend", "efs"]);
    expect(() => controllerBackends(defaultBackend)).toThrow(/^invalid --default-backend "efs": this controller serves ebs; give --default-backend ebs$/);
  });
});
