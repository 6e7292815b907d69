import { readFileSync } from "node:fs";
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ErrorCode, isSwarmvolError } from "../../core/errors.js";
import type { SwarmEvent } from "../../core/swarm.js";
import { ManualTime } from "../../test/fakes/fakeSwarm.js";
import { DockerSwarm, type DockerSwarmApi } from "./dockerSwarm.js";

/**
 * testdata/*.json were captured from Debian's dockerd 20.10.24 (API v1.41) in a one-node
 * swarm: `service create --mount ...volume-driver=swarmvol --mount ...volume-driver=
 * swarmvol:latest,volume-opt=size=2 --mount type=volume,source=plain`. The task is pending
 * ("missing plugin on 1 node"). nodes.json adds a hand-edited copy of the node as a down,
 * drained worker advertising the swarmvol:latest volume plugin. events.ndjson is the raw
 * GET /events body for a service create, two availability updates and a service remove.
 */
// Compile-time proof that the dockerode instance cli/ builds fits the narrowed interface.
const _fitsDockerode = (docker: import("dockerode")): DockerSwarmApi => docker;
void _fitsDockerode;

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), "utf8"));
const eventsBody = readFileSync(new URL("./testdata/events.ndjson", import.meta.url), "utf8");

function fakeDocker(overrides: Partial<DockerSwarmApi> = {}) {
  const calls: Array<[string, unknown]> = [];
  const docker: DockerSwarmApi = {
    listNodes: async () => (calls.push(["listNodes", undefined]), fixture("nodes.json") as unknown[]),
    listTasks: async (options) => (calls.push(["listTasks", { filters: options?.filters }]), fixture("tasks.json") as unknown[]),
    listServices: async () => (calls.push(["listServices", undefined]), fixture("services.json") as unknown[]),
    getEvents: async (options) => (calls.push(["getEvents", options.filters]), Readable.from([eventsBody])),
    ...overrides,
  };
  return { docker, calls };
}

describe("DockerSwarm.listTasks", () => {
  it("parses a real /tasks item: swarmvol and driverless mounts, Opts-less DriverConfig, no node yet", async () => {
    const { docker, calls } = fakeDocker();
    const tasks = await new DockerSwarm({ docker }).listTasks();
    expect(calls[0]).toEqual(["listTasks", { filters: { "desired-state": ["running"] } }]);
    expect(tasks).toEqual([{
      id: "rb739c6dljdkp31q0cnrtof8n",
      version: 18,
      serviceId: "dpb3tmspm684sfs8on3c7fa76",
      serviceName: "web",
      slot: 1,
      nodeId: undefined,
      desiredState: "running",
      state: "pending",
      volumes: [
        { source: "v1", driver: "swarmvol", target: "/d", readOnly: false, options: {} },
        { source: "v2", driver: "swarmvol", target: "/e", readOnly: false, options: { size: "2" } },
        // `--mount type=volume,source=plain`: no VolumeOptions at all; the catalog decides (core/wants.ts).
        { source: "plain", driver: "unnamed", target: "/p", readOnly: false, options: {} },
      ],
      updatedAt: "2026-11-22T19:07:55.548382548Z",
    }]);
  });

  it("passes the desired states as an Engine API filter", async () => {
    const { docker, calls } = fakeDocker();
    await new DockerSwarm({ docker }).listTasks(["running", "shutdown"]);
    expect(calls[0]).toEqual(["listTasks", { filters: { "desired-state": ["running", "shutdown"] } }]);
  });

  it("matches configured driver names with and without :latest; another driver's mounts are dropped", async () => {
    const { docker } = fakeDocker();
    const [task] = await new DockerSwarm({ docker, driverNames: ["other"] }).listTasks();
    expect(task?.volumes.map((volume) => [volume.source, volume.driver])).toEqual([["plain", "unnamed"]]);
  });

  it("caches service names and asks /services again only after serviceRetryMs for unknown IDs", async () => {
    let now = 0;
    const { docker, calls } = fakeDocker({
      listTasks: async () => [{ ID: "t1", ServiceID: "gone", Labels: { "com.docker.swarm.service.name": "from-label" } }],
    });
    const swarm = new DockerSwarm({ docker, now: () => now });
    const [task] = await swarm.listTasks();
    expect(task?.serviceName).toBe("from-label");
    await swarm.listTasks();
    now = 10_000;
    await swarm.listTasks();
    expect(calls.filter(([name]) => name === "listServices")).toHaveLength(2);
  });

  it("keeps listing tasks when /services fails", async () => {
    const { docker } = fakeDocker({ listServices: async () => { throw new Error("boom"); } });
    const [task] = await new DockerSwarm({ docker }).listTasks();
    expect(task?.serviceName).toBe("");
    expect(task?.volumes).toHaveLength(3);
  });

  it("translates a worker's 503 into UNAVAILABLE and a 400 into INVALID_ARGUMENT", async () => {
    const fail = (statusCode: number) => fakeDocker({
      listTasks: async () => { throw Object.assign(new Error("(HTTP code 503)"), { statusCode, json: { message: "This node is not a swarm manager." } }); },
    }).docker;
    await expect(new DockerSwarm({ docker: fail(503) }).listTasks()).rejects.toMatchObject({ code: ErrorCode.Unavailable, message: expect.stringContaining("not a swarm manager") });
    await expect(new DockerSwarm({ docker: fail(400) }).listTasks()).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
  });
});

