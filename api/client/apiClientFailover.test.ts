import { describe, expect, it } from "vitest";
import { ErrorCode, isSwarmvolError, type SwarmvolError } from "../../core/errors.js";
import { ControllerClient, type ControllerClientOptions } from "./apiClient.js";

/** How one fake replica behaves. */
type Replica =
  | { kind: "leader"; delayMs?: number; status?: number; body?: unknown }
  | { kind: "standby"; header?: string; leader?: string }
  | { kind: "refused" }
  | { kind: "hang" };

/** A fetch over a table of replicas by base URL; records `base path` of every request in order. */
function fakeFetch(replicas: Record<string, Replica>, calls: string[]): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const base = `${url.protocol}//${url.host}`;
    calls.push(`${base} ${url.pathname}`);
    const replica = replicas[base] ?? { kind: "refused" };
    const signal = init?.signal ?? undefined;
    if (replica.kind === "refused") {
      throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED", message: `connect ECONNREFUSED ${url.host}` } });
    }
    if (replica.kind === "hang") return new Promise((_resolve, reject) => signal?.addEventListener("abort", () => reject(signal.reason)));
    if (replica.kind === "standby") {
      const message = replica.leader ?? replica.header
        ? "this swarmvol controller replica is a standby; the leader is at another URL"
        : "this swarmvol controller replica is a standby; no leader is elected yet; retry in a few seconds";
      const headers: Record<string, string> = { "Content-Type": "application/json", ...(replica.header ? { "X-Swarmvol-Leader": replica.header } : {}) };
      return new Response(JSON.stringify({ error: { code: "UNAVAILABLE", message, ...(replica.leader ? { leader: replica.leader } : {}) } }), { status: 503, headers });
    }
    if (replica.delayMs) await new Promise((resolve) => setTimeout(resolve, replica.delayMs));
    signal?.throwIfAborted();
    return new Response(JSON.stringify(replica.body ?? { ttlMs: 6000, revoke: [] }), { status: replica.status ?? 200 });
  }) as typeof fetch;
}

const a = "http://10.0.0.1:7750";
const b = "http://10.0.0.2:7750";
const c = "http://10.0.0.3:7750";
const beat = { hostname: "h", instanceId: "i-1", zone: "z", mounts: [] };

function client(replicas: Record<string, Replica>, extra: Partial<ControllerClientOptions> = {}) {
  const calls: string[] = [];
  const list = { urls: [a, b, c] as string[] };
  const api = new ControllerClient({ endpoints: () => list.urls, token: "t", fetch: fakeFetch(replicas, calls), ...extra });
  const bases = () => calls.map((call) => call.split(" ")[0]);
  return { api, calls, bases, list, replicas };
}

async function failure(promise: Promise<unknown>): Promise<SwarmvolError> {
  const err = await promise.then(() => undefined, (caught: unknown) => caught);
  if (!isSwarmvolError(err)) throw new Error(`expected a SwarmvolError, got ${String(err)}`);
  return err;
}

