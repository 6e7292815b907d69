/**
 * The named crash points with fakes (the lab's crash-points drill does it with real
 * processes): every step is reached, in order, by the flow the drill uses to reach it, and
 * a crash at each agent step (a throw standing in for SIGKILL) followed by a fresh agent
 * over the same kernel, mount table and catalog converges: the next Mount works, nothing
 * is formatted twice, no device is checked while mounted, and once the last user is gone
 * nothing stays mounted (with the mount review asking a fake Docker which containers hold
 * the volume: a Mount whose answer died with the agent is held by none).
 */
import { describe, expect, it } from "vitest";
import { forgetStaleMounts } from "../../cli/allInOne.js";
import { AGENT_CRASH_STEPS, CONTROLLER_CRASH_STEPS, type CrashStep } from "../../core/crashPoints.js";
import { silentLogger, type CrashPoints } from "../../core/ports.js";
import type { SwarmNode, SwarmTask } from "../../core/swarm.js";
import { ClaimBook } from "../../controller/claims.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { Reconciler } from "../../controller/reconcile/reconciler.js";
import { ClusterAttacher } from "../../plugin/cluster/clusterAttacher.js";
import { VolumeDriver } from "../../plugin/driver.js";
import { LocalDirectory } from "../../plugin/localDirectory.js";
import { MountReview } from "../../plugin/mountReview.js";
import { SteppedClock } from "../fakes/steppedClock.js";
import { FakeClock } from "../fakes/clock.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { FakeNode } from "../fakes/fakeDevices.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog, MemoryMountTable } from "../fakes/memoryState.js";
import { RecordingMetrics } from "../fakes/recordingMetrics.js";
import { CrashedAt, RecordingCrashPoints } from "../fakes/recordingCrashPoints.js";

/** What survives an agent's kill -9: the kernel (devices, mounts), the mount table file, the catalog. */
class AgentWorld {
  readonly node = new FakeNode();
  readonly catalog = new MemoryCatalog();
  readonly mounts = new MemoryMountTable();
  private uid = 0;
  readonly directory = new LocalDirectory({ catalog: this.catalog, backend: this.node.backend, clock: new FakeClock(), logger: silentLogger, newUid: () => `uid-${++this.uid}` });
  /** Docker: the containers that hold a mount of the volume now. */
  readonly holding = new Set<string>();
  readonly clock = new SteppedClock();

  /** One agent process: what `swarmvol agent` does at start, then the driver. */
  async agent(crashPoints: CrashPoints): Promise<VolumeDriver> {
    await forgetStaleMounts(this.mounts, this.node.filesystem, silentLogger);
    const holders = { holders: async (volumes: readonly string[]) => new Map(volumes.map((v) => [v, this.holding.size])) };
    const review = new MountReview({ holders, clock: this.clock, logger: silentLogger });
    const driver = new VolumeDriver({
      directory: this.directory, attacher: this.directory, mounts: this.mounts, filesystem: this.node.filesystem,
      logger: silentLogger, mountsDir: "/mnt/sv", crashPoints, staleMounts: review,
    });
    // `swarmvol agent` passes the folders under its mounts dir; a fake kernel has a folder per mount.
    await driver.unmountOrphans([...this.node.mounted.keys()].filter((path) => path.startsWith("/mnt/sv/")).map((path) => path.slice("/mnt/sv/".length)));
    await driver.endLingers();
    review.start(driver);
    return driver;
  }

  /** Actions that broke an invariant: a second mkfs of one device, fsck or mount of a device already mounted. */
  violations(): string[] {
    const mounted = new Map<string, string>();
    const made = new Set<string>();
    const found: string[] = [];
    for (const action of this.node.actions) {
      const [verb, a, b] = action.split(" ") as [string, string, string | undefined];
      if (verb === "mkfs") {
        const device = b as string;
        if (made.has(device)) found.push(`second mkfs of ${device}`);
        made.add(device);
      } else if (verb === "fsck" && [...mounted.values()].includes(a)) {
        found.push(`fsck of mounted ${a}`);
      } else if (verb === "mount") {
        if ([...mounted.values()].includes(a)) found.push(`second mount of ${a}`);
        mounted.set(b as string, a);
      } else if (verb === "unmount") {
        mounted.delete(a);
      }
    }
    return found;
  }
}

/** The drill's agent flows: a fresh volume's first Mount, a formatted volume's Mount, the last Unmount. */
async function flowFor(step: CrashStep, world: AgentWorld, driver: () => Promise<VolumeDriver>): Promise<void> {
  await world.directory.create("vol", null);
  if (step !== "agent.mount.formatted") {
    const before = await world.agent(new RecordingCrashPoints());
    await before.mount("vol", "warm-up");
    await before.unmount("vol", "warm-up");
  }
  const armed = await driver();
  await armed.mount("vol", "first");
  await armed.unmount("vol", "first");
}

const driverSteps = AGENT_CRASH_STEPS.filter((step) => step !== "agent.mount.granted");

