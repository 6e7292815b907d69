import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../core/ports.js";
import type { VolumeRecord } from "../core/volume.js";
import { controllerRoutes, type NodeOperations, type VolumeOperations } from "./routes.js";
import { ApiServer } from "./server.js";

/**
 * The schema checks of api/routes.ts at the edge: a request that does not fit its route's
 * schema is refused with 400 naming the field, and the operation behind it never runs.
 * Over an open server (no credentials), so only the schemas decide.
 */
const calls: string[] = [];
const record: VolumeRecord = {
  uid: "u1", createdAt: "2026-11-22T10:00:00.000Z",
  spec: { name: "db", backend: "ebs", sizeBytes: 1 << 30, fsType: "ext4", options: {} }, status: { phase: "ready", fresh: true, epoch: 0 },
};
const volumes: VolumeOperations = {
  create: async (name, options) => (calls.push(`create ${name} ${JSON.stringify(options)}`), record),
  remove: async (name) => void calls.push(`remove ${name}`),
  markFormatted: async (name) => void calls.push(`formatted ${name}`),
  claimAndWait: async (name, nodeId, waitMs) => (calls.push(`claim ${name} ${nodeId} ${waitMs}`), { state: "pending", message: "moving" }),
  release: (name, nodeId) => void calls.push(`release ${name} ${nodeId}`),
  wanted: (name, nodeId) => (calls.push(`wanted ${name} ${nodeId}`), { wanted: false }),
  heartbeat: async (nodeId, request) => (calls.push(`heartbeat ${nodeId} ${JSON.stringify(request)}`), { ttlMs: 6000, revoke: [] }),
};
const nodes: NodeOperations = {
  fence: (nodeId) => void calls.push(`fence ${nodeId}`),
  unfence: (nodeId) => void calls.push(`unfence ${nodeId}`),
  nodeViews: () => [],
};

let server: ApiServer;
let base: string;
beforeAll(async () => {
  server = new ApiServer({ routes: controllerRoutes({ volumes: () => volumes, nodes: () => nodes }), logger: silentLogger, credentials: undefined });
  base = `http://127.0.0.1:${await server.listen("127.0.0.1", 0)}`;
});
afterAll(async () => server.close());
beforeEach(() => void calls.splice(0));

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: { error?: { code: string; message: string } } & Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, body: text === "" ? {} : JSON.parse(text) };
}

const beat = { hostname: "node1", instanceId: "i-1", zone: "z1", mounts: [{ volume: "db", epoch: 1 }] };

describe("controller routes: requests checked by their schemas", () => {
  it.each<[string, string, string, unknown, string]>([
    ["a create without a name", "POST", "/v1/volumes", { options: null }, 'field "name" is missing; send a volume name, like "data"'],
    ["a create whose option is a number", "POST", "/v1/volumes", { name: "db", options: { size: 20 } }, 'field "options.size" must be a string, like {"size":"20"}, got 20'],
    ["a claim without a node", "POST", "/v1/volumes/db/claims", { waitMs: 10 }, 'field "nodeId" is missing'],
    ["a claim waiting a string", "POST", "/v1/volumes/db/claims", { nodeId: "n1", waitMs: "2s" }, 'field "waitMs" must be a number of milliseconds >= 0, got "2s"'],
    ["a wanted by a node id with a slash", "POST", "/v1/volumes/db/wanted", { nodeId: "a/b" }, 'field "nodeId" is not a Swarm node id'],
    ["a release on a hostile name", "POST", "/v1/volumes/..%2Fetc/release", { nodeId: "n1" }, 'path parameter "name": invalid volume name "../etc"'],
    ["a heartbeat with a negative epoch", "POST", "/v1/nodes/n1/heartbeat", { ...beat, mounts: [{ volume: "db", epoch: -1 }] }, 'field "mounts[0].epoch" must be a whole number >= 0, got -1'],
    ["a heartbeat with an epoch that is a string", "POST", "/v1/nodes/n1/heartbeat", { ...beat, mounts: [{ volume: "db", epoch: "3" }] }, 'field "mounts[0].epoch" must be a whole number >= 0, got "3"'],
    ["a heartbeat of 5000 mounts", "POST", "/v1/nodes/n1/heartbeat", { ...beat, mounts: Array.from({ length: 5000 }, () => ({ volume: "db", epoch: 1 })) }, 'field "mounts" is too long (5000 entries)'],
    ["a delete of a 300-character name", "DELETE", `/v1/volumes/${"a".repeat(300)}`, undefined, "(300 characters)"],
    ["a fence of a hostile node", "POST", "/v1/nodes/%E2%80%AE/fence", {}, 'path parameter "nodeId" is not a Swarm node id'],
  ])("refuses %s with 400 naming the field, without calling the operation", async (_what, method, path, body, message) => {
    const answer = await call(method, path, body);
    expect([answer.status, answer.body.error?.code]).toEqual([400, "INVALID_ARGUMENT"]);
    expect(answer.body.error?.message).toContain(message);
    expect(answer.body.error?.message.length).toBeLessThan(400);
    expect(calls).toEqual([]);
  });

  it("hands the operation what the schema parsed: defaults applied, unknown fields dropped", async () => {
    expect((await call("POST", "/v1/volumes", { name: "db", extra: true })).status).toBe(200);
    expect((await call("POST", "/v1/volumes/db/claims", { nodeId: "n1", note: "x" })).body).toEqual({ state: "pending", message: "moving" });
    expect((await call("POST", "/v1/nodes/n1/heartbeat", { hostname: "node1", instanceId: "i-1", zone: "z1", agent: "1.0" })).status).toBe(200);
    expect((await call("POST", "/v1/volumes/db/release", { nodeId: "n1" })).status).toBe(204);
    expect(calls).toEqual([
      "create db null",
      "claim db n1 0",
      'heartbeat n1 {"hostname":"node1","instanceId":"i-1","zone":"z1","mounts":[]}',
      "release db n1",
    ]);
  });
});
