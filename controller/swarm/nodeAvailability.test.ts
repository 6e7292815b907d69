import { describe, expect, it } from "vitest";
import { ErrorCode, isSwarmvolError } from "../../core/errors.js";
import { planDrain, planRestore } from "../../core/nodeDrain.js";
import { FakeDockerStoreApi } from "../../test/fakes/fakeDockerStoreApi.js";
import { DockerNodeAvailability } from "./nodeAvailability.js";

// Compile-time proof that the dockerode instance cli/ builds fits.
const _fitsDockerode = (docker: import("dockerode")): ConstructorParameters<typeof DockerNodeAvailability>[0]["docker"] => docker;
void _fitsDockerode;

const marker = "replica-a/term-3";
const ours = { "swarmvol.drained-by": marker, "swarmvol.drained-from": "active" };

function setup(spec: Record<string, unknown> = {}) {
  const docker = new FakeDockerStoreApi();
  docker.addNode("w1", { "swarmvol.instance-id": "i-1" });
  const node = docker.nodes.get("w1");
  if (!node) throw new Error("no node");
  node.spec = { ...node.spec, Role: "worker", ...spec };
  const nodeSpec = () => docker.nodes.get("w1")?.spec as { Availability: string; Role: string; Labels: Record<string, string> };
  return { docker, nodeSpec, availability: new DockerNodeAvailability({ docker }) };
}

describe("DockerNodeAvailability on a fake Engine", () => {
  it("drains an active node with swarmvol's labels, keeping the rest of its spec, in one versioned write", async () => {
    const t = setup();
    const version = t.docker.nodes.get("w1")?.version;
    await expect(t.availability.change("w1", (node) => planDrain(node, marker, 0))).resolves.toMatchObject({ kind: "write" });
    expect(t.nodeSpec()).toEqual({ Role: "worker", Availability: "drain", Labels: { "swarmvol.instance-id": "i-1", ...ours } });
    expect(t.docker.calls).toEqual(["inspectNode w1", `updateNode w1@${version}`]);
  });

  it("restores it: availability back, its labels gone, others kept", async () => {
    const t = setup({ Availability: "drain", Labels: { keep: "me", ...ours } });
    await t.availability.change("w1", planRestore);
    expect(t.nodeSpec()).toEqual({ Role: "worker", Availability: "active", Labels: { keep: "me" } });
  });

  it("writes nothing when the plan skips (an operator's drain), and says why", async () => {
    const t = setup({ Availability: "drain" });
    await expect(t.availability.change("w1", (node) => planDrain(node, marker, 0))).resolves.toEqual({ kind: "skip", reason: "operator-availability" });
    expect(t.docker.calls).toEqual(["inspectNode w1"]);
  });

  it("an operator's change between its read and its write wins: the write fails out of sequence, it reads and decides again", async () => {
    const t = setup();
    t.docker.beforeUpdate = (kind, id) => {
      t.docker.beforeUpdate = undefined;
      const node = t.docker.nodes.get(id);
      if (kind === "node" && node) node.spec = { ...node.spec, Availability: "pause" };
      t.docker.touchNode(id, {});
    };
    await expect(t.availability.change("w1", (node) => planDrain(node, marker, 0))).resolves.toEqual({ kind: "skip", reason: "operator-availability" });
    expect(t.nodeSpec()).toMatchObject({ Availability: "pause" });
    expect(t.nodeSpec().Labels["swarmvol.drained-by"]).toBeUndefined();
  });

  it("an availability it does not know is left alone (read as an operator's)", async () => {
    const t = setup({ Availability: "quarantine" });
    await expect(t.availability.change("w1", (node) => planDrain(node, marker, 0))).resolves.toEqual({ kind: "skip", reason: "operator-availability" });
  });

  it("gives up with CONFLICT after maxTries lost races; NOT_FOUND for an unknown node", async () => {
    const t = setup();
    t.docker.beforeUpdate = (_kind, id) => t.docker.touchNode(id, {});
    const lost = await new DockerNodeAvailability({ docker: t.docker, maxTries: 2 }).change("w1", (node) => planDrain(node, marker, 0)).catch((err: unknown) => err);
    expect(isSwarmvolError(lost, ErrorCode.Conflict)).toBe(true);
    expect(t.nodeSpec().Availability).toBe("active");
    const missing = await t.availability.change("nope", planRestore).catch((err: unknown) => err);
    expect(isSwarmvolError(missing, ErrorCode.NotFound)).toBe(true);
  });
});
