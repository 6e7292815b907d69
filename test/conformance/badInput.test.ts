import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

let h: Harness;
beforeEach(async () => (h = await startHarness()));
afterEach(async () => {
  expect(h.node.actions).toEqual([]);
  expect(h.catalog.writes).toEqual([]);
  await h.close();
});

describe("plugin protocol: bad input changes nothing and names the fix", () => {
  it.each([
    ["", /missing volume name/],
    ["a", /invalid volume name "a"/],
    ["../etc", /path separators and "\.\." are not allowed/],
    ["a/b", /path separators/],
    ["x..y", /path separators and "\.\."/],
    ["-lead", /starting with a letter or digit/],
    ["sp ace", /use 2-128 characters/],
    ["n".repeat(129), /use 2-128 characters/],
  ])("rejects the volume name %j", async (name, message) => {
    const answer = await h.call("/VolumeDriver.Create", { Name: name, Opts: null });
    expect(answer.status).toBe(200);
    expect(answer.body.Err).toMatch(message);
  });

  it("rejects a missing Name on every verb", async () => {
    for (const path of ["Create", "Remove", "Mount", "Unmount", "Path", "Get"]) {
      expect((await h.call(`/VolumeDriver.${path}`, { ID: "x" })).body.Err).toMatch(/missing volume name/);
    }
  });

  it.each([
    [{ sise: "10" }, /unknown option "sise" for the local backend; valid options: size, fsType/],
    [{ size: "ten" }, /invalid size "ten": write a number with an optional unit/],
    [{ size: "10QB" }, /unknown unit "QB"/],
    [{ size: "0" }, /greater than zero/],
    [{ size: "1MiB" }, /too small for ext4: use at least 16MiB/],
    [{ size: "100MiB", fsType: "xfs" }, /too small for xfs: use at least 300MiB/],
    [{ fsType: "ntfs" }, /invalid fsType "ntfs": use ext4 \(the default\) or xfs/],
    [{ size: 10 }, /option "size" must be a string/],
  ])("rejects the options %j", async (opts, message) => {
    expect((await h.call("/VolumeDriver.Create", { Name: "data", Opts: opts })).body.Err).toMatch(message);
  });

  it("names dockerd's bodiless resend (moby#39331) for an empty body, and never closes an idle connection first", async () => {
    for (const path of ["Create", "Remove", "Mount", "Unmount", "Path", "Get"]) {
      const answer = await h.call(`/VolumeDriver.${path}`, undefined, "");
      expect(answer.status).toBe(400);
      expect(answer.body.Err).toMatch(/empty body; dockerd resends a call without its body .*moby#39331/);
    }
    expect((await h.call("/VolumeDriver.List", undefined, "")).body).toEqual({ Volumes: [] });
    // Node's default (5 s) raced dockerd's connection reuse under load: it is what sent the bodiless resends.
    expect(h.server.server.keepAliveTimeout).toBeGreaterThanOrEqual(3_600_000);
  });

  it("rejects Opts that are not an object", async () => {
    expect((await h.call("/VolumeDriver.Create", { Name: "data", Opts: "size=1" })).body.Err).toMatch(/Opts must be a JSON object/);
  });

  it("rejects a Mount without an ID", async () => {
    expect((await h.call("/VolumeDriver.Mount", { Name: "data" })).body.Err).toMatch(/per-mount ID/);
  });

  it("answers malformed JSON with 400 and an Err", async () => {
    const answer = await h.call("/VolumeDriver.Create", undefined, "{\"Name\": \"data\",");
    expect(answer.status).toBe(400);
    expect(answer.body.Err).toMatch(/malformed JSON in request body.*send a JSON object/);
  });

  it("answers a JSON body that is not an object with 400", async () => {
    expect((await h.call("/VolumeDriver.Get", ["data"])).status).toBe(400);
  });

  it("answers a body over 1 MiB with 413", async () => {
    const answer = await h.call("/VolumeDriver.Create", undefined, Buffer.alloc(1024 * 1024 + 10, 0x20));
    expect(answer.status).toBe(413);
    expect(answer.body.Err).toMatch(/over 1048576 bytes/);
  });

  it("answers an unknown endpoint with 404 and an Err listing the endpoints", async () => {
    const answer = await h.call("/VolumeDriver.Snapshot", { Name: "data" });
    expect(answer.status).toBe(404);
    expect(answer.body.Err).toMatch(/unknown endpoint \/VolumeDriver\.Snapshot; swarmvol serves \/Plugin\.Activate/);
  });
});
