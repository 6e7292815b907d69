import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { HealthResponse } from "../../api/contract.js";
import { planNodes, resolveOptions } from "./plan.js";
import type { LabState } from "./state.js";
import { controllerReplicas, fetchHealth, leadersOf, roleOf, waitForLeader, type ReplicaHealth } from "./swarmvolReplicas.js";

function labState(managers: number, bare = false): LabState {
  const options = resolveOptions({ nodes: 5, managers, dir: "/lab", bare });
  return {
    version: 1, options, createdAt: "2026-01-01T00:00:00.000Z", storageDriver: "overlay2",
    registry: { address: "10.213.0.1:5000", pid: null }, createdHostDirs: [],
    nodes: planNodes(options).map((p) => ({ ...p, launcherPid: null, pid1: null, nodeId: null, preDockerd: null, preDockerdWaitFor: null })),
    cloud: { endpoint: null },
    swarmvol: bare ? null : { token: "t", tokenFile: "/lab/nodes/swarmvol.token", logLevel: "info", fastCloud: true, controllerUrl: "http://10.213.0.11:7750", controllerPid: null },
  };
}

const health = (role?: "leader" | "standby"): HealthResponse => ({ status: "ok", mode: "controller", ...(role ? { role, leader: null, replica: "r" } : {}) });
const answer = (node: string, h: HealthResponse | null): ReplicaHealth => ({ node, url: `http://${node}:7750`, health: h });

describe("controller replicas", () => {
  it("one replica per manager, on the manager's address; none for a bare lab", () => {
    expect(controllerReplicas(labState(3))).toEqual([
      { node: "node1", url: "http://10.213.0.11:7750" },
      { node: "node2", url: "http://10.213.0.12:7750" },
      { node: "node3", url: "http://10.213.0.13:7750" },
    ]);
    expect(controllerReplicas(labState(1))).toEqual([{ node: "node1", url: "http://10.213.0.11:7750" }]);
    expect(controllerReplicas(labState(3, true))).toEqual([]);
  });

  it("a replica's role is its own answer; a pre-HA answer (no role) leads; no answer is no role", () => {
    expect(roleOf(health("leader"))).toBe("leader");
    expect(roleOf(health("standby"))).toBe("standby");
    expect(roleOf(health())).toBe("leader");
    expect(roleOf(null)).toBeNull();
  });

  it("leadersOf keeps only the replicas that say they lead, two when two claim it", () => {
    expect(leadersOf([answer("node1", health("standby")), answer("node2", health("leader")), answer("node3", null)]).map((a) => a.node)).toEqual(["node2"]);
    expect(leadersOf([answer("node1", health())])).toHaveLength(1);
    expect(leadersOf([answer("node1", health("leader")), answer("node2", health("leader"))])).toHaveLength(2);
    expect(leadersOf([answer("node1", null), answer("node2", health("standby"))])).toEqual([]);
  });
});

describe("fetchHealth", () => {
  let server: Server | null = null;
  afterEach(() => new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve()))));

  async function serve(status: number, body: string): Promise<string> {
    server = createServer((_req, res) => res.writeHead(status, { "content-type": "application/json" }).end(body));
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("returns the replica's answer, null for a non-200 or no listener", async () => {
    const url = await serve(200, JSON.stringify(health("standby")));
    expect(await fetchHealth(url)).toMatchObject({ role: "standby" });
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = null;
    expect(await fetchHealth(url, 300)).toBeNull();
    expect(await fetchHealth(await serve(503, "{}"))).toBeNull();
  });
});

describe("waitForLeader", () => {
  /** A clock that only moves when slept on, and replicas whose answers follow a script by poll. */
  function fake(script: ReplicaHealth[][]) {
    let now = 0;
    let polls = 0;
    const clock = { now: () => now, sleep: async (ms: number) => { now += ms; } };
    const ask = async () => script[Math.min(polls++, script.length - 1)] as ReplicaHealth[];
    return { clock, ask, polls: () => polls };
  }

  it("waits until a replica other than the excluded one says it leads, and says when", async () => {
    const f = fake([
      [answer("node1", health("leader")), answer("node2", health("standby"))],
      [answer("node1", null), answer("node2", health("standby"))],
      [answer("node1", null), answer("node2", health("leader"))],
    ]);
    const seen = await waitForLeader(labState(3), { clock: f.clock, ask: f.ask, exclude: ["node1"], intervalMs: 50 });
    expect(seen).toMatchObject({ leader: { node: "node2" }, at: 100 });
    expect(f.polls()).toBe(3);
  });

  it("TIMEOUT naming the replicas' last roles when nobody takes the lead", async () => {
    const f = fake([[answer("node1", null), answer("node2", health("standby"))]]);
    await expect(waitForLeader(labState(3), { clock: f.clock, ask: f.ask, exclude: ["node1"], intervalMs: 50, timeoutMs: 500 }))
      .rejects.toMatchObject({ code: "TIMEOUT", details: { replicas: [{ node: "node1", role: null }, { node: "node2", role: "standby" }] } });
  });
});
