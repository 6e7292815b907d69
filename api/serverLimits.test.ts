import { connect, type Socket } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../core/ports.js";
import type { VolumeDriver } from "../plugin/driver.js";
import { PluginServer } from "../plugin/server.js";
import { ManualTime } from "../test/fakes/fakeSwarm.js";
import { untilTrue } from "../test/support/sseClient.js";
import { z } from "zod";
import { route } from "./route.js";
import { ApiServer, defaultMaxApiConnections, type Route } from "./server.js";

/** Both HTTP surfaces against clients that never finish: real sockets, deadlines on timers the test fires. */
const json = { status: 200 as const, schema: z.unknown(), description: "anything" };
const routes: Route[] = [
  route({ method: "GET", path: "/v1/health", access: "public", summary: "health", answer: json, handle: () => ({ status: "ok" }) }),
  route({ method: "POST", path: "/v1/volumes", access: "public", summary: "count", body: z.record(z.string(), z.unknown()), answer: json, handle: ({ body }) => ({ got: Object.keys(body).length }) }),
];
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function apiServer(limits: ConstructorParameters<typeof ApiServer>[0]["limits"]): Promise<{ server: ApiServer; port: number }> {
  const server = new ApiServer({ routes, logger: silentLogger, credentials: undefined, ...(limits ? { limits } : {}) });
  const port = await server.listen("127.0.0.1", 0);
  cleanups.push(() => server.close());
  return { server, port };
}

/** A raw client: everything it is sent, and whether the server closed on it. */
async function client(target: { port: number } | { path: string }): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const socket = "port" in target ? connect(target.port, "127.0.0.1") : connect(target.path);
  cleanups.push(() => void socket.destroy());
  let text = "";
  socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
  socket.on("error", () => undefined);
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await new Promise((resolve) => socket.once("connect", resolve));
  return { socket, received: () => text, closed };
}

describe("API server bounds", () => {
  it("sets headers and request timeouts well below Node's (60 s, 5 min), and a connection limit", async () => {
    const { server } = await apiServer(undefined);
    expect([server.server.headersTimeout, server.server.requestTimeout, server.server.maxConnections]).toEqual([10_000, 30_000, defaultMaxApiConnections]);
  });

  it("answers 408 and closes when a body does not arrive within bodyTimeoutMs", async () => {
    const time = new ManualTime();
    const { port } = await apiServer({ timers: time, bodyTimeoutMs: 10_000 });
    const slow = await client({ port });
    slow.socket.write("POST /v1/volumes HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"a\":");
    await untilTrue(() => time.pending === 1);
    await time.advance(9_999);
    expect(slow.received()).toBe("");
    await time.advance(1);
    await slow.closed;
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(slow.received()).toContain('"code":"TIMEOUT"');
    expect(slow.received()).toMatch(/connection: close/i);
  });

  it("closes a connection over maxConnections as it arrives, and takes one again once another has gone", async () => {
    const { server, port } = await apiServer({ maxConnections: 2 });
    const first = await client({ port });
    await client({ port });
    const count = () => new Promise<number>((resolve) => server.server.getConnections((_err, n) => resolve(n)));
    for (let turn = 0; turn < 200 && (await count()) < 2; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    const third = await client({ port });
    third.socket.write("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
    await third.closed;
    expect(third.received()).toBe("");
    first.socket.destroy();
    await first.closed;
    for (let turn = 0; turn < 200 && (await count()) > 1; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    const fourth = await client({ port });
    fourth.socket.write("GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await fourth.closed;
    expect(fourth.received()).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe("plugin server bounds", () => {
  it("answers 408 with Err and closes when a body does not arrive within bodyTimeoutMs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sv-limits-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const time = new ManualTime();
    const driver = { get: async () => ({ Name: "x" }) } as unknown as VolumeDriver;
    const server = new PluginServer({ driver, logger: silentLogger, limits: { timers: time, bodyTimeoutMs: 10_000 } });
    const path = join(dir, "p.sock");
    await server.listen(path);
    cleanups.push(() => server.drain());
    expect([server.server.headersTimeout, server.server.requestTimeout]).toEqual([10_000, 30_000]);
    const slow = await client({ path });
    slow.socket.write("POST /VolumeDriver.Get HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"Name\":");
    await untilTrue(() => time.pending === 1);
    await time.advance(10_000);
    await slow.closed;
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(slow.received()).toContain('"Err":"request body not received within 10000 ms');
  });
});
