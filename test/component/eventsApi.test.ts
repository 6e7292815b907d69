import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventRoutes } from "../../api/eventRoutes.js";
import { EventStreams } from "../../api/eventStream.js";
import { Credentials } from "../../api/credentials.js";
import { ApiServer } from "../../api/server.js";
import { MemoryEventLog } from "../../controller/events/eventLog.js";
import type { NewEvent, SwarmvolEvent } from "../../core/events.js";
import type { Logger } from "../../core/ports.js";
import { ManualTime } from "../fakes/fakeSwarm.js";
import { SseClient, untilTrue } from "../support/sseClient.js";

/** The event routes over a real loopback socket, on a real log, with timers that fire when told. */
const token = "s3cret";
const auth = { Authorization: `Bearer ${token}` };
let time: ManualTime;
let log: MemoryEventLog;
let streams: EventStreams;
let server: ApiServer;
let port: number;
let logs: string[];
let clients: SseClient[];
const leadership = { leader: true };

function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    debug: () => undefined,
    info: (_obj, msg) => lines.push(`info ${msg}`),
    warn: (_obj, msg) => lines.push(`warn ${msg}`),
    error: (_obj, msg) => lines.push(`error ${msg}`),
    child: () => logger,
  };
  return logger;
}

async function start(options: { maxLag?: number; maxStreams?: number; pageSize?: number; stallMs?: number } = {}): Promise<void> {
  await server?.close();
  streams = new EventStreams({ log, timers: time, logger: recordingLogger(logs), heartbeatMs: 15_000, graceMs: 5_000, ...options });
  server = new ApiServer({
    routes: eventRoutes(log, streams), logger: recordingLogger(logs), credentials: new Credentials(token),
    leadership: { isLeader: () => leadership.leader, leaderUrl: () => "http://10.0.0.7:7750" },
  });
  port = await server.listen("127.0.0.1", 0);
}

beforeEach(async () => {
  time = new ManualTime();
  log = new MemoryEventLog({ now: () => time.now(), term: 4 });
  logs = [];
  clients = [];
  leadership.leader = true;
  await start();
});
afterEach(async () => {
  for (const client of clients) client.destroy();
  await server.close();
});

const created = (volume: string, n: number, message = `event ${n}`): NewEvent => ({ type: "volume.created", volume, data: { n }, message });
const recordMany = (from: number, to: number, volume = "db") => {
  for (let n = from; n <= to; n += 1) log.record(created(volume, n));
};

async function get(path: string, headers: Record<string, string> = auth): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function stream(path = "/v1/events/stream", headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await SseClient.open(port, path, { ...auth, ...headers });
  clients.push(client);
  return client;
}

const idsOf = (events: Array<{ id?: string }>) => events.map((event) => event.id);

describe("GET /v1/events", () => {
  it("answers the newest events, pages from since and filters by volume", async () => {
    recordMany(1, 3);
    log.record(created("web", 4));
    const newest = await get("/v1/events?limit=2");
    expect(newest.status).toBe(200);
    expect(idsOf(newest.body.events as SwarmvolEvent[])).toEqual(["4-3", "4-4"]);
    expect(newest.body).toMatchObject({ next: "4-4", more: false });
    const page = await get("/v1/events?since=4-1&limit=1");
    expect(page.body).toMatchObject({ events: [expect.objectContaining({ id: "4-2", type: "volume.created", volume: "db", message: "event 2" })], next: "4-2", more: true });
    expect(idsOf((await get("/v1/events?since=4-0&volume=web")).body.events as SwarmvolEvent[])).toEqual(["4-4"]);
  });

  it("puts a stream.gap marker first for an id of an older term", async () => {
    recordMany(1, 2);
    const { body } = await get("/v1/events?since=3-17");
    expect((body.events as SwarmvolEvent[]).map((event) => `${event.type} ${event.id}`)).toEqual(["stream.gap 3-17", "volume.created 4-1", "volume.created 4-2"]);
  });

  it("refuses a bad id, limit, time or volume with 400, no token with 401, and answers 503 naming the leader on a standby", async () => {
    for (const query of ["since=latest", "limit=0", "limit=5000", "sinceTime=yesterday", "volume=a/b"]) {
      const { status, body } = await get(`/v1/events?${query}`);
      expect({ query, status, code: (body.error as { code: string }).code }).toEqual({ query, status: 400, code: "INVALID_ARGUMENT" });
    }
    expect((await get("/v1/events", {})).status).toBe(401);
    leadership.leader = false;
    expect(await get("/v1/events")).toMatchObject({ status: 503, body: { error: { leader: "http://10.0.0.7:7750" } } });
  });
});

