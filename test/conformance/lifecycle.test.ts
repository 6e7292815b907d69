import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
let h: Harness;
beforeEach(async () => (h = await startHarness()));
afterEach(async () => h.close());

describe("plugin protocol: handshake", () => {
  it("answers Activate with an empty body and the VolumeDriver manifest", async () => {
    const answer = await h.call("/Plugin.Activate");
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ Implements: ["VolumeDriver"] });
    expect(answer.contentType).toBe("application/vnd.docker.plugins.v1.1+json");
  });

  it("reports global scope", async () => {
    expect((await h.call("/VolumeDriver.Capabilities", {})).body).toEqual({ Capabilities: { Scope: "global" } });
  });
});

describe("plugin protocol: create, get, list, remove", () => {
  it("creates with null Opts and answers Get with an RFC 3339 CreatedAt and status", async () => {
    expect((await h.call("/VolumeDriver.Create", { Name: "data", Opts: null })).body).toEqual({});
    const volume = (await h.call("/VolumeDriver.Get", { Name: "data" })).body.Volume as Record<string, unknown>;
    expect(volume.Name).toBe("data");
    expect(volume.CreatedAt).toMatch(rfc3339);
    expect(volume.Mountpoint).toBeUndefined();
    expect(volume.Status).toMatchObject({ backend: "local", size: 1024 ** 3, fsType: "ext4" });
  });

  it("creates with options and is idempotent for a repeat", async () => {
    const request = { Name: "jenkins", Opts: { size: "512MiB", fsType: "xfs" } };
    expect((await h.call("/VolumeDriver.Create", request)).body).toEqual({});
    expect((await h.call("/VolumeDriver.Create", request)).body).toEqual({});
    expect(h.node.actions).toEqual(["create jenkins"]);
    expect(h.catalog.get("jenkins")?.spec).toMatchObject({ sizeBytes: 512 * 1024 ** 2, fsType: "xfs" });
  });

  it("accepts a repeat without options and refuses one with different options", async () => {
    await h.call("/VolumeDriver.Create", { Name: "db", Opts: { size: "2" } });
    expect((await h.call("/VolumeDriver.Create", { Name: "db", Opts: {} })).body).toEqual({});
    const conflict = await h.call("/VolumeDriver.Create", { Name: "db", Opts: { size: "3" } });
    expect(conflict.body.Err).toMatch(/already exists.*size.*use another name or remove it first/);
    expect(h.catalog.get("db")?.spec.sizeBytes).toBe(2 * 1024 ** 3);
  });

  it("answers Get of an unknown volume with an Err and no volume", async () => {
    const answer = await h.call("/VolumeDriver.Get", { Name: "ghost" });
    expect(answer.body.Err).toMatch(/no such volume "ghost".*docker volume create -d swarmvol ghost/);
    expect(answer.body.Volume).toBeUndefined();
  });

  it("lists every volume with CreatedAt", async () => {
    await h.call("/VolumeDriver.Create", { Name: "a1", Opts: null });
    await h.call("/VolumeDriver.Create", { Name: "b2", Opts: null });
    const volumes = (await h.call("/VolumeDriver.List", {})).body.Volumes as Array<Record<string, unknown>>;
    expect(volumes.map((volume) => volume.Name).sort()).toEqual(["a1", "b2"]);
    for (const volume of volumes) expect(volume.CreatedAt).toMatch(rfc3339);
  });

  it("removes idempotently and forgets the volume", async () => {
    await h.call("/VolumeDriver.Create", { Name: "tmp1", Opts: null });
    expect((await h.call("/VolumeDriver.Remove", { Name: "tmp1" })).body).toEqual({});
    expect((await h.call("/VolumeDriver.Remove", { Name: "tmp1" })).body).toEqual({});
    expect((await h.call("/VolumeDriver.Get", { Name: "tmp1" })).body.Err).toBeTruthy();
    expect(h.node.actions).toEqual(["create tmp1", "detach tmp1", "remove tmp1"]);
  });

  it("a create the backend refuses leaves nothing behind: the name can be created again at once", async () => {
    h.node.failNext.create = new Error("truncate: File too large (EFBIG)");
    const refused = await h.call("/VolumeDriver.Create", { Name: "big", Opts: { size: "60TiB" } });
    expect(refused.body.Err).toMatch(/File too large/);
    expect(h.catalog.get("big")).toBeUndefined();
    expect((await h.call("/VolumeDriver.Get", { Name: "big" })).body.Err).toBeTruthy();
    expect((await h.call("/VolumeDriver.Create", { Name: "big", Opts: { size: "1GiB" } })).body).toEqual({});
    expect(h.catalog.get("big")?.status.phase).toBe("ready");
  });

  it("a create interrupted by a crash is replaced by a create with other options (it never held data)", async () => {
    h.catalog.records.set("half", {
      uid: "uid-x", createdAt: "2026-01-01T00:00:00.000Z",
      spec: { name: "half", backend: "local", sizeBytes: 1024 ** 3, fsType: "ext4", options: { size: "1GiB" } },
      status: { phase: "creating", fresh: true, epoch: 0 },
    });
    expect((await h.call("/VolumeDriver.Create", { Name: "half", Opts: { size: "2GiB" } })).body).toEqual({});
    expect(h.catalog.get("half")).toMatchObject({ spec: { options: { size: "2GiB" } }, status: { phase: "ready" } });
    expect(h.catalog.get("half")?.uid).not.toBe("uid-x");
  });

  it("finishes a create interrupted between catalog and backend", async () => {
    h.catalog.records.set("half", {
      uid: "uid-x", createdAt: "2026-01-01T00:00:00.000Z",
      spec: { name: "half", backend: "local", sizeBytes: 1024 ** 3, fsType: "ext4", options: {} },
      status: { phase: "creating", fresh: true, epoch: 0 },
    });
    expect((await h.call("/VolumeDriver.Get", { Name: "half" })).body.Err).toBeTruthy();
    expect((await h.call("/VolumeDriver.Create", { Name: "half", Opts: null })).body).toEqual({});
    expect(h.catalog.get("half")?.status.phase).toBe("ready");
    expect(h.catalog.get("half")?.uid).toBe("uid-x");
  });
});