describe("DockerSwarm.listNodes", () => {
  it("parses state, availability, role, labels, address, volume plugins and the Raft leader", async () => {
    const nodes = await new DockerSwarm({ docker: fakeDocker().docker }).listNodes();
    expect(nodes).toEqual([
      { id: "tl6n2d7n5vn8huh008iew6vey", version: 17, hostname: "vm", role: "manager", availability: "active", state: "ready", address: "127.0.0.1", labels: { zone: "a" }, volumePlugins: ["local"], raftLeader: true },
      { id: "wk9f3xq0m2a7c1b8d4e6g5h0j", version: 42, hostname: "worker-1", role: "worker", availability: "drain", state: "down", address: "10.0.0.12", labels: {}, volumePlugins: ["local", "swarmvol:latest"] },
    ]);
  });

  it("never reads an unknown availability as active", async () => {
    const docker = fakeDocker({ listNodes: async () => [{ ID: "n", Spec: { Availability: "weird" } }] }).docker;
    const [node] = await new DockerSwarm({ docker }).listNodes();
    expect(node).toMatchObject({ availability: "pause", state: "unknown", role: "worker", volumePlugins: [] });
  });
});

describe("DockerSwarm.watchEvents", () => {
  const containerEvent = JSON.stringify({
    status: "die", id: "c0ffee", from: "busybox", Type: "container", Action: "die",
    Actor: { ID: "c0ffee", Attributes: { "com.docker.swarm.task.id": "t1", "com.docker.swarm.node.id": "n1" } }, scope: "local",
  });

  it("splits the raw stream into events across chunk boundaries and resolves when it ends", async () => {
    const body = `${eventsBody}{"Type":"network","Action":"create","Actor":{"ID":"x"}}\nnot json\n${containerEvent}`;
    const chunks = [body.slice(0, 37), body.slice(37, 300), body.slice(300)].map((part) => Buffer.from(part));
    const { docker, calls } = fakeDocker({ getEvents: async (options) => (calls.push(["getEvents", options.filters]), Readable.from(chunks)) });
    const events: SwarmEvent[] = [];
    await new DockerSwarm({ docker }).watchEvents((event) => events.push(event), new AbortController().signal);
    expect(calls).toEqual([["getEvents", { type: ["node", "service", "container"] }]]);
    expect(events).toEqual([
      { type: "service", action: "create", id: "voubq9c000k0kj4lughez9391" },
      { type: "node", action: "update", id: "tl6n2d7n5vn8huh008iew6vey" },
      { type: "node", action: "update", id: "tl6n2d7n5vn8huh008iew6vey" },
      { type: "service", action: "remove", id: "voubq9c000k0kj4lughez9391" },
      { type: "container", action: "die", id: "c0ffee" },
    ]);
  });

  it("stops and destroys the stream when the signal aborts", async () => {
    const stream = new PassThrough();
    const { docker } = fakeDocker({ getEvents: async () => stream });
    const abort = new AbortController();
    const events: SwarmEvent[] = [];
    const watching = new DockerSwarm({ docker }).watchEvents((event) => events.push(event), abort.signal);
    stream.write(`${containerEvent}\n`);
    await new Promise((resolve) => setImmediate(resolve));
    abort.abort();
    await watching;
    expect(events).toHaveLength(1);
    expect(stream.destroyed).toBe(true);
  });

  it("rejects with UNAVAILABLE when the connection fails, resolves quietly when aborted first", async () => {
    const { docker } = fakeDocker({ getEvents: async () => { throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }); } });
    const error = await new DockerSwarm({ docker }).watchEvents(() => {}, new AbortController().signal).catch((err: unknown) => err);
    expect(isSwarmvolError(error, ErrorCode.Unavailable)).toBe(true);
    await expect(new DockerSwarm({ docker }).watchEvents(() => {}, AbortSignal.abort())).resolves.toBeUndefined();
  });
});

describe("DockerSwarm: a dockerd that accepts and never answers", () => {
  const never = () => new Promise<never>(() => undefined);

  it("fails each list UNAVAILABLE at callTimeoutMs, and aborts the request", async () => {
    const time = new ManualTime();
    const signals: AbortSignal[] = [];
    const hang = async (options?: { abortSignal?: AbortSignal }) => (options?.abortSignal && signals.push(options.abortSignal), never());
    const { docker } = fakeDocker({ listNodes: hang, listTasks: hang });
    const swarm = new DockerSwarm({ docker, timers: time, callTimeoutMs: 5_000 });
    const calls = [swarm.listNodes().catch((err: unknown) => err), swarm.listTasks().catch((err: unknown) => err)];
    await time.advance(4_999);
    expect(signals.map((signal) => signal.aborted)).toEqual([false, false]);
    await time.advance(1);
    for (const err of await Promise.all(calls)) {
      expect(isSwarmvolError(err, ErrorCode.Unavailable)).toBe(true);
      expect((err as Error).message).toContain("did not answer within 5000 ms");
    }
    expect(signals.map((signal) => signal.aborted)).toEqual([true, true]);
  });

  it("bounds the opening of the event stream, not the open stream", async () => {
    const time = new ManualTime();
    const { docker } = fakeDocker({ getEvents: never });
    const swarm = new DockerSwarm({ docker, timers: time, callTimeoutMs: 5_000 });
    const watching = swarm.watchEvents(() => undefined, new AbortController().signal).catch((err: unknown) => err);
    await time.advance(5_000);
    expect(isSwarmvolError(await watching, ErrorCode.Unavailable)).toBe(true);

    const quiet = new PassThrough();
    let opened: AbortSignal | undefined;
    const open = new DockerSwarm({ docker: fakeDocker({ getEvents: async (options) => (opened = options.abortSignal, quiet) }).docker, timers: time, callTimeoutMs: 5_000 });
    const stop = new AbortController();
    const streaming = open.watchEvents(() => undefined, stop.signal);
    await time.advance(60_000);
    expect(opened?.aborted).toBe(false);
    expect(time.pending).toBe(0);
    stop.abort();
    await streaming;
  });
});
