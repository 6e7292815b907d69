import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { issueNodeToken } from "../../api/credentials.js";
import type { Controller } from "../../controller/controller.js";
import type { MemoryEventLog } from "../../controller/events/eventLog.js";
import type { FakeClock } from "../fakes/clock.js";
import type { FakeCloud } from "../fakes/fakeCloud.js";
import type { FakeSwarmServices } from "../fakes/fakeSwarmServices.js";
import { moveSecret as secret, startMoveWorld, task, type MoveWorld } from "../support/moveWorld.js";

/**
 * `POST/GET /v1/volumes/{name}/move` over a real ApiServer in front of a real Controller
 * (test/support/moveWorld.ts); the test plays Swarm and the agents and runs each reconcile.
 */
let world: MoveWorld;
let clock: FakeClock;
let cloud: FakeCloud;
let services: FakeSwarmServices;
let log: MemoryEventLog;
let controller: Controller;
let base: string;
const heartbeat = (nodeId: string, mounts: string[] = [], zone = "z1") => world.heartbeat(nodeId, mounts, zone);
const reconcile = () => world.reconcile();
const record = () => world.record();

async function call(method: string, path: string, body?: unknown, token: string | null = secret) {
  const response = await fetch(`${base}${path}`, {
    method, headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, location: response.headers.get("location"), body: text === "" ? {} : JSON.parse(text) };
}

beforeEach(async () => {
  world = await startMoveWorld();
  ({ clock, cloud, services, log, controller, base } = world);
  expect(record().status.grantedTo?.nodeId).toBe("n1");
});
afterEach(async () => world.stop());

describe("POST /v1/volumes/{name}/move: refusals", () => {
  it("needs the operator's token: none is 401, a node's is 403", async () => {
    expect((await call("POST", "/v1/volumes/db/move", { to: "n2" }, null)).status).toBe(401);
    const node = await call("POST", "/v1/volumes/db/move", { to: "n2" }, issueNodeToken(secret, "n2"));
    expect([node.status, node.body.error.code]).toEqual([403, "PERMISSION_DENIED"]);
    expect(controller.holds.standing).toBe(0);
  });

  it.each<[string, unknown, string]>([
    ["no target", {}, 'field "to" is missing; send a node id or hostname, like "node2"'],
    ["a target that is a number", { to: 2 }, 'field "to" must be a node id or hostname'],
    ["withService as a string", { to: "n2", withService: "yes" }, 'field "withService" must be true or false, got "yes"'],
  ])("refuses %s with 400 naming the field", async (_what, body, message) => {
    const answer = await call("POST", "/v1/volumes/db/move", body);
    expect([answer.status, answer.body.error.code]).toEqual([400, "INVALID_ARGUMENT"]);
    expect(answer.body.error.message).toContain(message);
  });

  it("404s an unknown volume and an unknown node, naming where to look", async () => {
    const volume = await call("POST", "/v1/volumes/nope/move", { to: "n2" });
    expect([volume.status, volume.body.error.message]).toEqual([404, 'no such volume "nope": `swarmvol ls` lists them']);
    const node = await call("POST", "/v1/volumes/db/move", { to: "n9" });
    expect(node.status).toBe(404);
    expect(node.body.error.message).toMatch(/no node "n9" known.*`swarmvol nodes` lists them/);
  });

  it("409s a volume a task uses elsewhere, naming docker service update and withService; nothing changes", async () => {
    services.add("s1", "web", ["node.hostname==host-n1"]);
    const answer = await call("POST", "/v1/volumes/db/move", { to: "host-n2" });
    expect([answer.status, answer.body.error.code]).toEqual([409, "CONFLICT"]);
    expect(answer.body.error.message).toContain("`docker service update --constraint-rm node.hostname==host-n1 --constraint-add node.hostname==host-n2 web`");
    expect(answer.body.error.message).toContain("`swarmvol move db --to host-n2 --with-service`");
    expect(services.calls).toEqual(["inspect s1"]);
    expect(controller.holds.standing).toBe(0);
  });

  it("409s a fenced target and a target in another zone than the EBS volume", async () => {
    world.tasks = [];
    controller.registry.fence("n2");
    expect((await call("POST", "/v1/volumes/db/move", { to: "n2" })).body.error.message).toMatch(/fenced by an operator.*`swarmvol unfence n2`/);
    await heartbeat("n3", [], "z2");
    const zone = await call("POST", "/v1/volumes/db/move", { to: "n3" });
    expect(zone.status).toBe(409);
    expect(zone.body.error.message).toMatch(/EBS volume in z1 and node host-n3 is in z2/);
  });

  it("GET 404s a volume this leader knows no move of", async () => {
    const answer = await call("GET", "/v1/volumes/db/move");
    expect(answer.status).toBe(404);
    expect(answer.body.error.message).toMatch(/no move of volume "db" known to the leader.*`swarmvol inspect db`/);
  });

  it("is in the API document with its 202 answer", async () => {
    const document = (await call("GET", "/v1/openapi.json", undefined, null)).body;
    const operation = document.paths["/v1/volumes/{name}/move"].post;
    expect(operation["x-swarmvol-access"]).toBe("operator");
    expect(operation.responses["202"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/MoveResponse" });
    expect(document.components.schemas.MoveRequest.required).toEqual(["to"]);
  });
});

describe("an idle volume moves now and is held there", () => {
  beforeEach(() => void (world.tasks = []));

  it("202 with Location; the reconciler detaches, attaches and grants on the target; the hold lapses at its bound", async () => {
    const answer = await call("POST", "/v1/volumes/db/move", { to: "host-n2" });
    expect(answer.status).toBe(202);
    expect(answer.location).toBe("/v1/volumes/db/move");
    expect(answer.body.move).toMatchObject({ volume: "db", fromNode: "n1", toNode: "n2", toHostname: "host-n2", state: "moving", services: [] });
    expect(answer.body.progress).toEqual({ move: "/v1/volumes/db/move", volume: "/v1/volumes/db", events: "/v1/events/stream?volume=db" });
    await reconcile();
    expect(cloud.calls).toEqual(["describe vol-1", "detach vol-1 i-n1", "tags vol-1 swarmvol/epoch=2", "attach vol-1 i-n2"]);
    expect(record().status).toMatchObject({ epoch: 2, grantedTo: { nodeId: "n2" } });
    expect((await call("GET", "/v1/volumes/db/move")).body.move.state).toBe("arrived");
    // Held: not idle-detached while the hold stands; its bound queues a decision.
    expect((await reconcile()).requeueAfterMs).toBe(60_000);
    expect(record().status.idleSince).toBeUndefined();
    clock.current += 60_000;
    await reconcile();
    expect(record().status.idleSince).toBe(clock.now());
    const after = (await call("GET", "/v1/volumes/db/move")).body.move;
    expect([after.state, after.ended.reason]).toEqual(["arrived", "lapsed"]);
    expect(log.read({ since: "1-0", limit: 100 }).events.filter((event) => event.data.phase === "requested" || event.data.phase === "hold_ended").map((event) => event.message)).toEqual([
      "move of db to host-n2 asked for by an operator",
      "the operator's move of db to host-n2 no longer holds it there (lapsed): the move's hold on host-n2 lapsed at its bound",
    ]);
  });

  it("a workload that comes elsewhere wins: the hold ends and the move is abandoned", async () => {
    await heartbeat("n1", ["db"]);
    world.tasks = [];
    controller.registry.forgetMount("n1", "db");
    await call("POST", "/v1/volumes/db/move", { to: "n2" });
    world.tasks = [task("t9", "n3", { serviceId: "s9", serviceName: "other" })];
    await reconcile();
    expect(record().status.grantedTo?.nodeId).toBe("n3");
    const move = (await call("GET", "/v1/volumes/db/move")).body.move;
    expect([move.state, move.ended.reason]).toEqual(["abandoned", "superseded"]);
  });
});

describe("withService: the service is re-pinned and the volume follows its task", () => {
  it("updates the service by compare-and-swap, pre-attaches on the target once the old task is gone, and ends mounted", async () => {
    services.add("s1", "web", ["node.hostname==host-n1", "node.role==worker"]);
    await heartbeat("n1", ["db"]);
    // An operator changes the service between the read and the write: the write is refused and made again on what Swarm holds.
    services.beforeWrite = (id) => {
      services.beforeWrite = undefined;
      services.change(id, ["node.hostname==host-n1", "node.role==worker", "node.labels.tier!=cache"]);
    };
    const answer = await call("POST", "/v1/volumes/db/move", { to: "n2", withService: true });
    expect(answer.status).toBe(202);
    expect(answer.body.move.services).toEqual([{ id: "s1", name: "web", added: "node.hostname==host-n2", removed: ["node.hostname==host-n1"] }]);
    expect(services.calls.slice(1)).toEqual(["inspect s1", "update s1 v10 refused", "inspect s1", "update s1 v11 node.role==worker node.labels.tier!=cache node.hostname==host-n2"]);
    // Swarm stops the old task; its agent unmounts and releases.
    world.tasks = [task("t0", "n1", { desiredState: "shutdown" })];
    controller.service.release("db", "n1");
    await heartbeat("n1");
    await reconcile();
    expect(cloud.calls).toEqual(["describe vol-1", "detach vol-1 i-n1", "tags vol-1 swarmvol/epoch=2", "attach vol-1 i-n2"]);
    expect((await call("GET", "/v1/volumes/db/move")).body.move.state).toBe("arrived");
    // The new task lands on n2 and its agent mounts the volume: the hold hands over to the task.
    world.tasks = [task("t1", "n2")];
    await heartbeat("n2", ["db"]);
    const move = (await call("GET", "/v1/volumes/db/move")).body.move;
    expect([move.state, move.ended.reason]).toEqual(["mounted", "taken-over"]);
  });

  it("409s a service constraint the target does not meet, writing nothing", async () => {
    services.add("s1", "web", ["node.role==manager"]);
    const answer = await call("POST", "/v1/volumes/db/move", { to: "n2", withService: true });
    expect(answer.status).toBe(409);
    expect(answer.body.error.message).toMatch(/constraint node.role==manager, which node host-n2 does not meet/);
    expect(services.calls).toEqual(["inspect s1"]);
  });
});
