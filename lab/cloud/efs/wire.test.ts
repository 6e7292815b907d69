/**
 * What the EFS front sends on the wire (headers, bodies, epoch seconds), its fault knobs,
 * tags, the NFS exports its state implies, and persistence across a restart.
 */
import {
  CreateAccessPointCommand, CreateFileSystemCommand, CreateMountTargetCommand, DeleteMountTargetCommand,
  DescribeAccessPointsCommand, DescribeFileSystemsCommand, ListTagsForResourceCommand, TagResourceCommand, UntagResourceCommand,
} from "@aws-sdk/client-efs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { labSubnetId } from "./subnets.js";
import { failure, RecordingShareHost, startTestEfs, type TestEfs } from "./testing.js";

let t: TestEfs | undefined;
afterEach(async () => t?.close());

async function available(): Promise<{ t: TestEfs; fsId: string }> {
  t = await startTestEfs();
  const fsId = (await t.efs.send(new CreateFileSystemCommand({ CreationToken: "pool" }))).FileSystemId!;
  await t.efs.send(new DescribeFileSystemsCommand({}));
  return { t, fsId };
}

describe("the wire", () => {
  it("sends errors as EFS does: the code in x-amzn-errortype, {ErrorCode, Message} as JSON", async () => {
    const { t } = await available();
    const res = await fetch(`${t.cloud.endpoint}/2015-02-01/file-systems?FileSystemId=fs-0123456789abcdef0`);
    expect(res.status).toBe(404);
    expect(res.headers.get("x-amzn-errortype")).toBe("FileSystemNotFound");
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({ ErrorCode: "FileSystemNotFound", Message: "File system 'fs-0123456789abcdef0' does not exist." });
  });

  it("answers creates with 201, deletes with 204 and no body, times as epoch seconds", async () => {
    t = await startTestEfs();
    const res = await fetch(`${t.cloud.endpoint}/2015-02-01/file-systems`, { method: "POST", body: JSON.stringify({ CreationToken: "raw" }) });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { CreationTime: number; FileSystemId: string };
    expect(body.CreationTime).toBe(t.clock.now() / 1000);
    const del = await fetch(`${t.cloud.endpoint}/2015-02-01/file-systems/${body.FileSystemId}`, { method: "DELETE" });
    expect([del.status, await del.text(), del.headers.get("content-type")]).toEqual([204, "", null]);
  });

  it("answers an unknown route with 404 UnknownOperationException and a body that is not JSON with BadRequest", async () => {
    t = await startTestEfs();
    const unknown = await fetch(`${t.cloud.endpoint}/2015-02-01/lifecycle`);
    expect([unknown.status, unknown.headers.get("x-amzn-errortype")]).toEqual([404, "UnknownOperationException"]);
    const bad = await fetch(`${t.cloud.endpoint}/2015-02-01/file-systems`, { method: "POST", body: "{" });
    expect([bad.status, bad.headers.get("x-amzn-errortype")]).toEqual([400, "BadRequest"]);
  });
});

describe("fault knobs", () => {
  it("throttles with 429 ThrottlingException and fails with 500 InternalServerError, creating nothing", async () => {
    t = await startTestEfs({ faults: { throttleNext: 1, serverErrorNext: 1, actions: ["CreateFileSystem"] } });
    const throttled = await failure(t.efs.send(new CreateFileSystemCommand({ CreationToken: "x" })));
    expect([throttled.name, throttled.$metadata.httpStatusCode]).toEqual(["ThrottlingException", 429]);
    const broken = await failure(t.efs.send(new CreateFileSystemCommand({ CreationToken: "x" })));
    expect([broken.name, broken.$metadata.httpStatusCode, broken.$fault]).toEqual(["InternalServerError", 500, "server"]);
    expect((await t.efs.send(new DescribeFileSystemsCommand({}))).FileSystems).toEqual([]);
  });

  it("loses the answer of an applied create: the retry is told FileSystemAlreadyExists with the id", async () => {
    t = await startTestEfs({ faults: { lostResponseNext: 1, lostResponseMode: "drop", actions: ["CreateFileSystem"] } });
    const lost = await failure(t.efs.send(new CreateFileSystemCommand({ CreationToken: "once" })));
    expect(lost.name).not.toBe("FileSystemAlreadyExists");
    const retry = await failure(t.efs.send(new CreateFileSystemCommand({ CreationToken: "once" })));
    const [fs] = (await t.efs.send(new DescribeFileSystemsCommand({}))).FileSystems!;
    expect([retry.name, retry.FileSystemId]).toEqual(["FileSystemAlreadyExists", fs?.FileSystemId]);
  });
});