describe("ControllerClient across replicas", () => {
  it("tries the replicas in order past refused connections, then starts at the one that served", async () => {
    const t = client({ [a]: { kind: "refused" }, [b]: { kind: "refused" }, [c]: { kind: "leader" } });
    await t.api.heartbeat("n1", beat);
    await t.api.heartbeat("n1", beat);
    expect(t.bases()).toEqual([a, b, c, c]);
    expect(t.api.baseUrl).toBe(c);
  });

  it("follows a standby's leader hint first (header or body), even to an URL not in the list", async () => {
    const d = "http://10.0.0.4:7750";
    const t = client({ [a]: { kind: "standby", header: `${c}/` }, [b]: { kind: "leader" }, [c]: { kind: "standby", leader: d }, [d]: { kind: "leader" } });
    await t.api.heartbeat("n1", beat);
    expect(t.bases()).toEqual([a, c, d]);
    await t.api.heartbeat("n1", beat);
    expect(t.bases().at(-1)).toBe(d);
  });

  it("remembers the leader, and moves on when it turns standby", async () => {
    const t = client({ [a]: { kind: "standby" }, [b]: { kind: "leader" }, [c]: { kind: "standby" } });
    await t.api.listVolumes().catch(() => undefined);
    await t.api.heartbeat("n1", beat);
    t.replicas[b] = { kind: "standby", header: c };
    t.replicas[c] = { kind: "leader" };
    await t.api.heartbeat("n1", beat);
    expect(t.bases()).toEqual([a, b, b, b, c]);
  });

  it("a standby's 503 without a hint sends the call to the next replica", async () => {
    const t = client({ [a]: { kind: "standby" }, [b]: { kind: "leader" } });
    await expect(t.api.heartbeat("n1", beat)).resolves.toEqual({ ttlMs: 6000, revoke: [] });
    expect(t.bases()).toEqual([a, b]);
  });

  it("does not retry the leader's own error elsewhere", async () => {
    const t = client({ [a]: { kind: "leader", status: 409, body: { error: { code: "CONFLICT", message: "volume \"db\" is mounted on node-b" } } } });
    const err = await failure(t.api.claim("db", { nodeId: "n1" }));
    expect([err.code, err.message]).toEqual([ErrorCode.Conflict, "volume \"db\" is mounted on node-b"]);
    expect(t.bases()).toEqual([a]);
  });

  it("all down: UNAVAILABLE naming every replica tried and a command that exists; tells discovery", async () => {
    let told = 0;
    const t = client({ [a]: { kind: "refused" }, [b]: { kind: "standby", header: a }, [c]: { kind: "standby" } }, { onAllFailed: () => (told += 1) });
    const err = await failure(t.api.heartbeat("n1", beat));
    expect(err.code).toBe(ErrorCode.Unavailable);
    expect(err.message).toContain(`${a} unreachable: connect ECONNREFUSED 10.0.0.1:7750`);
    expect(err.message).toContain(`${b} answered 503 (this swarmvol controller replica is a standby`);
    expect(err.message).toContain(`${c} answered 503`);
    expect(err.message).toContain("`swarmvol controller`");
    expect(err.details).toEqual({ tried: [a, b, c] });
    expect(t.bases()).toEqual([a, b, c]);
    expect(told).toBe(1);
  });

  it("during a takeover (every replica a standby, no leader yet) a Docker-facing call asks again until one leads", async () => {
    const t = client({ [a]: { kind: "refused" }, [b]: { kind: "standby" }, [c]: { kind: "standby" } }, { timeoutMs: 3000 });
    const volume = { uid: "u1", createdAt: "2026-11-22T10:00:00.000Z", spec: { name: "db", backend: "ebs", sizeBytes: 1 << 30, fsType: "ext4", options: {} }, status: { phase: "ready", fresh: false, epoch: 1 } };
    setTimeout(() => (t.replicas[c] = { kind: "leader", body: { volume } }), 400);
    await expect(t.api.getVolume("db")).resolves.toMatchObject({ spec: { name: "db" } });
    expect(t.bases().slice(0, 3)).toEqual([a, b, c]);
    expect(t.bases().length).toBeGreaterThan(3);
    expect(t.bases().at(-1)).toBe(c);
  });

  it("with no replica known yet: UNAVAILABLE naming the flag, and tells discovery", async () => {
    let told = 0;
    const t = client({}, { onAllFailed: () => (told += 1) });
    t.list.urls = [];
    const err = await failure(t.api.heartbeat("n1", beat));
    expect(err.message).toMatch(/no controller replica known.*`swarmvol agent --controller URL`/);
    expect(told).toBe(1);
  });

  it("an attempt at a dead IP gets its own budget so the next replica is asked within the deadline", async () => {
    const t = client({ [a]: { kind: "hang" }, [b]: { kind: "leader" } }, { attemptTimeoutMs: 40, timeoutMs: 2000 });
    // b answering within the 2 s deadline proves the hung attempt at a ended on its own 40 ms budget.
    await t.api.heartbeat("n1", beat);
    expect(t.bases()).toEqual([a, b]);
  });

  it("the call's deadline ends the call, and the next call starts at another replica", async () => {
    const t = client({ [a]: { kind: "hang" }, [b]: { kind: "leader" } }, { attemptTimeoutMs: 5000, timeoutMs: 300 });
    const err = await failure(t.api.heartbeat("n1", beat));
    expect(err.message).toBe(`controller at ${a} unreachable: no answer within 300 ms; is \`swarmvol controller\` running?`);
    await t.api.heartbeat("n1", beat);
    expect(t.bases()).toEqual([a, b]);
  });

  it("during a takeover the dead leader, still named by the standbys, costs a short probe, not a full attempt", async () => {
    const t = client({ [a]: { kind: "hang" }, [b]: { kind: "standby", header: a }, [c]: { kind: "standby", header: a } }, { attemptTimeoutMs: 300, suspectTimeoutMs: 20 });
    await failure(t.api.heartbeat("n1", beat));
    expect(t.bases()).toEqual([a, b, c]);
    const err = await failure(t.api.heartbeat("n1", beat));
    expect(err.message).toContain(`${a} unreachable: no answer within 20 ms`);
    expect(t.bases().slice(3)).toEqual([b, a, c]);
    t.replicas[c] = { kind: "leader" };
    await t.api.heartbeat("n1", beat);
    expect(t.bases().at(-1)).toBe(c);
  });

  it("a long-poll claim's waitMs is added to the attempt's budget", async () => {
    const t = client({ [a]: { kind: "leader", delayMs: 80, body: { state: "pending", message: "detaching" } }, [b]: { kind: "leader" } }, { attemptTimeoutMs: 30 });
    await expect(t.api.claim("db", { nodeId: "n1", waitMs: 100 })).resolves.toEqual({ state: "pending", message: "detaching" });
    expect(t.bases()).toEqual([a]);
  });

  it("a fixed baseUrl comes before the listed replicas", async () => {
    const t = client({ [b]: { kind: "leader" } }, { baseUrl: `${c}/` });
    await t.api.heartbeat("n1", beat);
    expect(t.bases()).toEqual([c, a, b]);
  });

  it("cancelled by the caller: ends at once and does not count as every replica failing", async () => {
    let told = 0;
    const t = client({ [a]: { kind: "hang" }, [b]: { kind: "leader" } }, { onAllFailed: () => (told += 1) });
    const stop = new AbortController();
    const pending = failure(t.api.heartbeat("n1", beat, { signal: stop.signal }));
    stop.abort();
    expect((await pending).message).toBe(`call to the controller at ${a} cancelled`);
    expect([t.bases(), told]).toEqual([[a], 0]);
  });
});
