import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorCode, isSwarmvolError, SwarmvolError } from "../../core/errors.js";
import type { VolumeRecord } from "../../core/volume.js";
import { ControllerClient } from "./apiClient.js";

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  body: string;
}
type Reply = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let seen: Seen[];
let reply: Reply;

beforeEach(async () => {
  seen = [];
  reply = (_req, res) => json(res, 200, {});
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", auth: req.headers.authorization, body });
      reply(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

const record = (name: string): VolumeRecord => ({
  uid: `uid-${name}`,
  createdAt: "2026-11-22T10:00:00.000Z",
  spec: { name, backend: "ebs", sizeBytes: 1 << 30, fsType: "ext4", options: {} },
  status: { phase: "ready", fresh: true, epoch: 1 },
});

async function failure(promise: Promise<unknown>): Promise<SwarmvolError> {
  const err = await promise.then(() => undefined, (caught: unknown) => caught);
  if (!isSwarmvolError(err)) throw new Error(`expected a SwarmvolError, got ${String(err)}`);
  return err;
}

describe("ControllerClient", () => {
  it("sends the bearer token, JSON bodies and the contract's paths", async () => {
    reply = (req, res) => json(res, 200, req.url?.endsWith("/claims") ? { state: "pending", message: "detaching from node-a" } : { volume: record("db") });
    const client = new ControllerClient({ baseUrl: `${baseUrl}/`, token: "s3cret" });
    await client.createVolume({ name: "db", options: { size: "10" } });
    const claim = await client.claim("my vol", { nodeId: "n1" });
    expect(claim).toEqual({ state: "pending", message: "detaching from node-a" });
    expect(seen).toEqual([
      { method: "POST", url: "/v1/volumes", auth: "Bearer s3cret", body: JSON.stringify({ name: "db", options: { size: "10" } }) },
      { method: "POST", url: "/v1/volumes/my%20vol/claims", auth: "Bearer s3cret", body: JSON.stringify({ nodeId: "n1" }) },
    ]);
  });

  it("reads records, lists, 204 answers and heartbeats", async () => {
    reply = (req, res) => {
      if (req.method === "DELETE") return void res.writeHead(204).end();
      if (req.url === "/v1/volumes") return json(res, 200, { volumes: [record("a"), record("b")] });
      if (req.url?.includes("/heartbeat")) return json(res, 200, { ttlMs: 9000, revoke: ["a"] });
      json(res, 200, { volume: record("a") });
    };
    const client = new ControllerClient({ baseUrl, token: "t" });
    expect((await client.getVolume("a")).uid).toBe("uid-a");
    expect((await client.listVolumes()).map((v) => v.spec.name)).toEqual(["a", "b"]);
    await expect(client.removeVolume("a")).resolves.toBeUndefined();
    const beat = await client.heartbeat("node/1", { hostname: "h", instanceId: "i-1", zone: "z", mounts: [{ volume: "a", epoch: 2 }] });
    expect(beat).toEqual({ ttlMs: 9000, revoke: ["a"] });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "GET /v1/volumes/a", "GET /v1/volumes", "DELETE /v1/volumes/a", "POST /v1/nodes/node%2F1/heartbeat",
    ]);
  });

  it("does not send the token to health", async () => {
    reply = (_req, res) => json(res, 200, { status: "ok", mode: "controller" });
    await new ControllerClient({ baseUrl, token: "t" }).health();
    expect(seen[0]?.auth).toBeUndefined();
  });

  it("rebuilds the controller's error with the same code and message", async () => {
    reply = (_req, res) => json(res, 409, { error: { code: "CONFLICT", message: "volume \"db\" is mounted on node-b (worker-2)" } });
    const err = await failure(new ControllerClient({ baseUrl, token: "t" }).claim("db", { nodeId: "n1" }));
    expect(err.code).toBe(ErrorCode.Conflict);
    expect(err.message).toBe("volume \"db\" is mounted on node-b (worker-2)");
  });

  it("maps NOT_FOUND from a 404 body", async () => {
    reply = (_req, res) => json(res, 404, { error: { code: "NOT_FOUND", message: "no such volume \"x\"" } });
    const err = await failure(new ControllerClient({ baseUrl, token: "t" }).getVolume("x"));
    expect([err.code, err.message]).toEqual([ErrorCode.NotFound, "no such volume \"x\""]);
  });

  it("names a non-swarmvol error answer; a proxy's 503 is UNAVAILABLE", async () => {
    reply = (_req, res) => void res.writeHead(500).end("<html>oops</html>");
    const internalErr = await failure(new ControllerClient({ baseUrl, token: "t" }).listVolumes());
    expect(internalErr.code).toBe(ErrorCode.Internal);
    expect(internalErr.message).toContain("HTTP 500");
    reply = (_req, res) => void res.writeHead(503).end("busy");
    const unavailableErr = await failure(new ControllerClient({ baseUrl, token: "t" }).listVolumes());
    expect(unavailableErr.code).toBe(ErrorCode.Unavailable);
  });

  it("turns a refused connection into UNAVAILABLE naming the URL", async () => {
    const url = baseUrl;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    server = createServer();
    const err = await failure(new ControllerClient({ baseUrl: url, token: "t" }).getVolume("db"));
    expect(err.code).toBe(ErrorCode.Unavailable);
    expect(err.message).toMatch(new RegExp(`^controller at ${url} unreachable: .*ECONNREFUSED.*; is \`swarmvol controller\` running\\?$`));
  });

  it("turns a call that outlives its timeout into UNAVAILABLE", async () => {
    reply = () => {}; // never answers
    const client = new ControllerClient({ baseUrl, token: "t", timeoutMs: 5000 });
    const err = await failure(client.getVolume("db", { timeoutMs: 50 }));
    expect(err.code).toBe(ErrorCode.Unavailable);
    expect(err.message).toBe(`controller at ${baseUrl} unreachable: no answer within 50 ms; is \`swarmvol controller\` running?`);
  });

  it("rejects an answer that does not follow the contract", async () => {
    reply = (_req, res) => json(res, 200, { state: "maybe" });
    const err = await failure(new ControllerClient({ baseUrl, token: "t" }).claim("db", { nodeId: "n" }));
    expect(err.code).toBe(ErrorCode.Internal);
    expect(err.message).toContain(`controller at ${baseUrl} answered /v1/volumes/db/claims with an unexpected body (field "state" must be a claim answer whose state is granted, pending or refused`);
  });

  it.each<[string, (client: ControllerClient) => Promise<unknown>, unknown, RegExp]>([
    ["a volume without its spec", (client) => client.getVolume("db"), { volume: { uid: "u", createdAt: "t", status: { phase: "ready", fresh: true, epoch: 1 } } }, /\(field "volume\.spec": Invalid input: expected /],
    ["a list holding a number", (client) => client.listVolumes(), { volumes: [1] }, /\(field "volumes\[0\]": Invalid input: expected /],
    ["a size that is a string", (client) => client.createVolume({ name: "db", options: null }), { volume: { ...record("db"), spec: { ...record("db").spec, sizeBytes: "1G" } } }, /\(field "volume\.spec\.sizeBytes": Invalid input: expected /],
    ["a heartbeat answer without revoke", (client) => client.heartbeat("n1", { hostname: "h", instanceId: "i", zone: "z", mounts: [] }), { ttlMs: 6000 }, /\(field "revoke": Invalid input: expected /],
    ["a wanted answer that is a string", (client) => client.wanted("db", { nodeId: "n1" }), { wanted: "yes" }, /\(field "wanted": Invalid input: expected /],
    ["an empty body where a volume is due", (client) => client.getVolume("db"), undefined, /\(the empty body: /],
    ["a body that is not JSON", (client) => client.listVolumes(), "<html>", /\(body is not JSON\)/],
  ])("answers %s with INTERNAL naming the replica and the field, not a TypeError", async (_what, call, body, field) => {
    reply = (_req, res) => {
      const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) }).end(text);
    };
    const err = await failure(call(new ControllerClient({ baseUrl, token: "t" })));
    expect(err.code).toBe(ErrorCode.Internal);
    expect(err.message).toMatch(new RegExp(`^controller at ${baseUrl} answered /v1/\\S+ with an unexpected body`));
    expect(err.message).toMatch(field);
    expect(err.message).toMatch(/are the agent and controller the same swarmvol version\?$/);
  });

  it("reads a newer controller's answer: unknown fields dropped, a new condition reason accepted", async () => {
    const newer = { ...record("db"), future: 1, status: { ...record("db").status, condition: { reason: "Migrating", message: "m", since: "t" } } };
    reply = (_req, res) => json(res, 200, { volume: newer });
    const volume = await new ControllerClient({ baseUrl, token: "t" }).getVolume("db");
    expect(volume).toEqual({ ...record("db"), status: { ...record("db").status, condition: { reason: "Migrating", message: "m", since: "t" } } });
  });

  it("checks its options", () => {
    expect(() => new ControllerClient({ baseUrl: "10.0.0.1:7750", token: "t" })).toThrow(/invalid controller URL/);
    expect(() => new ControllerClient({ baseUrl, token: "" })).toThrow(/missing controller token/);
  });
});
