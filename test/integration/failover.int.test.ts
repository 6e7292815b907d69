/**
 * Volumes follow their tasks in a real 3-node lab (EBS backend on the EC2 emulator, real
 * loop devices): node kill, `service update --constraint-add`, drain, and a partition of
 * the holder while its container writes. One service writes a line per second stamped with
 * its container id; after every move all earlier lines are there and, after the
 * partition, no line from the old container follows the new container's first line.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUSYBOX_IMAGE, defaultLabDeps, dockerHost, down, drainLabNode, healLabNode, killLabNode, partitionLabNode, pollUntil, restartLabNode, systemClock, up,
  type LabState, type NodeState,
} from "../../lab/cluster/index.js";
import { shouldSkip } from "../support/requirements.js";
import { docker } from "../support/singleHost.js";

const skip = shouldSkip("failover in the lab", ["dockerd", "docker-registry", "iptables", "losetup", "busybox"]);
const writer = 'H=$(hostname); while true; do echo "$(date +%s) $H" >> /data/log; sync; sleep 1; done';

describe.skipIf(skip)("volumes follow their tasks in the lab", () => {
  const deps = defaultLabDeps();
  let dir = "";
  let state: LabState;
  const manager = () => dockerHost(state.nodes[0] as NodeState);
  const hostOf = (name: string) => dockerHost(state.nodes.find((node) => node.name === name) as NodeState);
  const ok = async (host: string, args: string[]) => {
    const result = await docker(host, args);
    expect(result.code, `docker ${args.join(" ")}: ${result.stderr}`).toBe(0);
    return result.stdout.trim();
  };

  /** The node running the service's task, once it runs (Swarm + swarmvol handoff). */
  async function runningOn(exclude?: string): Promise<string> {
    return pollUntil(systemClock, 120_000, "the service's task running on a node", async () => {
      const lines = (await ok(manager(), ["service", "ps", "s1", "--filter", "desired-state=running", "--format", "{{.Node}} {{.CurrentState}}"])).split("\n");
      const running = lines.map((line) => line.split(" ")).find(([node, current]) => current === "Running" && node !== exclude);
      return running?.[0] ?? null;
    }, 1000);
  }

  async function volumeLog(node: string): Promise<string[]> {
    const container = await ok(hostOf(node), ["ps", "-q", "--filter", "name=s1"]);
    return (await ok(hostOf(node), ["exec", container.split("\n")[0] as string, "cat", "/data/log"])).split("\n");
  }

  let history: string[] = [];
  async function expectDataFollowed(node: string): Promise<void> {
    const lines = await volumeLog(node);
    expect(lines.slice(0, history.length)).toEqual(history);
    expect(lines.length).toBeGreaterThan(history.length);
    history = lines;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-failover-"));
    state = (await up({ dir, nodes: 3, fastCloud: true }, deps)).state;
    await ok(manager(), ["volume", "create", "-d", "swarmvol", "-o", "size=1", "jenkins_home"]);
    await ok(manager(), [
      "service", "create", "-d", "--name", "s1", "--restart-delay", "0s", "--constraint", "node.role==worker",
      "--mount", "type=volume,source=jenkins_home,target=/data,volume-driver=swarmvol", BUSYBOX_IMAGE, "sh", "-c", writer,
    ]);
  });

  afterAll(async () => {
    if (dir === "") return;
    await down(dir, deps);
    await rm(dir, { recursive: true, force: true });
  });

  it("moves with its task when the node running it is killed", async () => {
    const first = await runningOn();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    history = await volumeLog(first);
    await killLabNode(dir, first, deps);
    const second = await runningOn(first);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await expectDataFollowed(second);
    await restartLabNode(dir, first, deps);
  });

  it("drains a killed holder in Swarm with swarmvol's label once it is fenced, and restores it when it is back (ADR 0022)", async () => {
    // The node the test before killed is back; swarmvol restores it once its agent is heard.
    await pollUntil(systemClock, 60_000, "every node active", async () => {
      const lines = (await ok(manager(), ["node", "ls", "--format", "{{.Availability}}"])).split("\n");
      return lines.every((line) => line === "Active") ? true : null;
    }, 500);
    const first = await runningOn();
    history = await volumeLog(first);
    const spec = async () => {
      const [availability, by = "", from = ""] = (await ok(manager(), [
        "node", "inspect", "--format", '{{.Spec.Availability}} {{index .Spec.Labels "swarmvol.drained-by"}} {{index .Spec.Labels "swarmvol.drained-from"}}', first,
      ])).split(" ");
      return { availability, by, from };
    };
    expect(await spec()).toEqual({ availability: "active", by: "", from: "" });
    await killLabNode(dir, first, deps);
    const drained = await pollUntil(systemClock, 60_000, `node ${first} drained by swarmvol`, async () => {
      const now = await spec();
      return now.availability === "drain" && now.by !== "" ? now : null;
    }, 250);
    expect(drained).toMatchObject({ from: "active", by: expect.stringMatching(/\/term-\d+$/) });
    const second = await runningOn(first);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await expectDataFollowed(second);
    await restartLabNode(dir, first, deps);
    const restored = await pollUntil(systemClock, 60_000, `node ${first} restored by swarmvol`, async () => {
      const now = await spec();
      return now.availability === "active" && now.by === "" ? now : null;
    }, 250);
    expect(restored).toEqual({ availability: "active", by: "", from: "" });
  });

  it("moves when `docker service update --constraint-add` sends the task elsewhere", async () => {
    const from = await runningOn();
    await ok(manager(), ["service", "update", "-d", "--constraint-add", `node.hostname!=${from}`, "s1"]);
    const to = await runningOn(from);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await expectDataFollowed(to);
    await ok(manager(), ["service", "update", "-d", "--constraint-rm", `node.hostname!=${from}`, "s1"]);
  });

  it("moves when the node running it is drained", async () => {
    const from = await runningOn();
    await drainLabNode(dir, from, deps);
    const to = await runningOn(from);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await expectDataFollowed(to);
    await ok(manager(), ["node", "update", "--availability", "active", from]);
  });

  it("fences a partitioned holder: no write from the old node lands after the move", async () => {
    const from = await runningOn();
    await partitionLabNode(dir, from, deps);
    const to = await runningOn(from);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await healLabNode(dir, from, deps);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const lines = await volumeLog(to);
    expect(lines.slice(0, history.length)).toEqual(history);
    const writers = lines.map((line) => line.split(" ")[1]);
    const newWriter = writers[writers.length - 1];
    const firstNew = writers.indexOf(newWriter);
    expect(writers.slice(firstNew).every((id) => id === newWriter)).toBe(true);
  });
});
