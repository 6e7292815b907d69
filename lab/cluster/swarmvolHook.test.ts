import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Credentials } from "../../api/credentials.js";
import { planNodes, resolveOptions } from "./plan.js";
import type { LabState, NodeState } from "./state.js";
import { readTokenFile, writeNodeToken, writeTokenFile } from "./swarmvolHook.js";
import { nodeSwarmvolPaths } from "./swarmvolPlan.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "swarmvol-hook-"));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

function lab(swarmvol: boolean): { state: LabState; node: NodeState } {
  const [plan] = planNodes(resolveOptions({ nodes: 1, dir }));
  const node = { ...plan, nodeId: "abc123" } as NodeState;
  const state = { nodes: [node], swarmvol: swarmvol ? { token: "lab-secret" } : null } as unknown as LabState;
  return { state, node };
}

describe("writeNodeToken", () => {
  it("gives a joined node its own token, 0600, which the controllers take as that node", async () => {
    const { state, node } = lab(true);
    await mkdir(node.paths.dir, { recursive: true });
    await writeNodeToken(state, node);
    const file = nodeSwarmvolPaths(node).nodeTokenFile;
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(new Credentials("lab-secret").identify((await readFile(file, "utf8")).trim())).toEqual({ kind: "node", nodeId: "abc123" });
  });

  it("does nothing on a bare lab, and refuses a node that has not joined", async () => {
    const bare = lab(false);
    await writeNodeToken(bare.state, bare.node);
    const { state, node } = lab(true);
    await expect(writeNodeToken(state, { ...node, nodeId: null })).rejects.toThrow(/no swarm node id yet/);
  });
});

describe("writeTokenFile", () => {
  let dir = "";
  afterEach(async () => {
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("writes the token 0600, narrowing a file left with wider permissions", async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-token-"));
    const tokenFile = join(dir, "swarmvol.token");
    await writeFile(tokenFile, "old\n", { mode: 0o644 });
    await writeTokenFile({ token: "t0k3n", tokenFile, logLevel: "info", fastCloud: false, controllerUrl: "http://10.213.0.11:7750", controllerPid: null });
    expect(await readFile(tokenFile, "utf8")).toBe("t0k3n\n");
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect(await readTokenFile({ tokenFile })).toBe("t0k3n");
  });
});