describe("GET /v1/events/stream", () => {
  it("sends new events as id, event and data lines, and a heartbeat comment on the injected timer", async () => {
    recordMany(1, 2);
    const client = await stream();
    expect(client.res.statusCode).toBe(200);
    expect(client.res.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    log.record(created("db", 3));
    const [first] = await client.untilEvents(1);
    expect(first).toMatchObject({ id: "4-3", event: "volume.created" });
    expect(JSON.parse(first?.data ?? "")).toMatchObject({ id: "4-3", volume: "db", message: "event 3" });
    await time.advance(15_000);
    await client.until((frame) => frame.comments.includes("heartbeat"));
  });

  it("resumes after a dropped connection from Last-Event-ID: no event lost, none twice (issue 10, done when 1)", async () => {
    const first = await stream();
    recordMany(1, 3);
    await first.untilEvents(3);
    first.destroy();
    await untilTrue(() => streams.active === 0 && log.listenerCount === 0);
    recordMany(4, 6);
    const last = first.events.at(-1)?.id ?? "";
    const second = await stream("/v1/events/stream?since=4-1", { "Last-Event-ID": last });
    recordMany(7, 8);
    await second.untilEvents(5);
    const seen = [...first.events, ...second.events].map((frame) => frame.id);
    expect(seen).toEqual(["4-1", "4-2", "4-3", "4-4", "4-5", "4-6", "4-7", "4-8"]);
    expect(time.pending).toBe(1);
    expect(logs.filter((line) => !line.startsWith("info"))).toEqual([]);
  });

  it("tells a client resuming from an older term that it may have missed events, then streams on", async () => {
    recordMany(1, 1);
    const client = await stream("/v1/events/stream?since=3-9&volume=db");
    log.record(created("web", 2));
    log.record(created("db", 3));
    const frames = await client.untilEvents(3);
    expect(frames.map((frame) => `${frame.event} ${frame.id}`)).toEqual(["stream.gap 3-9", "volume.created 4-1", "volume.created 4-3"]);
  });

  it("cuts off a client that stops reading with a last stream.error instead of growing memory", async () => {
    await start({ maxLag: 8, pageSize: 4 });
    const client = await stream();
    client.pause();
    const filler = "x".repeat(8 * 1024);
    for (let n = 1; n <= 20_000 && log.listenerCount > 0; n += 1) {
      log.record(created("db", n, filler));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(log.listenerCount).toBe(0);
    expect(logs).toContain("info event stream cut off: its client reads too slowly");
    client.resume();
    await client.closed;
    const last = client.events.at(-1);
    expect(last).toMatchObject({ event: "stream.error" });
    expect(last?.id).toBeUndefined();
    expect(JSON.parse(last?.data ?? "")).toMatchObject({ code: "LIMIT_EXCEEDED" });
    await untilTrue(() => streams.active === 0);
    expect(time.pending).toBe(0);
  });

  it("destroys a cut-off client's socket when it does not read its last event within the grace", async () => {
    await start({ maxLag: 2, pageSize: 1 });
    const client = await stream();
    client.pause();
    const filler = "y".repeat(8 * 1024);
    for (let n = 1; n <= 20_000 && log.listenerCount > 0; n += 1) {
      log.record(created("db", n, filler));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(streams.active).toBe(1);
    await time.advance(5_000);
    // The server let go at once; the paused client notices only when it reads again.
    await untilTrue(() => streams.active === 0);
    client.resume();
    await client.closed;
    expect(logs.filter((line) => line.startsWith("error") || line.startsWith("warn"))).toEqual([]);
  });

  it("cuts off a client that reads nothing once its socket stayed full for stallMs, heartbeats or not, however few events it lags", async () => {
    await start({ maxLag: 1_000_000, stallMs: 60_000 });
    const client = await stream();
    client.pause();
    const filler = "z".repeat(64 * 1024);
    // Until the socket is full: the stall timer joins the heartbeat's.
    for (let n = 1; n <= 5_000 && time.pending < 2; n += 1) {
      log.record(created("db", n, filler));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(time.pending).toBe(2);
    await time.advance(59_999);
    expect(log.listenerCount).toBe(1);
    await time.advance(1);
    expect(log.listenerCount).toBe(0);
    expect(logs).toContain("info event stream cut off: its client stopped reading");
    client.resume();
    await client.closed;
    expect(client.events.at(-1)).toMatchObject({ event: "stream.error" });
    expect(client.frames.some((frame) => frame.comments.includes("heartbeat"))).toBe(false);
    await untilTrue(() => streams.active === 0);
  });

  it("refuses a stream over the limit with 429 before any header, and ends streams when the term ends", async () => {
    await start({ maxStreams: 1 });
    const client = await stream();
    const refused = await fetch(`http://127.0.0.1:${port}/v1/events/stream`, { headers: auth });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: "LIMIT_EXCEEDED" } });
    log.endTerm();
    await client.closed;
    expect(client.events.at(-1)).toMatchObject({ event: "stream.end" });
    await untilTrue(() => streams.active === 0 && log.listenerCount === 0);
  });
});