describe("tags", () => {
  it("TagResource, ListTagsForResource and UntagResource on a file system and an access point", async () => {
    const { t, fsId } = await available();
    const ap = (await t.efs.send(new CreateAccessPointCommand({ FileSystemId: fsId, ClientToken: "u1", Tags: [{ Key: "a", Value: "1" }] }))).AccessPointId!;
    for (const id of [fsId, ap]) {
      await t.efs.send(new TagResourceCommand({ ResourceId: id, Tags: [{ Key: "swarmvol/epoch", Value: "2" }, { Key: "b", Value: "x" }] }));
      await t.efs.send(new UntagResourceCommand({ ResourceId: id, TagKeys: ["b", "missing"] }));
      const tags = (await t.efs.send(new ListTagsForResourceCommand({ ResourceId: id }))).Tags;
      expect(tags?.find((tag) => tag.Key === "swarmvol/epoch")?.Value).toBe("2");
      expect(tags?.some((tag) => tag.Key === "b")).toBe(false);
    }
    const err = await failure(t.efs.send(new ListTagsForResourceCommand({ ResourceId: "fsap-0123456789abcdef0" })));
    expect(err.name).toBe("AccessPointNotFound");
  });
});

describe("NFS exports", () => {
  it("serves a file system only while it has an available mount target, and its access points squashed to their PosixUser", async () => {
    const { t, fsId } = await available();
    const ap = await t.efs.send(new CreateAccessPointCommand({
      FileSystemId: fsId, ClientToken: "u1", PosixUser: { Uid: 1000, Gid: 50 },
      RootDirectory: { Path: "/swarmvol/data", CreationInfo: { OwnerUid: 1000, OwnerGid: 50, Permissions: "755" } },
    }));
    await t.efs.send(new DescribeAccessPointsCommand({}));
    expect(t.shares.served).toEqual([]);
    const mt = await t.efs.send(new CreateMountTargetCommand({ FileSystemId: fsId, SubnetId: labSubnetId("us-east-1a") }));
    await t.efs.send(new DescribeFileSystemsCommand({}));
    expect(t.shares.served).toEqual([
      { exportId: 1, pseudo: `/${fsId}`, fileSystemId: fsId, path: "/" },
      { exportId: 2, pseudo: `/${ap.AccessPointId}`, fileSystemId: fsId, path: "/swarmvol/data", squashTo: { uid: 1000, gid: 50 } },
    ]);
    const admin = (await (await fetch(`${t.cloud.endpoint}/_swarmvol/efs/exports`)).json()) as { exports: unknown[] };
    expect(admin.exports).toEqual(t.shares.served);
    await t.efs.send(new DeleteMountTargetCommand({ MountTargetId: mt.MountTargetId }));
    expect(t.shares.served).toEqual([]);
  });
});

describe("persistence", () => {
  it("keeps file systems, access points, mount targets and tokens across a restart, and finishes transitions in flight", async () => {
    const dir = await mkdtemp(join(tmpdir(), "efs-persist-"));
    try {
      const clock = new ManualClock();
      const shares = new RecordingShareHost();
      t = await startTestEfs({ dataDir: dir, clock, shares, faults: { latencyMs: { mountTargetCreate: 60_000 } } });
      const fsId = (await t.efs.send(new CreateFileSystemCommand({ CreationToken: "pool" }))).FileSystemId!;
      await t.efs.send(new DescribeFileSystemsCommand({}));
      await t.efs.send(new CreateMountTargetCommand({ FileSystemId: fsId, SubnetId: labSubnetId("us-east-1a") }));
      await t.close();
      t = await startTestEfs({ dataDir: dir, clock, shares });
      expect((await failure(t.efs.send(new CreateFileSystemCommand({ CreationToken: "pool" })))).FileSystemId).toBe(fsId);
      clock.advance(60_000);
      await new Promise((resolve) => setImmediate(resolve));
      expect(shares.served.map((e) => e.pseudo)).toEqual([`/${fsId}`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
