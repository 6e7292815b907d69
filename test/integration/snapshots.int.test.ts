/**
 * Snapshots for real (issue 11, Done-when 2 and 4): a lab of 3 nodes, the EC2 emulator
 * holding real bytes, the controller's scheduler on node-cron with the real clock. A
 * volume with a one-minute schedule and `snapshotRetain=1` gets its scheduled snapshot; a
 * volume restored from it reads the data written before it and not what came after; the
 * next slot's snapshot replaces it (retention); `docker volume rm` with the default
 * policy leaves a final snapshot, and a volume restored from that reads the last data.
 * Needs root, dockerd and the lab's programs; skips outside CI with a reason.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SnapshotClient } from "../../api/client/snapshotClient.js";
import type { SnapshotView } from "../../api/snapshotContract.js";
import { BUSYBOX_IMAGE, defaultLabDeps, dockerHost, down, up, type LabState, type NodeState } from "../../lab/cluster/index.js";
import { controllerUrl, swarmvolPaths } from "../../lab/cluster/swarmvolPlan.js";
import { shouldSkip } from "../support/requirements.js";
import { docker } from "../support/singleHost.js";

const skip = shouldSkip("snapshots in the lab", ["dockerd", "docker-registry", "iptables", "losetup", "busybox"]);

/** A one-minute schedule fires within a minute; allow for a slow tick and the capture. */
const slotWaitMs = 150_000;

describe.skipIf(skip)("scheduled, final and restored snapshots in a lab", () => {
  const deps = defaultLabDeps();
  let dir = "";
  let state: LabState;
  let client: SnapshotClient;
  let firstScheduled: SnapshotView;
  const node = (name: string) => state.nodes.find((n) => n.name === name) as NodeState;
  const run = async (name: string, args: string[]) => {
    const result = await docker(dockerHost(node(name)), args);
    expect(result.code, `docker ${args.join(" ")} on ${name}: ${result.stderr}`).toBe(0);
    return result.stdout.trim();
  };
  const write = (name: string, volume: string, text: string) =>
    run(name, ["run", "--rm", "--network", "none", "-v", `${volume}:/data`, BUSYBOX_IMAGE, "sh", "-c", `echo ${text} > /data/f && sync`]);
  const read = (name: string, volume: string) => run(name, ["run", "--rm", "--network", "none", "-v", `${volume}:/data`, BUSYBOX_IMAGE, "cat", "/data/f"]);
  const snapshotsOf = async (volume: string, reason: string) => (await client.listSnapshots(volume)).filter((s) => s.reason === reason);

  /** Polls until `find` returns a snapshot (real time: the schedule runs on the real clock). */
  async function waitFor(what: string, find: () => Promise<SnapshotView | undefined>): Promise<SnapshotView> {
    const until = Date.now() + slotWaitMs;
    for (;;) {
      const found = await find();
      if (found !== undefined) return found;
      if (Date.now() > until) throw new Error(`no ${what} within ${slotWaitMs} ms: ${JSON.stringify(await client.listSnapshots())}`);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-snapshots-"));
    state = (await up({ dir, nodes: 3, fastCloud: true }, deps)).state;
    const token = (await readFile(swarmvolPaths(dir).tokenFile, "utf8")).trim();
    client = new SnapshotClient({ baseUrl: controllerUrl(node("node1")), token });
    await run("node1", ["volume", "create", "-d", "swarmvol", "-o", "size=1", "-o", "snapshotSchedule=* * * * *", "-o", "snapshotRetain=1", "sched"]);
    await write("node2", "sched", "before-snapshot");
  });

  afterAll(async () => {
    if (dir === "") return;
    await down(dir, deps);
    await rm(dir, { recursive: true, force: true });
  });

  it("a one-minute schedule takes a snapshot, and a volume restored from it reads what was written before it", async () => {
    firstScheduled = await waitFor("scheduled snapshot", async () => (await snapshotsOf("sched", "schedule"))[0]);
    expect(firstScheduled).toMatchObject({ volume: "sched", reason: "schedule", schedule: "* * * * *" });
    await write("node2", "sched", "after-snapshot");
    await run("node1", ["volume", "create", "-d", "swarmvol", "-o", "size=1", "-o", `snapshot=${firstScheduled.id}`, "restored"]);
    expect(await read("node3", "restored")).toBe("before-snapshot");
  });

  it("retention 1: the next slot's snapshot replaces the first", async () => {
    const next = await waitFor("second scheduled snapshot", async () => (await snapshotsOf("sched", "schedule")).find((s) => s.id !== firstScheduled.id));
    const kept = await waitFor("retention", async () => {
      const scheduled = await snapshotsOf("sched", "schedule");
      return scheduled.length === 1 ? scheduled[0] : undefined;
    });
    expect(kept.id).toBe(next.id);
    expect(String(next.slot) > String(firstScheduled.slot)).toBe(true);
  });

  it("docker volume rm with the default policy leaves a final snapshot that restores the last data", async () => {
    await run("node1", ["volume", "rm", "sched"]);
    const final = await waitFor("final snapshot", async () => (await snapshotsOf("sched", "final"))[0]);
    await run("node1", ["volume", "create", "-d", "swarmvol", "-o", "size=1", "-o", `snapshot=${final.id}`, "fromfinal"]);
    expect(await read("node2", "fromfinal")).toBe("after-snapshot");
  });
});
