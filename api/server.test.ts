import { request } from "node:http";
import { connect } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { internal } from "../core/errors.js";
import type { Logger } from "../core/ports.js";
import { z } from "zod";
import { Credentials } from "./credentials.js";
import { route } from "./route.js";
import { ApiServer, type Route } from "./server.js";

const token = "s3cret";
const credentials = new Credentials(token);
let server: ApiServer;
let port: number;
let logs: string[];
const leadership = { leader: true, restoring: false, url: undefined as string | undefined };

function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    debug: (_obj, msg) => lines.push(`debug ${msg}`),
    info: (_obj, msg) => lines.push(`info ${msg}`),
    warn: (_obj, msg) => lines.push(`warn ${msg}`),
    error: (_obj, msg) => lines.push(`error ${msg}`),
    child: () => logger,
  };
  return logger;
}

const json = { status: 200 as const, schema: z.unknown(), description: "anything" };
const routes: Route[] = [
  route({ method: "GET", path: "/v1/health", access: "public", summary: "health", answer: json, handle: () => ({ status: "ok" }) }),
  route({ method: "GET", path: "/metrics", access: "public", summary: "metrics", answer: { status: 200, contentType: "text/plain", description: "text" }, handle: () => ({ text: "up 1\n" }) }),
  route({ method: "GET", path: "/v1/volumes/{name}", access: "authenticated", summary: "echo", params: z.object({ name: z.string() }), answer: json, handle: ({ params }) => ({ name: params.name }) }),
  route({ method: "POST", path: "/v1/volumes", access: "authenticated", summary: "count", body: z.record(z.string(), z.unknown()), answer: json, handle: ({ body }) => ({ got: Object.keys(body).length }) }),
  route({ method: "GET", path: "/v1/broken", access: "authenticated", summary: "broken", answer: json, handle: () => { throw internal("disk on fire"); } }),
  { ...route({ method: "POST", path: "/v1/beat", access: "authenticated", summary: "beat", answer: json, handle: () => ({ renewed: true }) }), whileRestoring: true },
];

beforeEach(async () => {
  logs = [];
  leadership.leader = true;
  leadership.restoring = false;
  leadership.url = undefined;
  server = new ApiServer({
    routes, logger: recordingLogger(logs), credentials,
    leadership: { isLeader: () => leadership.leader, restoring: () => leadership.restoring, leaderUrl: () => leadership.url },
  });
  port = await server.listen("127.0.0.1", 0);
});
afterEach(async () => server.close());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request over a real socket, with the path exactly as given (no client-side URL parsing). */
function raw(method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers: { Authorization: `Bearer ${token}`, ...headers } }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const codeOf = (answer: Answer) => (JSON.parse(answer.body) as { error: { code: string } }).error.code;

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

describe("ApiServer", () => {
  it("answers request targets that URL parsing rejects with 400, and keeps serving", async () => {
    // `//` once threw outside the handler's try: an unauthenticated request killed the process.
    for (const path of ["//", "//x:y", "/v1/volumes/%zz"]) {
      const answer = await raw("GET", path, { Authorization: "" });
      expect([path, answer.status, codeOf(answer)]).toEqual([path, 400, "INVALID_ARGUMENT"]);
    }
    for (const path of ["/%zz", "http://x//y"]) expect((await raw("GET", path)).status).toBe(404);
    expect((await raw("GET", "/v1/health")).status).toBe(200);
    expect(JSON.parse((await raw("GET", "/v1/volumes/a%20b")).body)).toEqual({ name: "a b" });
    expect(logs.filter((line) => line.startsWith("error"))).toEqual([]);
  });

  it("tells clients it keeps idle connections longer than they do (no reuse race with undici's 4 s)", async () => {
    const answer = await raw("GET", "/v1/health");
    expect(answer.headers["keep-alive"]).toBe("timeout=65");
  });

  it("refuses a bare token without the Bearer scheme", async () => {
    const bare = await raw("GET", "/v1/volumes/db", { Authorization: token });
    expect([bare.status, codeOf(bare)]).toEqual([401, "UNAUTHENTICATED"]);
    expect((await raw("GET", "/v1/volumes/db", { Authorization: `Bearer ${token}x` })).status).toBe(401);
    expect((await raw("GET", "/v1/volumes/db", { Authorization: `bearer ${token}` })).status).toBe(200);
    expect((await raw("GET", "/v1/volumes/db")).status).toBe(200);
  });

  it("answers a body over 1 MiB with 413 and INVALID_ARGUMENT (a size limit, not a JSON error; not 'retry later' either)", async () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 0x20);
    const declared = await raw("POST", "/v1/volumes", { "Content-Type": "application/json" }, big);
    expect([declared.status, codeOf(declared), declared.headers.connection]).toEqual([413, "INVALID_ARGUMENT", "close"]);
    const chunked = await raw("POST", "/v1/volumes", { "Content-Type": "application/json", "Transfer-Encoding": "chunked" }, big);
    expect([chunked.status, codeOf(chunked)]).toEqual([413, "INVALID_ARGUMENT"]);
    expect(JSON.parse((await raw("POST", "/v1/volumes", {}, "{\"a\":1}")).body)).toEqual({ got: 1 });
  });

  it("does not log a client that hangs up mid-body as an internal error", async () => {
    const socket = connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(`POST /v1/volumes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 1000\r\n\r\n{"a":`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.destroy();
    await until(() => logs.includes("debug client went away before the answer"));
    expect(logs.filter((line) => line.startsWith("error"))).toEqual([]);
    expect((await raw("GET", "/v1/health")).status).toBe(200);
  });

  it("still logs a route's internal error", async () => {
    const answer = await raw("GET", "/v1/broken");
    expect([answer.status, codeOf(answer)]).toEqual([500, "INTERNAL"]);
    expect(logs).toContain("error api call failed");
  });

  it("on a standby: 503 naming the leader (header and body) on every route but health and metrics", async () => {
    leadership.leader = false;
    leadership.url = "http://10.0.0.5:7750";
    const answer = await raw("POST", "/v1/volumes", {}, "{}");
    expect(answer.status).toBe(503);
    expect(answer.headers["x-swarmvol-leader"]).toBe("http://10.0.0.5:7750");
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: "UNAVAILABLE", message: "this swarmvol controller replica is a standby; the leader is at http://10.0.0.5:7750", leader: "http://10.0.0.5:7750" },
    });
    expect((await raw("GET", "/v1/health", { Authorization: "" })).status).toBe(200);
    expect((await raw("GET", "/metrics", { Authorization: "" })).status).toBe(200);
    expect((await raw("GET", "/v1/volumes/db", { Authorization: "" })).status).toBe(401);
  });

  it("while the lease holder restores: only routes marked whileRestoring are served", async () => {
    leadership.leader = false;
    leadership.restoring = true;
    expect((await raw("POST", "/v1/beat", {}, "{}")).status).toBe(200);
    expect((await raw("POST", "/v1/volumes", {}, "{}")).status).toBe(503);
    leadership.restoring = false;
    expect((await raw("POST", "/v1/beat", {}, "{}")).status).toBe(503);
  });

  it("on a standby with no leader elected: 503 without a hint, saying to retry", async () => {
    leadership.leader = false;
    const answer = await raw("GET", "/v1/volumes/db");
    expect(answer.status).toBe(503);
    expect(answer.headers["x-swarmvol-leader"]).toBeUndefined();
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: "UNAVAILABLE", message: "this swarmvol controller replica is a standby; no leader is elected yet; retry in a few seconds" },
    });
    leadership.leader = true;
    expect((await raw("GET", "/v1/volumes/db")).status).toBe(200);
  });
});
