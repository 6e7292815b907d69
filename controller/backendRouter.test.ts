import { describe, expect, it } from "vitest";
import { BackendRegistry, type BackendDefinition } from "../core/backends.js";
import type { BackendVolumes, CloudVolume } from "../core/cloud.js";
import { ErrorCode } from "../core/errors.js";
import { FakeCloud } from "../test/fakes/fakeCloud.js";
import { routeBackends } from "./backendRouter.js";

const specOf = (backend: string) => (name: string) => ({ name, backend, sizeBytes: 1, fsType: "ext4" as const, options: {} });
const ebsDefinition: BackendDefinition = { name: "ebs", kind: "block", idPrefix: "vol-", buildSpec: specOf("ebs") };
const shareDefinition: BackendDefinition = { name: "efs", kind: "share", idPrefix: "fsap-", buildSpec: specOf("efs") };

/** A second backend that records its calls by verb and id, with one volume `fsap-1`. */
function recordingShare(calls: string[]): BackendVolumes {
  const volume: CloudVolume = { id: "fsap-1", zone: "z1", sizeBytes: 0, state: "available", attachments: [], tags: {} };
  return {
    create: async (request) => (calls.push(`share create ${request.name}`), volume),
    describe: async (ids) => (calls.push(`share describe ${ids?.join(",") ?? "*"}`), [volume]),
    attach: async (id, instanceId) => (calls.push(`share attach ${id} ${instanceId}`), { instanceId, device: "", state: "attached" }),
    detach: async (id, instanceId) => void calls.push(`share detach ${id} ${instanceId}`),
    delete: async (id) => void calls.push(`share delete ${id}`),
    setTags: async (id) => void calls.push(`share tags ${id}`),
  };
}

function world(definitions: BackendDefinition[] = [ebsDefinition]) {
  const ebs = new FakeCloud();
  const share: string[] = [];
  const backends = new Map<string, BackendVolumes>([["ebs", ebs]]);
  if (definitions.includes(shareDefinition)) backends.set("efs", recordingShare(share));
  const cloud = routeBackends({ registry: new BackendRegistry(definitions, "ebs"), backends, instances: ebs });
  return { ebs, share, cloud };
}

const request = { uid: "u1", name: "db", sizeBytes: 1, zone: "z1", options: {} };

describe("routeBackends", () => {
  it("with EBS alone, sends every verb to EBS with the same arguments", async () => {
    const { ebs, cloud } = world();
    const created = await cloud.create(request);
    await cloud.setTags(created.id, { "swarmvol/epoch": "1" });
    await cloud.attach(created.id, "i-1");
    await cloud.describe([created.id]);
    await cloud.describe();
    await cloud.describeInstances(["i-1"]);
    await cloud.detach(created.id, "i-1", { force: true });
    await cloud.delete(created.id);
    expect(ebs.calls).toEqual([
      "create db z1", "tags vol-1 swarmvol/epoch=1", "attach vol-1 i-1", "describe vol-1", "describe *",
      "describeInstances i-1", "detach vol-1 i-1 force", "delete vol-1",
    ]);
  });

  it("routes a create by its backend and every other call by the id's prefix", async () => {
    const { ebs, share, cloud } = world([ebsDefinition, shareDefinition]);
    expect((await cloud.create({ ...request, backend: "efs" })).backend).toBe("efs");
    await cloud.create({ ...request, name: "block", uid: "u2", backend: "ebs" });
    await cloud.attach("fsap-1", "i-2");
    await cloud.setTags("fsap-1", { "swarmvol/epoch": "2" });
    await cloud.detach("fsap-1", "i-2", { force: false });
    await cloud.delete("fsap-1");
    expect(share).toEqual(["share create db", "share attach fsap-1 i-2", "share tags fsap-1", "share detach fsap-1 i-2", "share delete fsap-1"]);
    expect(ebs.calls).toEqual(["create block z1"]);
  });

  it("describes each backend once for the ids it owns, and every backend for all", async () => {
    const { ebs, share, cloud } = world([ebsDefinition, shareDefinition]);
    await cloud.create(request);
    expect((await cloud.describe(["vol-1", "fsap-1"])).map((v) => `${v.id} ${v.backend}`)).toEqual(["vol-1 ebs", "fsap-1 efs"]);
    expect((await cloud.describe()).map((v) => `${v.id} ${v.backend}`)).toEqual(["vol-1 ebs", "fsap-1 efs"]);
    expect(await cloud.describe([])).toEqual([]);
    expect(ebs.calls.slice(1)).toEqual(["describe vol-1", "describe *"]);
    expect(share).toEqual(["share describe fsap-1", "share describe *"]);
  });

  it("refuses an id no served backend owns, without calling any", async () => {
    const { ebs, cloud } = world();
    await expect(cloud.attach("fsap-9", "i-1")).rejects.toMatchObject({ code: ErrorCode.Internal, details: { backendId: "fsap-9" } });
    await expect(cloud.describe(["nfs-1"])).rejects.toMatchObject({ code: ErrorCode.Internal });
    expect(ebs.calls).toEqual([]);
  });

  it("refuses to be built without verbs for the default backend", () => {
    expect(() => routeBackends({ registry: new BackendRegistry([ebsDefinition], "ebs"), backends: new Map(), instances: new FakeCloud() }))
      .toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument }));
  });
});
