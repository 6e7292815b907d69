import { describe, expect, it } from "vitest";
import { planNodes, resolveOptions } from "./plan.js";
import type { LabState } from "./state.js";
import { buildStatus, renderStatusTable, type NodeObservation } from "./status.js";

function labState(): LabState {
  const options = resolveOptions({ nodes: 2, zones: 2, dir: "/lab" });
  return {
    version: 1,
    options,
    createdAt: "2026-01-01T00:00:00.000Z",
    storageDriver: "overlay2",
    registry: { address: "10.213.0.1:5000", pid: 10 },
    createdHostDirs: [],
    nodes: planNodes(options).map((p, i) => ({
      ...p, launcherPid: 100 + i, pid1: 200 + i, nodeId: i === 0 ? "abc" : null, preDockerd: null, preDockerdWaitFor: null,
    })),
    cloud: { endpoint: null },
  };
}

describe("buildStatus", () => {
  it("follows the status --json contract", () => {
    const observed = new Map<string, NodeObservation>([
      ["node1", { running: true, linkUp: true, swarmState: "ready" }],
      ["node2", { running: false, linkUp: false, swarmState: null }],
    ]);
    expect(buildStatus(labState(), observed)).toEqual({
      nodes: [
        {
          name: "node1", nodeId: "abc", role: "manager", dockerHost: "unix:///lab/nodes/node1/docker.sock",
          address: "10.213.0.11", instanceId: expect.stringMatching(/^i-0[0-9a-f]{16}$/), zone: "us-east-1a",
          state: "ready", process: "running", link: "up",
        },
        {
          name: "node2", nodeId: null, role: "worker", dockerHost: "unix:///lab/nodes/node2/docker.sock",
          address: "10.213.0.12", instanceId: expect.stringMatching(/^i-0[0-9a-f]{16}$/), zone: "us-east-1b",
          state: "unknown", process: "stopped", link: "down",
        },
      ],
      cloud: { endpoint: null },
      controller: { url: null, tokenFile: null, endpoint: null },
      controllers: [],
      leader: null,
    });
  });

  it("names the controller's URL and token file, never the token", () => {
    const state = { ...labState(), cloud: { endpoint: "http://10.213.0.1:4566" }, swarmvol: {
      token: "s3cret-token", tokenFile: "/lab/nodes/swarmvol.token", logLevel: "info", fastCloud: false,
      controllerUrl: "http://10.213.0.11:7750", controllerPid: 9, controllers: { node1: 9 },
    } };
    const status = buildStatus(state, new Map());
    expect(status.controller).toEqual({ url: "http://10.213.0.11:7750", tokenFile: "/lab/nodes/swarmvol.token", endpoint: "http://10.213.0.11:7750" });
    expect(status).not.toHaveProperty("token");
    expect(JSON.stringify(status)).not.toContain("s3cret-token");
    const text = renderStatusTable(status);
    expect(text).toContain("token file: /lab/nodes/swarmvol.token\n");
    expect(text).not.toContain("s3cret-token");
  });

  it("names each controller replica with its role and pid, and the leader's node", () => {
    const controllers = [
      { node: "node1", url: "http://10.213.0.11:7750", role: "standby" as const, pid: 41 },
      { node: "node2", url: "http://10.213.0.12:7750", role: "leader" as const, pid: 42 },
      { node: "node3", url: "http://10.213.0.13:7750", role: null, pid: null },
    ];
    const status = buildStatus(labState(), new Map(), controllers);
    expect(status.controllers).toEqual(controllers);
    expect(status.leader).toBe("node2");
    const lines = renderStatusTable(status).trimEnd().split("\n");
    expect(lines.slice(-4)).toEqual([
      "controller node1: http://10.213.0.11:7750 standby pid 41",
      "controller node2: http://10.213.0.12:7750 leader pid 42",
      "controller node3: http://10.213.0.13:7750 no answer (not running)",
      "leader: node2",
    ]);
  });

  it("has no leader when no replica says it leads", () => {
    const status = buildStatus(labState(), new Map(), [{ node: "node1", url: "http://10.213.0.11:7750", role: null, pid: 7 }]);
    expect(status.leader).toBeNull();
    expect(renderStatusTable(status).trimEnd().split("\n").at(-1)).toBe("leader: (none)");
  });

  it("renders one aligned row per node and the cloud endpoint", () => {
    const text = renderStatusTable(buildStatus(labState(), new Map()));
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+ROLE\s+STATE/);
    expect(lines[1]).toMatch(/^node1\s+manager\s+unknown\s+stopped\s+down\s+10\.213\.0\.11/);
    expect(lines[3]).toBe("cloud endpoint: (none)");
  });
});