describe("agent crash points (fakes)", () => {
  it("a fresh volume's Mount and Unmount reach the steps in order, mkfs instead of fsck", async () => {
    const world = new AgentWorld();
    const crash = new RecordingCrashPoints();
    await flowFor("agent.mount.formatted", world, () => world.agent(crash));
    expect(crash.steps).toEqual([
      "agent.mount.attached", "agent.mount.formatted", "agent.mount.mounted", "agent.mount.beforeRecord", "agent.mount.recorded",
      "agent.unmount.unmounted", "agent.unmount.released",
    ]);
  });

  it("a formatted volume's Mount is checked, not formatted", async () => {
    const world = new AgentWorld();
    const crash = new RecordingCrashPoints();
    await flowFor("agent.mount.checked", world, () => world.agent(crash));
    expect(crash.steps.slice(0, 3)).toEqual(["agent.mount.attached", "agent.mount.checked", "agent.mount.mounted"]);
  });

  it("the claim's grant is reached before the device is looked for", async () => {
    const order: string[] = [];
    const attacher = new ClusterAttacher({
      api: {
        claim: async () => ({ state: "granted", volumeId: "vol-1", device: "/dev/xvdf", epoch: 1 }),
        release: async () => undefined, wanted: async () => false,
      },
      locator: { locate: async () => (order.push("locate"), "/dev/nvme1n1") },
      clock: new FakeClock(), logger: silentLogger, nodeId: async () => "n1", crashPoints: { reached: (step) => order.push(step) },
    });
    const world = new AgentWorld();
    await attacher.attach(await world.directory.create("vol", null));
    expect(order).toEqual(["agent.mount.granted", "locate"]);
  });

  it("a Mount answer lost with the agent, the volume never used here again: unmounted and released soon after the agent's start", async () => {
    const world = new AgentWorld();
    const crashed = await flowFor("agent.mount.recorded", world, () => world.agent(new RecordingCrashPoints("agent.mount.recorded"))).then(() => null, (err: unknown) => err);
    expect(crashed).toBeInstanceOf(CrashedAt);
    await world.agent(new RecordingCrashPoints());
    expect(world.node.mounted.size).toBe(1);
    await world.clock.advance(4_000);
    expect(world.node.mounted.size).toBe(1);
    await world.clock.advance(4_000);
    expect(world.node.mounted.size).toBe(0);
    expect(world.mounts.list()).toEqual([]);
  });

  for (const step of ["agent.mount.mounted", "agent.mount.beforeRecord"] as const) {
    it(`a crash at ${step} leaves a mount no table knows: the next agent start unmounts it (it would keep the device busy, and the volume could not move)`, async () => {
      const world = new AgentWorld();
      await flowFor(step, world, () => world.agent(new RecordingCrashPoints(step))).catch(() => undefined);
      expect(world.node.mounted.size).toBe(1);
      expect(world.mounts.list()).toEqual([]);
      await world.agent(new RecordingCrashPoints());
      expect(world.node.mounted.size).toBe(0);
    });
  }

  for (const step of driverSteps) {
    it(`a crash at ${step}, then a fresh agent: the next Mount works and nothing stays mounted after the last Unmount`, async () => {
      const world = new AgentWorld();
      const crashed = await flowFor(step, world, () => world.agent(new RecordingCrashPoints(step))).then(() => null, (err: unknown) => err);
      expect(crashed).toBeInstanceOf(CrashedAt);
      // Docker's Mount failed (its resend after the broken connection has no body): it retries with a new ID.
      const next = await world.agent(new RecordingCrashPoints());
      world.holding.add("second");
      expect(await next.mount("vol", "second")).toBe("/mnt/sv/vol/data");
      expect(world.node.mounted.size).toBe(1);
      world.holding.delete("second");
      await next.unmount("vol", "second");
      await world.clock.advance(10_000);
      expect([...world.node.mounted.keys()]).toEqual([]);
      expect(world.mounts.list()).toEqual([]);
      expect(world.catalog.get("vol")?.status.fresh).toBe(false);
      expect(world.violations()).toEqual([]);
    });
  }
});

const swarmNode = (id: string): SwarmNode => ({ id, version: 1, hostname: id, role: "worker", availability: "active", state: "ready", address: "", labels: {}, volumePlugins: [] });
const task = (nodeId: string): SwarmTask => ({
  id: `t-${nodeId}`, version: 1, serviceId: "s", serviceName: "db", slot: 1, nodeId, desiredState: "running", state: "running",
  volumes: [{ source: "db", target: "/d", readOnly: false, options: {}, driver: "swarmvol" }], updatedAt: "2026-11-22T10:00:00.000Z",
});

describe("controller crash points (fakes)", () => {
  it("a move from a released node reaches the reconciler's steps in order (the EC2 request steps are the client's)", async () => {
    const clock = new FakeClock();
    const catalog = new MemoryCatalog();
    catalog.records.set("db", {
      uid: "u-db", createdAt: "2026-11-22T09:00:00.000Z", spec: { name: "db", backend: "ebs", sizeBytes: 1, fsType: "ext4", options: {} },
      status: { phase: "ready", fresh: false, epoch: 0 },
    });
    const registry = new NodeRegistry(clock, 10_000);
    for (const id of ["n1", "n2"]) registry.heartbeat(id, { hostname: id, instanceId: `i-${id}`, zone: "z1", mounts: [] });
    let tasks = [task("n1")];
    const crash = new RecordingCrashPoints();
    const reconciler = new Reconciler({
      catalog, cloud: new FakeCloud(), journal: new MemoryJournal(), registry, claims: new ClaimBook(clock, 5_000),
      view: { node: swarmNode, tasksForVolume: () => tasks }, clock, metrics: new RecordingMetrics(), policy: { fenceGraceMs: 5_000, pollMs: 1_000 }, crashPoints: crash,
    });
    for (let round = 0; round < 3; round += 1) await reconciler.reconcile("db", silentLogger);
    crash.steps.length = 0;
    tasks = [task("n2")];
    for (let round = 0; round < 3; round += 1) await reconciler.reconcile("db", silentLogger);
    expect(catalog.get("db")?.status.grantedTo?.nodeId).toBe("n2");
    const requestSteps: readonly CrashStep[] = ["controller.detach.requested", "controller.attach.requested"];
    expect(crash.steps).toEqual(CONTROLLER_CRASH_STEPS.filter((step) => !requestSteps.includes(step)));
  });
});
