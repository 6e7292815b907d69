import { afterEach, describe, expect, it } from "vitest";
import { issueNodeToken } from "../../api/credentials.js";
import { conflict, internal } from "../../core/errors.js";
import { device, GiB, mountOnN1, resizeSecret as secret, startResizeWorld, type ResizeWorld } from "../support/resizeWorld.js";

/**
 * `POST/GET /v1/volumes/{name}/resize` (ADR 0026) over a real ApiServer in front of a real
 * Controller, with node n1's real FilesystemGrowth on a recording grower
 * (test/support/resizeWorld.ts): the leader grows the cloud volume, asks the holder in a
 * heartbeat answer, the agent grows and reports in its next heartbeat, the leader records
 * the sizes and the events; a volume nobody mounts grows at its next mount; a new leader
 * goes on from Swarm's store.
 */
let world: ResizeWorld;
afterEach(async () => world.stop());

async function call(method: string, path: string, body?: unknown, token: string | null = secret) {
  const response = await fetch(`${world.base}${path}`, {
    method, headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, location: response.headers.get("location"), body: text === "" ? {} : JSON.parse(text) };
}

const phases = () => world.events("resize.phase").map((event) => event.data.phase);

describe("POST /v1/volumes/{name}/resize: refusals", () => {
  it("needs the operator's token, refuses a bad size naming the field, 404s an unknown volume", async () => {
    world = await startResizeWorld();
    expect((await call("POST", "/v1/volumes/db/resize", { size: "30" }, issueNodeToken(secret, "n1"))).status).toBe(403);
    const bad = await call("POST", "/v1/volumes/db/resize", { size: "30 apples" });
    expect([bad.status, bad.body.error.message]).toEqual([400, expect.stringMatching(/^field "size": invalid size "30 apples": .*unknown unit/)]);
    const missing = await call("POST", "/v1/volumes/db/resize", {});
    expect(missing.body.error.message).toBe('field "size" is missing; send a size like "30" (GiB) or "1TiB"');
    const unknown = await call("POST", "/v1/volumes/nope/resize", { size: "30" });
    expect([unknown.status, unknown.body.error.message]).toEqual([404, 'no such volume "nope": `swarmvol ls` lists them']);
    expect(world.resize.calls).toEqual([]);
  });

  it("refuses a shrink with 400 naming the least size, and a local volume naming why; nothing is written", async () => {
    world = await startResizeWorld();
    const shrink = await call("POST", "/v1/volumes/db/resize", { size: "10" });
    expect([shrink.status, shrink.body.error.code, shrink.body.error.message]).toEqual([400, "INVALID_ARGUMENT", expect.stringContaining("give a size of at least 20GiB (`swarmvol resize db 20GiB`)")]);
    const local = world.record();
    await world.catalog.put({ ...local, uid: "u-l", spec: { ...local.spec, name: "loc", backend: "local" }, status: { phase: "ready", fresh: false, epoch: 0 } });
    const refused = await call("POST", "/v1/volumes/loc/resize", { size: "30" });
    expect([refused.status, refused.body.error.message]).toEqual([400, expect.stringMatching(/local backend, whose volumes are image files on one host/)]);
    expect(world.record().spec.sizeBytes).toBe(20 * GiB);
    expect(world.record().status.resize).toBeUndefined();
    expect((await call("GET", "/v1/volumes/db/resize")).status).toBe(404);
  });
});

describe("a mounted volume grows while it is mounted", () => {
  it("cloud first (journaled, waited for), then the holder grows its filesystem in a heartbeat, and the leader records it", async () => {
    world = await startResizeWorld();
    await mountOnN1(world);
    world.resize.modifyingCalls = 1;
    const started = await call("POST", "/v1/volumes/db/resize", { size: "30" });
    expect([started.status, started.location]).toEqual([202, "/v1/volumes/db/resize"]);
    expect(started.body.resize).toMatchObject({ wantedBytes: 30 * GiB, phase: "cloud", cloudBytes: 20 * GiB, grownForBytes: 20 * GiB });
    // The wanted size is the spec's, and Swarm's store has it for the next leader.
    expect(world.record().spec.sizeBytes).toBe(30 * GiB);
    expect((await world.store.listVolumes())[0]).toMatchObject({ spec: { sizeBytes: 30 * GiB }, resize: { wantedBytes: 30 * GiB, grownForBytes: 20 * GiB } });

    expect(await world.reconcile()).toEqual({ requeueAfterMs: 2000 });
    expect(world.record().status.resize?.phase).toBe("cloud");
    expect(await world.reconcile()).toEqual({ requeueAfterMs: 10_000 });
    expect(world.resize.calls).toEqual(["grow vol-1 30GiB", "grow vol-1 30GiB"]);
    expect(world.journal.recent("db").filter((entry) => entry.action.kind === "resizeCloudVolume").map((entry) => entry.state)).toEqual(["done", "done"]);
    expect(world.record().status.resize).toMatchObject({ phase: "filesystem", cloudBytes: 30 * GiB });

    // The device grew on the node; the heartbeat answer asks n1's agent, which grows it.
    world.grower.devices.set(device, 30 * GiB);
    const asked = await world.heartbeat(true);
    expect(asked.grow).toEqual([{ volume: "db", id: expect.any(String), sizeBytes: 30 * GiB }]);
    expect(world.grower.calls).toEqual(["grow mounted xfs /dev/xvdba at /var/lib/swarmvol/mounts/db"]);
    expect(world.growth.reports()).toEqual([{ volume: "db", id: asked.grow?.[0]?.id, ok: true, deviceBytes: 30 * GiB, filesystemBytes: Math.floor(30 * GiB * 0.98) }]);
    // The report goes in the next heartbeat; that answer asks nothing more.
    expect((await world.heartbeat(true)).grow).toBeUndefined();
    expect(world.growth.reports()).toEqual([]);
    expect(await world.reconcile()).toEqual({});
    expect(world.record().status.resize).toMatchObject({ phase: "done", grownForBytes: 30 * GiB, filesystemBytes: Math.floor(30 * GiB * 0.98), grownOn: "n1", doneAt: expect.any(String) });
    expect(world.record().status.resize?.error).toBeUndefined();
    expect(phases()).toEqual(["requested", "cloud_grown", "filesystem_grown", "done"]);
    expect(world.events("resize.phase").find((event) => event.data.phase === "filesystem_grown")?.message).toBe("resize of db to 30GiB: the filesystem is 29.4GiB now (it fills 30GiB) on n1");
    const got = await call("GET", "/v1/volumes/db/resize");
    expect([got.status, got.body.message]).toEqual([200, "done: 30GiB, filesystem 29.4GiB (grown on n1)"]);
    expect((await world.store.listVolumes())[0]?.resize).toEqual({ wantedBytes: 30 * GiB, requestedAt: expect.any(String), grownForBytes: 30 * GiB });
  });

  it("the same size again is the same resize; a done volume costs no more cloud calls", async () => {
    world = await startResizeWorld();
    await mountOnN1(world);
    await call("POST", "/v1/volumes/db/resize", { size: "30GiB" });
    await world.reconcile();
    world.grower.devices.set(device, 30 * GiB);
    await world.heartbeat(true);
    await world.heartbeat(true);
    await world.reconcile();
    const again = await call("POST", "/v1/volumes/db/resize", { size: "30" });
    expect([again.status, again.body.resize.phase]).toEqual([202, "done"]);
    const calls = world.cloud.calls.length;
    expect(await world.reconcile()).toEqual({});
    expect(world.resize.calls).toEqual(["grow vol-1 30GiB"]);
    expect(world.cloud.calls.length - calls).toBe(1);
  });

  it("a grow the node cannot do (ext4 online without CAP_SYS_RESOURCE) is recorded with an event and asked again only after the retry", async () => {
    world = await startResizeWorld("ext4");
    await mountOnN1(world);
    await call("POST", "/v1/volumes/db/resize", { size: "30" });
    await world.reconcile();
    world.grower.devices.set(device, 30 * GiB);
    world.grower.failNext.mounted = internal("resize2fs /dev/xvdba failed (exit 1): Permission denied to resize filesystem");
    await world.heartbeat(true);
    await world.heartbeat(true);
    expect(await world.reconcile()).toEqual({ requeueAfterMs: 300_000 });
    expect(world.record().status.resize).toMatchObject({ phase: "filesystem", error: "node host-n1 could not grow the filesystem: resize2fs /dev/xvdba failed (exit 1): Permission denied to resize filesystem" });
    expect(world.events("resize.failed").map((event) => event.message)).toEqual([expect.stringContaining("Permission denied to resize filesystem")]);
    expect((await world.heartbeat(true)).grow).toBeUndefined();
    world.clock.current += 300_000;
    await world.heartbeat(true);
    expect(await world.reconcile()).toEqual({ requeueAfterMs: 10_000 });
    expect((await world.heartbeat(true)).grow).toHaveLength(1);
    await world.heartbeat(true);
    await world.reconcile();
    expect(world.record().status.resize).toMatchObject({ phase: "done", grownForBytes: 30 * GiB });
    expect(world.record().status.resize?.error).toBeUndefined();
    expect(world.grower.calls).toEqual(["grow mounted ext4 /dev/xvdba at /var/lib/swarmvol/mounts/db", "grow mounted ext4 /dev/xvdba at /var/lib/swarmvol/mounts/db"]);
  });

  it("the cloud's six-hour rule is a CONFLICT kept in the status and asked again later", async () => {
    world = await startResizeWorld();
    await call("POST", "/v1/volumes/db/resize", { size: "30" });
    world.resize.refuseNext = conflict("EBS takes one modification of volume vol-1 per six hours; resize it again later");
    expect(await world.reconcile()).toEqual({ requeueAfterMs: 300_000 });
    expect(world.record().status.resize).toMatchObject({ phase: "cloud", error: expect.stringContaining("per six hours") });
    expect(world.journal.recent("db").filter((entry) => entry.action.kind === "resizeCloudVolume").map((entry) => entry.state)).toEqual(["failed"]);
    expect(world.events("resize.failed")).toHaveLength(1);
  });
});

describe("a volume nobody mounts grows at its next mount", () => {
  it("ext4: the grant asks, the Mount grows it offline before mounting, the report finishes the resize", async () => {
    world = await startResizeWorld("ext4");
    await call("POST", "/v1/volumes/db/resize", { size: "30" });
    expect(await world.reconcile()).toEqual({});
    expect(world.record().status.resize).toMatchObject({ phase: "mount", cloudBytes: 30 * GiB });
    expect(phases()).toEqual(["requested", "cloud_grown", "waiting_mount"]);
    expect((await world.heartbeat(false)).grow).toBeUndefined();

    const grant = world.controller.service.claim("db", "n1");
    expect(grant).toMatchObject({ state: "granted", grow: { volume: "db", id: expect.any(String), sizeBytes: 30 * GiB } });
    const grow = grant.state === "granted" ? grant.grow : undefined;
    // Asked for at the mount, never in a heartbeat: the volume is not mounted yet.
    expect((await world.heartbeat(false)).grow).toBeUndefined();
    world.grower.devices.set(device, 30 * GiB);
    await world.growth.beforeMount("db", device, "ext4", grow as { id: string; sizeBytes: number });
    await world.growth.afterMount("db", device, "/var/lib/swarmvol/mounts/db", "ext4", grow as { id: string; sizeBytes: number }, false);
    expect(world.grower.calls).toEqual(["grow unmounted ext4 /dev/xvdba"]);
    await mountOnN1(world);
    await world.reconcile();
    expect(world.record().status.resize).toMatchObject({ phase: "done", grownForBytes: 30 * GiB, grownOn: "n1" });
    expect(phases()).toEqual(["requested", "cloud_grown", "waiting_mount", "filesystem_grown", "done"]);
  });
});

describe("a new leader goes on where the old one stopped", () => {
  it("from Swarm's store: the wanted size and what the filesystem fills; it asks the holder again, without growing the cloud again", async () => {
    world = await startResizeWorld();
    await mountOnN1(world);
    await call("POST", "/v1/volumes/db/resize", { size: "30" });
    await world.reconcile();
    expect(world.record().status.resize?.phase).toBe("filesystem");
    await world.takeOver();
    expect(world.record().spec.sizeBytes).toBe(30 * GiB);
    expect(world.record().status.resize).toMatchObject({ wantedBytes: 30 * GiB, grownForBytes: 20 * GiB, phase: "cloud" });
    world.grower.devices.set(device, 30 * GiB);
    await world.heartbeat(true);
    await world.reconcile();
    expect(world.record().status.resize?.phase).toBe("filesystem");
    expect((await world.heartbeat(true)).grow).toHaveLength(1);
    expect((await world.heartbeat(true)).grow).toBeUndefined();
    await world.reconcile();
    expect(world.record().status.resize).toMatchObject({ phase: "done", grownForBytes: 30 * GiB });
    expect(world.resize.calls).toEqual(["grow vol-1 30GiB"]);
  });
});
