import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planNodes, resolveOptions, type LabState } from "../cluster/index.js";
import { countSelfFence, readSelfFence, selfFenceViolations, sumSelfFence, SELF_FENCE_MESSAGES } from "./selfFence.js";

const line = (time: number, msg: string, extra: object = {}) => JSON.stringify({ level: 50, time, pid: 7, name: "swarmvol-agent", ...extra, msg });

describe("self-fencing evidence in agent logs", () => {
  const log = [
    line(1_000, "agent started"),
    line(1_500, "lease with the controller lapsed: fencing this node's swarmvol volumes", { volumes: [] }),
    line(2_000, "lease with the controller lapsed: fencing this node's swarmvol volumes", { volumes: ["v"] }),
    line(2_001, "container killed to fence its volumes", { container: "drill_db.1", volumes: ["v"] }),
    line(2_002, "heartbeat failed", { err: "lease with the controller lapsed" }), // the words, but not the message
    "Error: not json at all: container killed to fence its volumes",
    '{"time":2100,"msg":"container killed to fence', // a torn last line
    "",
  ].join("\n");

  it("counts lapses and kills by their constant messages, inside the window only", () => {
    expect(countSelfFence(log, 0, 10_000)).toEqual({ lapses: 2, kills: 1 });
    expect(countSelfFence(log, 1_600, 10_000)).toEqual({ lapses: 1, kills: 1 });
    expect(countSelfFence(log, 2_001, 2_001)).toEqual({ lapses: 0, kills: 1 });
    expect(countSelfFence(log, 0, 1_499)).toEqual({ lapses: 0, kills: 0 });
    expect(countSelfFence("", 0, 1)).toEqual({ lapses: 0, kills: 0 });
  });

  it("matches the agent's messages (plugin/cluster/leaseKeeper.ts)", () => {
    expect(SELF_FENCE_MESSAGES.lapse).toBe("lease with the controller lapsed");
    expect(SELF_FENCE_MESSAGES.kill).toBe("container killed to fence its volumes");
  });

  it("sums nodes and names the ones that fenced in the violation", () => {
    const report = sumSelfFence({ node4: { lapses: 1, kills: 2 }, node5: { lapses: 0, kills: 0 } });
    expect(report).toMatchObject({ lapses: 1, kills: 2 });
    expect(selfFenceViolations(report)).toEqual(["agents self-fenced during the scenario: 1 lease lapses, 2 containers killed (node4 1 lapses/2 kills)"]);
    expect(selfFenceViolations(sumSelfFence({ node1: { lapses: 0, kills: 0 } }))).toEqual([]);
  });
});

describe("readSelfFence", () => {
  it("reads every node's agent.log; a node killed by the fault counts only until its kill; a missing log is empty", async () => {
    const dir = mkdtempSync(join(tmpdir(), "swarmvol-selffence-"));
    const options = resolveOptions({ nodes: 3, managers: 1, dir });
    const nodes = planNodes(options);
    const state = { options, nodes } as unknown as LabState;
    const lapse = "lease with the controller lapsed: fencing this node's swarmvol volumes";
    for (const node of nodes.slice(0, 2)) mkdirSync(node.paths.dir, { recursive: true });
    writeFileSync(join(nodes[0]?.paths.dir as string, "agent.log"), `${line(5_000, lapse)}\n`); // after its kill: a fresh boot
    writeFileSync(join(nodes[1]?.paths.dir as string, "agent.log"), `${line(3_000, lapse)}\n${line(3_001, "container killed to fence its volumes")}\n`);
    const report = await readSelfFence(state, 1_000, 10_000, { node1: 2_000 });
    expect(report).toEqual({
      lapses: 1, kills: 1,
      byNode: { node1: { lapses: 0, kills: 0 }, node2: { lapses: 1, kills: 1 }, node3: { lapses: 0, kills: 0 } },
    });
    expect((await readSelfFence(state, 1_000, 10_000)).lapses).toBe(2);
  });
});
