import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { controllerRoutes, readRoutes } from "../../api/routes.js";
import { Credentials, issueNodeToken } from "../../api/credentials.js";
import { ApiServer } from "../../api/server.js";
import { ClaimBook } from "../../controller/claims.js";
import { GrantWaiters } from "../../controller/grantWaiters.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { VolumeService } from "../../controller/volumeService.js";
import { PromControllerMetrics } from "../../controller/metrics.js";
import { nodeIdPattern } from "../../core/identity.js";
import { silentLogger } from "../../core/ports.js";
import type { Want } from "../../core/placement.js";
import { LocalBackend } from "../../storage/local/localBackend.js";
import { FakeClock } from "../fakes/clock.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { SteppedClock } from "../fakes/steppedClock.js";

const secret = "s3cret";
const credentials = new Credentials(secret);
let server: ApiServer;
let base: string;
let catalog: MemoryCatalog;
let registry: NodeRegistry;
let clock: FakeClock;
let enqueued: string[];
let wants: Want[];
let grants: GrantWaiters;
let grantClock: SteppedClock;

const spec = new LocalBackend("/unused", { run: async () => ({ code: 0, stdout: "", stderr: "" }) });

/** The token an honest caller sends: the named node's own for a node's call, else the operator's. */
function tokenFor(path: string, body: unknown): string {
  const node = /^\/v1\/nodes\/([^/]+)\/heartbeat$/.exec(path)?.[1] ?? (body as { nodeId?: unknown } | undefined)?.nodeId;
  return typeof node === "string" && nodeIdPattern.test(node) ? issueNodeToken(secret, node) : secret;
}

