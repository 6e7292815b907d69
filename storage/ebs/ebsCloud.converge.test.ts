/**
 * Convergence under faults, and the EC2 call budget of each operation. The emulator runs on
 * a ManualClock that EbsCloud's sleeps move forward, so AWS-like latencies (create 1.5 s,
 * attach and detach 2 s) and a 90 s stuck attach cost no wall time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { cloudTags } from "../../core/cloud.js";
import { isSwarmvolError } from "../../core/errors.js";
import { silentLogger, type Clock } from "../../core/ports.js";
import { ManualClock } from "../../lab/cloud/clock.js";
import { findOverlaps, instantLatencies, startCloud, type FaultsPatch } from "../../lab/cloud/index.js";
import { labInstances, RecordingDeviceHost, startTestCloud, SteppingClock, type TestCloud } from "../../lab/cloud/testing.js";
import { createEc2Client } from "./client.js";
import { EbsCloud, type EbsCloudOptions } from "./ebsCloud.js";

const [A, B] = labInstances.map((i) => i.instanceId!) as [string, string];
const awsLikeLatencies = { create: 1500, attach: 2000, detach: 2000, delete: 500, snapshot: 1000 };

let t: TestCloud | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function setup(faults: FaultsPatch, options: EbsCloudOptions = {}) {
  t = await startTestCloud({ faults });
  const clock = new SteppingClock(t.clock);
  return { t, clock, cloud: new EbsCloud(t.ec2, clock, silentLogger, { random: () => 0.5, ...options }) };
}

/** What the controller does: repeat an operation while it fails with a retryable error. */
async function converge<T>(clock: Clock, op: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (!isSwarmvolError(err) || !err.retryable || attempt >= 20) throw err;
      await clock.sleep(1000 * attempt);
    }
  }
}

const GiB = 1024 ** 3;

/** An emulator with a chosen seed (the fault draws), and EbsCloud over the cli/ client factory. */
async function seeded(seed: number, faults: FaultsPatch) {
  const manual = new ManualClock();
  const emulator = await startCloud({ instances: labInstances, devices: new RecordingDeviceHost(), clock: manual, seed, faults });
  const ec2 = createEc2Client({ endpoint: emulator.endpoint, region: "us-east-1" });
  const clock = new SteppingClock(manual);
  const closing = { close: async () => { ec2.destroy(); await emulator.close(); } };
  return { emulator, clock, closing, cloud: new EbsCloud(ec2, clock, silentLogger) };
}

/** Creates one volume per uid, attaches it to A, detaches it and attaches it to B, each step until it converges; checks all end on B once. */
async function moveEachToB(setup: Awaited<ReturnType<typeof seeded>>, uids: readonly string[]): Promise<void> {
  const { emulator, clock, cloud } = setup;
  await Promise.all(uids.map(async (uid) => {
    const volume = await converge(clock, () => cloud.create({ uid, name: `n-${uid}`, sizeBytes: GiB, zone: "us-east-1a", options: {} }));
    await converge(clock, () => cloud.attach(volume.id, A));
    await converge(clock, () => cloud.detach(volume.id, A, { force: false }));
    await converge(clock, () => cloud.attach(volume.id, B));
  }));
  const volumes = Object.values(emulator.engine.state.volumes);
  expect(volumes.map((v) => v.tags[cloudTags.uid]).sort()).toEqual([...uids].sort());
  for (const v of volumes) expect(v.attachment).toMatchObject({ instanceId: B, status: "attached" });
  expect(findOverlaps(emulator.events())).toEqual([]);
}

describe("convergence with faults (20 % throttling, 10 % 5xx, one stuck attach)", () => {
  let running: { close(): Promise<void> } | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it.each([1, 2, 3, 42])("seed %d: create + attach + detach + attach elsewhere, no duplicate volume, no leaked attachment, no overlap", async (seed) => {
    const setup = await seeded(seed, { throttleRate: 0.2, serverErrorRate: 0.1, stickNextAttach: 1, latencyMs: awsLikeLatencies });
    const { emulator, cloud } = setup;
    running = setup.closing;
    await moveEachToB(setup, ["c1", "c2", "c3", "c4"]);
    const events = emulator.events();
    expect(events.some((e) => e.detail === "stuck")).toBe(true);
    const heldOnA = events.filter((e) => e.instanceId === A && e.type === "attach-requested").length;
    const releasedOnA = events.filter((e) => e.instanceId === A && (e.type === "detached" || e.type === "force-detached")).length;
    expect(releasedOnA).toBe(heldOnA);
    console.info(`[ebs] convergence under faults, seed ${seed}: ${cloud.calls.total} EC2 requests for 4 volumes ${JSON.stringify(cloud.calls.byAction())}`);
  });
});

describe("convergence with the drill's cloud profile (+ lost responses, one stuck detach)", () => {
  let running: { close(): Promise<void> } | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  // describeLatencyMs is left out: it sleeps on the emulator's clock, which only moves when EbsCloud sleeps.
  const profile: FaultsPatch = {
    throttleRate: 0.2, serverErrorRate: 0.1, stickNextAttach: 1, stickNextDetach: 1, lostResponseRate: 0.1, latencyMs: awsLikeLatencies,
  };

  it.each([1, 2, 3, 42])("seed %d: every volume ends attached to B once, nothing leaked, no overlap", async (seed) => {
    const setup = await seeded(seed, profile);
    running = setup.closing;
    await moveEachToB(setup, ["p1", "p2", "p3", "p4"]);
    expect(setup.emulator.engine.faults).toMatchObject({ stickNextAttach: 0, stickNextDetach: 0 });
  });
});

/** EC2 requests one operation costs, measured through the counter. */
async function measure(op: () => Promise<unknown>, cloud: EbsCloud): Promise<number> {
  const before = cloud.calls.total;
  await op();
  return cloud.calls.total - before;
}

describe.each([
  ["instant latencies", instantLatencies, {}, { create: 2, attach: 2, move: 4, learnedMove: 4 }],
  // The first waits back off from 200 ms; once a transition time is learned its first probe lands at it.
  ["AWS-like latencies", awsLikeLatencies, {}, { create: 5, attach: 5, move: 7, learnedMove: 6 }],
])("EC2 calls per operation, %s", (label, latencyMs, options: EbsCloudOptions, budget) => {
  it("create, attach, move and resync stay within budget", async () => {
    const { cloud } = await setup({ latencyMs }, options);
    const create = await measure(() => cloud.create({ uid: "m1", name: "m1", sizeBytes: GiB, zone: "us-east-1a", options: {} }), cloud);
    const [volume] = await cloud.describe();
    const attach = await measure(() => cloud.attach(volume!.id, A), cloud);
    const move = await measure(async () => {
      await cloud.detach(volume!.id, A, { force: false });
      await cloud.attach(volume!.id, B);
    }, cloud);
    const learnedMove = await measure(async () => {
      await cloud.detach(volume!.id, B, { force: false });
      await cloud.attach(volume!.id, A);
    }, cloud);
    for (let i = 0; i < 30; i++) await cloud.create({ uid: `r${i}`, name: `r${i}`, sizeBytes: GiB, zone: "us-east-1b", options: {} });
    const resync = await measure(() => cloud.describe(), cloud);
    console.info(`[ebs] EC2 calls (${label}): create ${create}, attach ${attach}, move ${move}, learned move ${learnedMove}, resync of 31 volumes ${resync}`);
    expect({ create, attach, move, learnedMove, resync }).toEqual({ ...budget, resync: 1 });
  });
});
