import { createServer, type Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { timeout } from "../core/errors.js";
import { fakeHealthProbe, type FakeAnswer } from "../test/fakes/fakeHealthProbe.js";
import { commands, usage } from "./commands.js";
import { healthcheckCommand, nodeHealthProbe, unhealthyReason } from "./healthcheck.js";

const entry = ["node", "/opt/swarmvol/dist/cli/main.js"];
const socketPath = "/run/docker/plugins/swarmvol.sock";
const activated = { status: 200, body: JSON.stringify({ Implements: ["VolumeDriver"] }) };
const healthy = { status: 200, body: JSON.stringify({ status: "ok", mode: "controller", role: "standby" }) };

async function run(cmdline: string[] | undefined, answers: Record<string, FakeAnswer>, argv: string[] = [], env = {}) {
  const { probe, requests, asked } = fakeHealthProbe(cmdline, answers);
  const out: string[] = [];
  const err: string[] = [];
  const code = await healthcheckCommand(argv, { probe, env, out: (t) => void out.push(t), err: (t) => void err.push(t) });
  return { code, out: out.join(""), err: err.join(""), requests, asked: asked() };
}

describe("swarmvol healthcheck", () => {
  it("is a command, listed in --help", () => {
    expect(commands.has("healthcheck")).toBe(true);
    expect(usage).toContain("swarmvol healthcheck [--timeout-ms N]");
  });

  it("an agent: asks its plugin socket /Plugin.Activate and exits 0 on Implements VolumeDriver", async () => {
    const result = await run([...entry, "agent", "--plugin-socket", "/p/a.sock"], { "/p/a.sock": activated });
    expect(result.asked).toEqual(["POST /p/a.sock /Plugin.Activate"]);
    expect(result.code).toBe(0);
    expect(result.out).toBe("healthy: agent plugin socket /p/a.sock (/Plugin.Activate) answered\n");
  });

  it("a controller: asks GET /v1/health on its listen address (a wildcard on loopback)", async () => {
    const result = await run([...entry, "controller", "--listen", "0.0.0.0:7750"], { "http://127.0.0.1:7750/v1/health": healthy });
    expect(result.asked).toEqual(["GET http://127.0.0.1:7750/v1/health"]);
    expect(result.code).toBe(0);
  });

  it("exits 8 (UNAVAILABLE) with the reason when the daemon does not answer, or answers wrong", async () => {
    const refused = await run([...entry, "agent"], {});
    expect(refused.code).toBe(8);
    expect(refused.err).toBe(`swarmvol: healthcheck: the agent is not healthy: plugin socket ${socketPath} (/Plugin.Activate): nothing answers (ECONNREFUSED)\n`);
    const wrong = await run([...entry, "agent"], { [socketPath]: { status: 200, body: "{\"Implements\":[\"NetworkDriver\"]}" } });
    expect(wrong.code).toBe(8);
    expect(wrong.err).toContain("answered without Implements [\"VolumeDriver\"]");
    const failing = await run([...entry, "controller"], { "http://127.0.0.1:7750/v1/health": { status: 500, body: "{}" } });
    expect(failing.code).toBe(8);
    expect(failing.err).toContain("API http://127.0.0.1:7750/v1/health: answered HTTP 500");
  });

  it("a timeout is exit 8 too, and --timeout-ms reaches the probe", async () => {
    const result = await run([...entry, "controller"], { "http://127.0.0.1:7750/v1/health": timeout("no answer within 300 ms") }, ["--timeout-ms", "300"]);
    expect(result.requests.map((r) => r.timeoutMs)).toEqual([300]);
    expect(result.code).toBe(8);
    expect(result.err).toContain("no answer within 300 ms");
  });

  it("without a swarmvol PID 1 tries both defaults, healthy when either answers", async () => {
    const plugin = await run(undefined, { [socketPath]: activated });
    expect(plugin.asked).toEqual([`POST ${socketPath} /Plugin.Activate`]);
    expect(plugin.code).toBe(0);
    const api = await run(["sleep", "1d"], { "http://127.0.0.1:7750/v1/health": healthy });
    expect(api.asked).toEqual([`POST ${socketPath} /Plugin.Activate`, "GET http://127.0.0.1:7750/v1/health"]);
    expect(api.code).toBe(0);
    const neither = await run(undefined, {});
    expect(neither.code).toBe(8);
    expect(neither.err).toMatch(/no swarmvol daemon is PID 1; tried the defaults: plugin socket .*; API http:\/\/127\.0\.0\.1:7750\/v1\/health: nothing answers/);
  });

  it("refuses a bad --timeout-ms (exit 2) and prints its usage for --help", async () => {
    expect((await run(undefined, {}, ["--timeout-ms", "soon"])).code).toBe(2);
    expect((await run(undefined, {}, ["--timeout-ms", "0"])).code).toBe(2);
    expect((await run(undefined, {}, ["--bogus"])).code).toBe(2);
    const help = await run(undefined, {}, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.requests).toEqual([]);
    expect(help.out).toMatch(/^usage: swarmvol healthcheck/);
  });

  it("judges answers: status ok for the API, VolumeDriver for the plugin, JSON in both", () => {
    expect(unhealthyReason({ kind: "api", baseUrl: "http://x" }, healthy)).toBeUndefined();
    expect(unhealthyReason({ kind: "api", baseUrl: "http://x" }, { status: 200, body: "ok" })).toMatch(/status/);
    expect(unhealthyReason({ kind: "plugin", socket: "/s" }, { status: 200, body: "not json" })).toMatch(/VolumeDriver/);
  });
});

describe("the real probe (node:http)", () => {
  let dir = "";
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
    if (dir !== "") await rm(dir, { recursive: true, force: true });
    dir = "";
  });

  async function serve(at: string | 0, answer: (method: string, path: string) => string | undefined): Promise<string> {
    server = createServer((req, res) => {
      const body = answer(req.method ?? "", req.url ?? "");
      if (body !== undefined) res.end(body);
    });
    await new Promise<void>((resolve) => server?.listen(at, resolve));
    const address = server.address();
    return typeof address === "string" ? address : `http://127.0.0.1:${address?.port}`;
  }

  it("POSTs to a Unix socket and GETs a URL, reading status and body", async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-health-"));
    const sock = await serve(join(dir, "p.sock"), (method, path) => `${method} ${path}`);
    expect(await nodeHealthProbe.request({ socket: sock, method: "POST", path: "/Plugin.Activate" }, 5000))
      .toEqual({ status: 200, body: "POST /Plugin.Activate" });
    await new Promise((resolve) => server?.close(resolve));
    const base = await serve(0, (method, path) => `${method} ${path}`);
    expect(await nodeHealthProbe.request({ url: `${base}/v1/health`, method: "GET" }, 5000)).toEqual({ status: 200, body: "GET /v1/health" });
  });

  it("rejects UNAVAILABLE when nothing listens and TIMEOUT when the answer does not come", async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-health-"));
    await expect(nodeHealthProbe.request({ socket: join(dir, "none.sock"), method: "POST", path: "/Plugin.Activate" }, 5000))
      .rejects.toMatchObject({ code: "UNAVAILABLE", message: "nothing answers (ENOENT)" });
    const base = await serve(0, () => undefined);
    await expect(nodeHealthProbe.request({ url: `${base}/v1/health`, method: "GET" }, 50)).rejects.toMatchObject({ code: "TIMEOUT" });
  });

  it("reads PID 1's arguments", async () => {
    const args = await nodeHealthProbe.daemonArgs();
    expect(Array.isArray(args) && args.length > 0 && args.every((arg) => typeof arg === "string")).toBe(true);
  });
});
