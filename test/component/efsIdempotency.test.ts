/**
 * Issue 12, Done when 3: a create of an EFS volume interrupted at any step and retried (by
 * the same process, a restarted one or a new leader) leaves one file system, one access
 * point and one mount target per zone. EfsCloud runs against the emulator over HTTP with
 * AWS-like latencies on virtual time; the interruptions are fault points after every step
 * (a crash: the next process starts from nothing but the cloud), lost answers of every
 * create (applied, then dropped or a 500), and two leaders racing.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { FileShareStep, FileShareSteps, FileSystemOwner } from "../../core/fileShares.js";
import { labSubnetId } from "../../lab/cloud/efs/subnets.js";
import { startTestEfs, type TestEfs } from "../../lab/cloud/efs/testing.js";
import { SteppingClock } from "../../lab/cloud/testing.js";
import { EfsCloud, type EfsCloudOptions } from "../../storage/efs/efsCloud.js";

const STEPS: readonly FileShareStep[] = [
  "efs.fileSystem.requested", "efs.fileSystem.available", "efs.accessPoint.requested",
  "efs.accessPoint.available", "efs.mountTarget.requested", "efs.mountTarget.available",
];
const SUBNETS = [
  { subnetId: labSubnetId("us-east-1a"), zone: "us-east-1a" },
  { subnetId: labSubnetId("us-east-1b"), zone: "us-east-1b" },
];
const latencies = { fileSystemCreate: 3000, accessPointCreate: 1000, mountTargetCreate: 60_000 };

class Crashed extends Error {}

/** Throws the first time `at` is reached: an in-process kill -9 right after that step. */
class CrashAt implements FileShareSteps {
  fired = false;
  constructor(private readonly at: FileShareStep) {}
  reached(step: FileShareStep): void {
    if (step !== this.at || this.fired) return;
    this.fired = true;
    throw new Crashed(`crashed after ${step}`);
  }
}

let t: TestEfs | undefined;
afterEach(async () => t?.close());

/** The whole create of one volume: its file system, its access point, a mount target in each node's subnet. */
async function provision(shares: EfsCloud, owner: FileSystemOwner): Promise<string[]> {
  const fs = await shares.ensureFileSystem({ owner, performanceMode: "generalPurpose", throughputMode: "elastic", encrypted: true });
  const ap = await shares.ensureAccessPoint({ fileSystemId: fs.id, uid: "u1", name: "jenkins_home", owner: { uid: 1000, gid: 1000, mode: "0755" } });
  const mts = [];
  for (const subnet of SUBNETS) mts.push((await shares.ensureMountTarget(fs.id, subnet)).id);
  return [fs.id, ap.id, ...mts];
}

const cloudFor = (test: TestEfs, options: EfsCloudOptions = {}) =>
  new EfsCloud(test.efs, new SteppingClock(test.clock), { random: () => 0.5, ...options });

/** What the cloud holds: exactly one of each, one mount target per zone, all available. */
function expectOneOfEach(test: TestEfs, ids: string[]): void {
  const efs = test.cloud.engine.state.efs;
  const fileSystems = Object.values(efs.fileSystems);
  const accessPoints = Object.values(efs.accessPoints);
  const mountTargets = Object.values(efs.mountTargets);
  expect(fileSystems.map((f) => [f.fileSystemId, f.state])).toEqual([[ids[0], "available"]]);
  expect(accessPoints.map((a) => [a.accessPointId, a.state])).toEqual([[ids[1], "available"]]);
  expect(mountTargets.map((m) => m.zone).sort()).toEqual(["us-east-1a", "us-east-1b"]);
  expect(mountTargets.every((m) => m.state === "available" && m.fileSystemId === ids[0])).toBe(true);
  expect(new Set(mountTargets.map((m) => m.mountTargetId))).toEqual(new Set(ids.slice(2)));
}

const dedicated: FileSystemOwner = { kind: "dedicated", uid: "u1", name: "jenkins_home" };
const pool: FileSystemOwner = { kind: "pool", pool: "default" };

describe("an EFS volume's create, interrupted and retried", () => {
  it.each(STEPS.flatMap((step) => [[step, dedicated], [step, pool]] as const))("crashed right after %s (%o), a new process converges", async (step, owner) => {
    t = await startTestEfs({ faults: { latencyMs: latencies } });
    const crash = new CrashAt(step);
    await expect(provision(cloudFor(t, { steps: crash }), owner)).rejects.toBeInstanceOf(Crashed);
    expect(crash.fired).toBe(true);
    const ids = await provision(cloudFor(t), owner);
    expectOneOfEach(t, ids);
  });

  it.each(["CreateFileSystem", "CreateAccessPoint", "CreateMountTarget"].flatMap((action) => [[action, "drop"], [action, "error"]] as const))(
    "the answer of %s lost (%s) after it was applied: the request's own retry converges",
    async (action, mode) => {
      t = await startTestEfs({ faults: { latencyMs: latencies, lostResponseNext: 1, lostResponseMode: mode, actions: [action] } });
      const shares = cloudFor(t);
      const ids = await provision(shares, dedicated);
      expect(shares.calls.byAction()[action]).toBeGreaterThanOrEqual(2);
      expectOneOfEach(t, ids);
    },
  );

  it.each(["CreateFileSystem", "CreateAccessPoint", "CreateMountTarget"])("the answer of %s lost and the process gave up: the next one converges", async (action) => {
    t = await startTestEfs({ faults: { latencyMs: latencies, lostResponseNext: 1, lostResponseMode: "error", actions: [action] } });
    await expect(provision(cloudFor(t, { retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 } }), dedicated)).rejects.toMatchObject({ code: "UNAVAILABLE" });
    const ids = await provision(cloudFor(t), dedicated);
    expectOneOfEach(t, ids);
  });

  it("two leaders creating the same volume at once make one of each", async () => {
    t = await startTestEfs({ faults: { latencyMs: latencies } });
    const [a, b] = await Promise.all([provision(cloudFor(t), dedicated), provision(cloudFor(t), dedicated)]);
    expect(a).toEqual(b);
    expectOneOfEach(t, a);
  });

  it("throttling and server errors on every call still leave one of each", async () => {
    t = await startTestEfs({ faults: { latencyMs: latencies, throttleRate: 0.3, serverErrorRate: 0.1 } });
    const ids = await provision(cloudFor(t, { retry: { retries: 12, baseDelayMs: 100, maxDelayMs: 1000 } }), pool);
    expectOneOfEach(t, ids);
  });
});
