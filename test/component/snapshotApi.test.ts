/**
 * The snapshot routes over real HTTP: `swarmvol snapshot|snapshots` in-process against a
 * real ApiServer over a real SnapshotService (fake cloud), the agent's `frozen` call with
 * its node token, who may call what, and the exit codes.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Credentials, issueNodeToken } from "../../api/credentials.js";
import { ApiServer } from "../../api/server.js";
import { snapshotRoutes, type SnapshotOperations } from "../../api/snapshotRoutes.js";
import { snapshotCommand, type SnapshotCommandName } from "../../cli/snapshotCommands.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { FreezeBroker } from "../../controller/snapshots/freezeBroker.js";
import { SnapshotService } from "../../controller/snapshots/snapshotService.js";
import { silentLogger } from "../../core/ports.js";
import { FreezeClient } from "../../api/client/snapshotClient.js";
import { FakeSnapshots } from "../fakes/fakeSnapshots.js";
import { ManualTime, settle } from "../fakes/fakeSwarm.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";

const secret = "a-controllers-secret-of-enough-length-0123456789";
let server: ApiServer;
let base: string;
let cloud: FakeSnapshots;
let broker: FreezeBroker;
let registry: NodeRegistry;
let time: ManualTime;

beforeEach(async () => {
  time = new ManualTime();
  cloud = new FakeSnapshots(() => time.now());
  const catalog = new MemoryCatalog();
  registry = new NodeRegistry(time, 6000);
  broker = new FreezeBroker(time, () => "f1");
  const service = new SnapshotService({ catalog, snapshots: cloud, registry, broker, journal: new MemoryJournal(), clock: time, logger: silentLogger, newId: () => "r1" });
  const ops: SnapshotOperations = {
    take: (name, requestId) => service.take(name, { reason: "manual", ...(requestId ? { requestId } : {}) }),
    list: (volume) => service.list(volume), remove: (id) => service.remove(id), frozen: (nodeId, volume, body) => broker.frozen(nodeId, volume, body),
  };
  await catalog.put({
    uid: "u-db", createdAt: "2026-11-22T09:00:00.000Z", spec: { name: "db", backend: "ebs", sizeBytes: 1024 ** 3, fsType: "ext4", options: {} },
    status: { phase: "ready", fresh: false, epoch: 2, backendId: "vol-1" },
  });
  await catalog.put({
    uid: "u-new", createdAt: "2026-11-22T09:00:00.000Z", spec: { name: "new", backend: "ebs", sizeBytes: 1024 ** 3, fsType: "ext4", options: {} },
    status: { phase: "ready", fresh: true, epoch: 0 },
  });
  server = new ApiServer({ routes: snapshotRoutes(() => ops), logger: silentLogger, credentials: new Credentials(secret) });
  base = `http://127.0.0.1:${await server.listen("127.0.0.1", 0)}`;
});
afterEach(async () => server.close());

async function cli(name: SnapshotCommandName, argv: string[], token = secret) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await snapshotCommand(name, argv, { env: { SWARMVOL_TOKEN: token, SWARMVOL_CONTROLLER: base }, out: (t) => out.push(t), err: (t) => err.push(t), now: () => time.now() });
  return { code, out: out.join(""), err: err.join("") };
}

describe("swarmvol snapshot / snapshots", () => {
  it("takes a snapshot, lists it as a table and as JSON, and deletes it", async () => {
    const taken = await cli("snapshot", ["db"]);
    expect(taken).toMatchObject({ code: 0, err: "" });
    expect(taken.out).toMatch(/^snapshot snap-0+1 of volume db taken \(completed, 100%\): not frozen/);
    const listed = await cli("snapshots", []);
    expect(listed.out.split("\n")[0]).toMatch(/^ID\s+VOLUME\s+STATE\s+PROGRESS\s+STARTED\s+SIZE\s+REASON\s+FROZEN\s+SLOT$/);
    expect(listed.out).toMatch(/snap-0+1\s+db\s+completed\s+100%\s+\S+\s+1GiB\s+manual\s+no\s+-/);
    const json = JSON.parse((await cli("snapshots", ["db", "--json"])).out) as Array<{ id: string; volumeUid: string; epoch: number }>;
    expect(json).toEqual([expect.objectContaining({ id: "snap-00000000000000001", volumeUid: "u-db", epoch: 2, reason: "manual" })]);
    expect(JSON.parse((await cli("snapshots", ["other", "--json"])).out)).toEqual([]);
    expect(await cli("snapshot", ["rm", "snap-00000000000000001"])).toMatchObject({ code: 0, out: "snapshot snap-00000000000000001 deleted\n" });
    expect((await cli("snapshots", [])).out).toBe("no snapshots; take one with `swarmvol snapshot NAME`\n");
  });

  it("exit codes: 3 no such volume or snapshot, 5 no cloud volume yet or in use by an image, 2 bad usage", async () => {
    expect(await cli("snapshot", ["nope"])).toMatchObject({ code: 3, err: expect.stringMatching(/no such volume "nope"/) });
    expect(await cli("snapshot", ["new"])).toMatchObject({ code: 5, err: expect.stringMatching(/has no cloud volume yet/) });
    expect(await cli("snapshot", ["rm", "snap-0123456789abcdef0"])).toMatchObject({ code: 3, err: expect.stringMatching(/no swarmvol snapshot/) });
    await cli("snapshot", ["db"]);
    cloud.inUse.add("snap-00000000000000001");
    expect(await cli("snapshot", ["rm", "snap-00000000000000001"])).toMatchObject({ code: 5, err: expect.stringMatching(/in use by ami-/) });
    expect(await cli("snapshot", ["rm", "vol-1"])).toMatchObject({ code: 2, err: expect.stringMatching(/invalid snapshot id/) });
    expect(await cli("snapshot", [])).toMatchObject({ code: 2, err: expect.stringMatching(/missing NAME/) });
    expect(await cli("snapshots", ["a", "b"])).toMatchObject({ code: 2 });
    expect((await cli("snapshot", ["--help"])).out).toMatch(/swarmvol snapshot rm SNAPSHOT_ID/);
  });

  it("a node's token may not take, list or delete snapshots (10)", async () => {
    expect(await cli("snapshots", [], issueNodeToken(secret, "node1aaaaaaaaaaaaaaaaaaaaa"))).toMatchObject({ code: 10 });
  });

  it("a client's retry of one take (same request id) gets the same snapshot", async () => {
    const post = (requestId: string) => fetch(`${base}/v1/volumes/db/snapshots`, {
      method: "POST", headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" }, body: JSON.stringify({ requestId }),
    }).then((res) => res.json() as Promise<{ snapshot: { id: string } }>);
    expect((await post("req-1")).snapshot.id).toBe((await post("req-1")).snapshot.id);
    expect(cloud.snapshots.size).toBe(1);
    const bad = await fetch(`${base}/v1/volumes/db/snapshots`, { method: "POST", headers: { Authorization: `Bearer ${secret}` }, body: JSON.stringify({ requestId: "x y" }) });
    expect(bad.status).toBe(400);
  });
});

describe("the agent's frozen call over HTTP", () => {
  const node = "node1aaaaaaaaaaaaaaaaaaaaa";

  it("is held until the capture is done, only for the node its token names", async () => {
    registry.heartbeat(node, { hostname: "node1", instanceId: "i-1", zone: "z1", mounts: [{ volume: "db", epoch: 2 }] });
    const client = new FreezeClient({ baseUrl: base, token: issueNodeToken(secret, node) });
    let released = false;
    cloud.onCapture = () => void (released = true);
    const errors: string[] = [];
    const taking = snapshotCommand("snapshot", ["db"], { env: { SWARMVOL_TOKEN: secret, SWARMVOL_CONTROLLER: base }, out: () => undefined, err: (t) => errors.push(t), now: () => 0 });
    await vi.waitFor(() => expect(broker.pendingFor(node)).toEqual([{ volume: "db", id: "f1", maxMs: 10_000 }]), { timeout: 5000, interval: 20 });
    expect(errors).toEqual([]);
    const other = new FreezeClient({ baseUrl: base, token: issueNodeToken(secret, "node2bbbbbbbbbbbbbbbbbbbbb") });
    await expect(other.frozen("db", { nodeId: node, id: "f1", frozen: true })).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    const answer = await client.frozen("db", { nodeId: node, id: "f1", frozen: true }, { timeoutMs: 10_000 });
    expect(answer).toEqual({ thaw: true });
    expect(released).toBe(true);
    expect(await taking).toBe(0);
    await settle();
    expect(cloud.snapshots.get("snap-00000000000000001")?.tags["swarmvol/frozen"]).toBe("true");
  });
});