async function call(method: string, path: string, body?: unknown, auth = tokenFor(path, body)) {
  const response = await fetch(`${base}${path}`, {
    method, headers: { authorization: `Bearer ${auth}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text && response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
}

beforeEach(async () => {
  clock = new FakeClock();
  catalog = new MemoryCatalog();
  registry = new NodeRegistry(clock, 10_000);
  const claims = new ClaimBook(clock, 5_000);
  grantClock = new SteppedClock();
  grants = new GrantWaiters(grantClock);
  enqueued = [];
  wants = [];
  let uid = 0;
  const metrics = new PromControllerMetrics({ defaultMetrics: false });
  const service = new VolumeService({
    catalog, cloud: new FakeCloud(), journal: new MemoryJournal(), registry, claims, clock, logger: silentLogger, metrics,
    buildSpec: (name, options) => ({ ...spec.buildSpec(name, options), backend: "ebs" }),
    wantsOf: (name) => [...wants, ...claims.wants(name, () => false)],
    enqueue: (name) => enqueued.push(name), newUid: () => `u${++uid}`, grants,
  });
  const routes = [
    ...readRoutes({ catalog, metrics: metrics.exposition, health: () => ({ mode: "controller" }) }),
    ...controllerRoutes({
      volumes: () => service,
      nodes: () => ({ fence: (id) => registry.fence(id), unfence: (id) => registry.unfence(id), nodeViews: () => [] }),
    }),
  ];
  server = new ApiServer({ routes, logger: silentLogger, credentials });
  base = `http://127.0.0.1:${await server.listen("127.0.0.1", 0)}`;
});
afterEach(async () => server.close());

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

describe("controller API", () => {
  it("answers health and metrics without a token, everything else only with it", async () => {
    expect((await call("GET", "/v1/health", undefined, "")).body).toEqual({ status: "ok", mode: "controller" });
    expect((await call("GET", "/metrics", undefined, "")).status).toBe(200);
    const denied = await call("GET", "/v1/volumes", undefined, "wrong");
    expect(denied.status).toBe(401);
    expect(denied.body.error.code).toBe("UNAUTHENTICATED");
  });

  it("creates idempotently, validates options with the fix, and 404s unknown volumes", async () => {
    expect((await call("POST", "/v1/volumes", { name: "db", options: { size: "2" } })).body.volume.spec.sizeBytes).toBe(2 * 1024 ** 3);
    expect((await call("POST", "/v1/volumes", { name: "db", options: null })).status).toBe(200);
    const bad = await call("POST", "/v1/volumes", { name: "x2", options: { sise: "1" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual({ code: "INVALID_ARGUMENT", message: expect.stringMatching(/unknown option "sise".*valid options/) });
    expect((await call("GET", "/v1/volumes/nope")).status).toBe(404);
    expect((await call("GET", "/v1/nowhere")).status).toBe(404);
  });

  it("claims: pending and queued at first, granted once the controller granted this node", async () => {
    await call("POST", "/v1/volumes", { name: "db", options: null });
    // Queued once on create (a task may already mount it) and again for the new claim.
    expect(enqueued).toEqual(["db"]);
    expect((await call("POST", "/v1/volumes/db/claims", { nodeId: "n2" })).body).toEqual({ state: "pending", message: "moving volume db to this node" });
    expect(enqueued).toEqual(["db", "db"]);
    const record = catalog.get("db")!;
    await catalog.put({ ...record, status: { ...record.status, epoch: 2, backendId: "vol-1", grantedTo: { nodeId: "n2", instanceId: "i-2", device: "/dev/xvdba", epoch: 2, since: "t" } } });
    expect((await call("POST", "/v1/volumes/db/claims", { nodeId: "n2" })).body).toEqual({ state: "granted", volumeId: "vol-1", device: "/dev/xvdba", epoch: 2 });
  });

  it("claims: a pending answer is held for waitMs and sent the moment the volume is granted", async () => {
    await call("POST", "/v1/volumes", { name: "db", options: null });
    const held = call("POST", "/v1/volumes/db/claims", { nodeId: "n2", waitMs: 10_000 });
    await until(() => grants.held === 1);
    expect(grantClock.sleeps).toEqual([2000]);
    const record = catalog.get("db")!;
    await catalog.put({ ...record, status: { ...record.status, epoch: 1, backendId: "vol-1", grantedTo: { nodeId: "n2", instanceId: "i-2", device: "/dev/xvdba", epoch: 1, since: "t" } } });
    grants.granted("db");
    expect((await held).body).toEqual({ state: "granted", volumeId: "vol-1", device: "/dev/xvdba", epoch: 1 });
    expect(grants.held).toBe(0);
  });

  it("wanted: true only for a Swarm task placed on that node, not for a claim; 404 for an unknown volume", async () => {
    await call("POST", "/v1/volumes", { name: "db", options: null });
    wants = [{ nodeId: "n1", source: "task", since: 0, ref: "t1" }];
    await call("POST", "/v1/volumes/db/claims", { nodeId: "n2" });
    expect((await call("POST", "/v1/volumes/db/wanted", { nodeId: "n1" })).body).toEqual({ wanted: true });
    expect((await call("POST", "/v1/volumes/db/wanted", { nodeId: "n2" })).body).toEqual({ wanted: false });
    expect((await call("POST", "/v1/volumes/nope/wanted", { nodeId: "n1" })).status).toBe(404);
  });

  it("claims: a held claim answers pending again when its wait runs out; a bad waitMs is refused", async () => {
    await call("POST", "/v1/volumes", { name: "db", options: null });
    const held = call("POST", "/v1/volumes/db/claims", { nodeId: "n2", waitMs: 500 });
    await until(() => grants.held === 1);
    await grantClock.advance(500);
    expect((await held).body.state).toBe("pending");
    const bad = await call("POST", "/v1/volumes/db/claims", { nodeId: "n2", waitMs: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/waitMs/);
  });

  it("claims: refuses a plain docker run against a live holder that mounts the volume, after the lag window", async () => {
    await call("POST", "/v1/volumes", { name: "db", options: null });
    const record = catalog.get("db")!;
    await catalog.put({ ...record, status: { ...record.status, epoch: 1, backendId: "vol-1", grantedTo: { nodeId: "n1", instanceId: "i-1", device: "/dev/xvdba", epoch: 1, since: "t" } } });
    wants = [{ nodeId: "n1", source: "task", since: 0, ref: "t1" }];
    await call("POST", "/v1/nodes/n1/heartbeat", { hostname: "node1", instanceId: "i-1", zone: "z1", mounts: [{ volume: "db", epoch: 1 }] });
    expect((await call("POST", "/v1/volumes/db/claims", { nodeId: "n2" })).body.state).toBe("pending");
    clock.current += 3000;
    await call("POST", "/v1/nodes/n1/heartbeat", { hostname: "node1", instanceId: "i-1", zone: "z1", mounts: [{ volume: "db", epoch: 1 }] });
    expect((await call("POST", "/v1/volumes/db/claims", { nodeId: "n2" })).body).toEqual({ state: "refused", message: expect.stringMatching(/in use on node node1; stop the container using it there first/) });
  });

  it("heartbeat: tells a stale holder that came back to let go", async () => {
    await call("POST", "/v1/volumes", { name: "db", options: null });
    const record = catalog.get("db")!;
    await catalog.put({ ...record, status: { ...record.status, epoch: 3, backendId: "vol-1", grantedTo: { nodeId: "n2", instanceId: "i-2", device: "/dev/xvdba", epoch: 3, since: "t" } } });
    const answer = await call("POST", "/v1/nodes/n1/heartbeat", { hostname: "node1", instanceId: "i-1", zone: "z1", mounts: [{ volume: "db", epoch: 2 }] });
    expect(answer.body).toEqual({ ttlMs: 10_000, revoke: ["db"] });
  });

  it("heartbeat: a move's t6 and t7 are the agent's stamps sent with the mount (bounded by arrival); junk times are left out", async () => {
    await call("POST", "/v1/volumes", { name: "db", options: null });
    const record = catalog.get("db")!;
    const t5 = clock.now() - 5_000;
    await catalog.put({ ...record, status: { ...record.status, epoch: 2, lastMove: { fromNode: "n1", toNode: "n2", t2Seen: t5 - 10_000, t5Attached: t5, forced: true } } });
    const mount = { volume: "db", epoch: 2, verifiedAt: t5 + 400, mountedAt: t5 + 1_300 };
    await call("POST", "/v1/nodes/n2/heartbeat", { hostname: "node2", instanceId: "i-2", zone: "z1", mounts: [mount] });
    await Promise.resolve();
    expect(catalog.get("db")?.status.lastMove).toMatchObject({ t6Verified: t5 + 400, t7Mounted: t5 + 1_300 });
    await call("POST", "/v1/nodes/n3/heartbeat", { hostname: "node3", instanceId: "i-3", zone: "z1", mounts: [{ volume: "db", epoch: 2, verifiedAt: "soon", mountedAt: -1 }] });
    expect(registry.lease("n3")?.mounts).toEqual([{ volume: "db", epoch: 2 }]);
  });

  it("rejects a heartbeat without the instance id, naming the field", async () => {
    const answer = await call("POST", "/v1/nodes/n1/heartbeat", { hostname: "node1", zone: "z1", mounts: [] });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/field "instanceId"/);
  });

  it.each<[string, string, string, unknown, RegExp]>([
    ["a heartbeat with a null mount", "POST", "/v1/nodes/n1/heartbeat", { hostname: "h", instanceId: "i-1", zone: "z1", mounts: [null] }, /field "mounts\[0\]" must be an object like \{"volume":"data","epoch":3\}, got null/],
    ["a heartbeat whose mounts is not an array", "POST", "/v1/nodes/n1/heartbeat", { hostname: "h", instanceId: "i-1", zone: "z1", mounts: "db" }, /"mounts" must be an array/],
    ["a heartbeat mounting a path", "POST", "/v1/nodes/n1/heartbeat", { hostname: "h", instanceId: "i-1", zone: "z1", mounts: [{ volume: "../../etc", epoch: 1 }] }, /path separators/],
    ["a create of ../../etc", "POST", "/v1/volumes", { name: "../../etc", options: null }, /path separators/],
    ["a create of a 5,000-character name", "POST", "/v1/volumes", { name: "a".repeat(5000), options: null }, /5000 characters/],
    ["a create with options that are not an object", "POST", "/v1/volumes", { name: "db", options: ["size=1"] }, /"options" must be an object/],
    ["a claim on a hostile name", "POST", `/v1/volumes/${encodeURIComponent("..%2F..")}/claims`, { nodeId: "n1" }, /invalid volume name/],
    ["a claim by a hostile node id", "POST", "/v1/volumes/db/claims", { nodeId: "n1/../x" }, /not a Swarm node id/],
    ["a fence of a hostile node id", "POST", `/v1/nodes/${"x".repeat(300)}/fence`, {}, /not a Swarm node id/],
  ])("answers %s with 400 naming the fix, echoing at most a name's worth", async (_what, method, path, body, message) => {
    const answer = await call(method, path, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(message);
    expect(answer.body.error.message.length).toBeLessThan(400);
  });

  it("remove refuses while a node mounts the volume", async () => {
    await call("POST", "/v1/volumes", { name: "db", options: null });
    await call("POST", "/v1/nodes/n1/heartbeat", { hostname: "node1", instanceId: "i-1", zone: "z1", mounts: [{ volume: "db", epoch: 0 }] });
    const answer = await call("DELETE", "/v1/volumes/db");
    expect(answer.status).toBe(409);
    expect(answer.body.error.message).toMatch(/in use on node\(s\) node1 \(n1\); stop the containers using it there first/);
    await call("POST", "/v1/nodes/n1/heartbeat", { hostname: "node1", instanceId: "i-1", zone: "z1", mounts: [] });
    expect((await call("DELETE", "/v1/volumes/db")).status).toBe(204);
  });
});
