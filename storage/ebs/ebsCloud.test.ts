/**
 * EbsCloud against the EC2 emulator through the real SDK. The emulator runs on a
 * ManualClock; EbsCloud gets a clock whose sleep moves that ManualClock forward, so a
 * 90 s stuck attach or AWS-like 2 s latencies cost no wall time.
 */
import { AttachVolumeCommand, CreateVolumeCommand } from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";
import type { CreateCloudVolume } from "../../core/cloud.js";
import { isSwarmvolError } from "../../core/errors.js";
import { nodeSubnetOf } from "../../core/fileShares.js";
import { silentLogger } from "../../core/ports.js";
import type { FaultsPatch } from "../../lab/cloud/index.js";
import { labSubnetId } from "../../lab/cloud/efs/subnets.js";
import { labInstances, startTestCloud, SteppingClock, type TestCloud } from "../../lab/cloud/testing.js";
import { createToken, EbsCloud, type EbsCloudOptions } from "./ebsCloud.js";
import { failure } from "../../test/support/failure.js";

const [A, B, C] = labInstances.map((i) => i.instanceId!) as [string, string, string];

let t: TestCloud | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function setup(faults: FaultsPatch = {}, options: EbsCloudOptions = {}) {
  t = await startTestCloud({ faults });
  const cloud = new EbsCloud(t.ec2, new SteppingClock(t.clock), silentLogger, { random: () => 0.5, ...options });
  return { t, cloud };
}

const request = (uid: string, extra: Partial<CreateCloudVolume> = {}): CreateCloudVolume =>
  ({ uid, name: `vol-${uid}`, sizeBytes: 1024 ** 3, zone: "us-east-1a", options: {}, ...extra });

/**
 * The SDK client with its calls in flight counted, so a test can move emulated time only
 * once every request it released has been answered: on a loaded machine a fixed pause let
 * emulated time run ahead of requests still on the wire, and the waits drifted apart.
 */
function countingClient(client: TestCloud["ec2"]): { client: TestCloud["ec2"]; idle(): Promise<void> } {
  let inFlight = 0;
  const counted = new Proxy(client, {
    get(target, key, receiver) {
      if (key !== "send") return Reflect.get(target, key, receiver) as unknown;
      return async (...args: Parameters<TestCloud["ec2"]["send"]>) => {
        inFlight += 1;
        try {
          return await (target.send as (...a: typeof args) => Promise<unknown>)(...args);
        } finally {
          inFlight -= 1;
        }
      };
    },
  });
  const idle = async () => {
    // Two quiet turns in a row: a woken wait issues its request a few microtasks after the clock moved.
    for (let quiet = 0; quiet < 2;) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      quiet = inFlight === 0 ? quiet + 1 : 0;
    }
  };
  return { client: counted, idle };
}

describe("create", () => {
  it("creates a tagged gp3 volume in the caller's zone and returns it available", async () => {
    const { t, cloud } = await setup();
    const v = await cloud.create(request("u1", { sizeBytes: 1.5 * 1024 ** 3 }));
    expect(v).toMatchObject({ zone: "us-east-1a", sizeBytes: 2 * 1024 ** 3, state: "available", attachments: [] });
    expect(v.tags).toEqual({ "swarmvol/name": "vol-u1", "swarmvol/uid": "u1", "swarmvol/epoch": "0" });
    expect(t.cloud.engine.state.volumes[v.id]).toMatchObject({ volumeType: "gp3", size: 2, encrypted: false });
  });

  it("passes the EBS options and lets -o zone win", async () => {
    const { t, cloud } = await setup();
    const options = { type: "io2", size: "10", iops: "2000", zone: "us-east-1b", kmsKeyId: "alias/k" };
    const v = await cloud.create(request("u2", { sizeBytes: 10 * 1024 ** 3, options }));
    expect(v.zone).toBe("us-east-1b");
    expect(t.cloud.engine.state.volumes[v.id]).toMatchObject({ volumeType: "io2", size: 10, iops: 2000, encrypted: true, kmsKeyId: "alias/k" });
  });

  it("is idempotent by uid: the same uid twice gives one volume (ClientToken)", async () => {
    const { t, cloud } = await setup();
    const first = await cloud.create(request("same"));
    const second = await cloud.create(request("same"));
    expect(second.id).toBe(first.id);
    expect(Object.keys(t.cloud.engine.state.volumes)).toEqual([first.id]);
    expect(createToken("same")).toMatch(/^[0-9a-f]{64}$/);
    expect(createToken("same")).not.toBe(createToken("other"));
  });

  it("retries a throttled CreateVolume without making two volumes", async () => {
    const { t, cloud } = await setup({ throttleNext: 2, serverErrorNext: 1, actions: ["CreateVolume"] });
    const v = await cloud.create(request("u3"));
    expect(Object.keys(t.cloud.engine.state.volumes)).toEqual([v.id]);
    expect(cloud.calls.byAction()).toMatchObject({ CreateVolume: 4 });
  });

  it("waits out eventual consistency after CreateVolume", async () => {
    const { cloud } = await setup({ describeDelayMs: 3000, latencyMs: { create: 1500 } });
    expect((await cloud.create(request("u4"))).state).toBe("available");
  });

  it("probes concurrent waits together: 12 creates started 7 ms apart share their DescribeVolumes", async () => {
    // EbsCloud sleeps on the emulator's own ManualClock, which the test moves 10 ms at a
    // time: waits that wake at the same emulated moment run in the same turn, as on a real clock.
    t = await startTestCloud({ faults: { latencyMs: { create: 1500 } } });
    const clock = t.clock;
    const ec2 = countingClient(t.ec2);
    const cloud = new EbsCloud(ec2.client, clock, silentLogger, { random: () => 0.5 });
    const creates: Array<Promise<unknown>> = [];
    const step = async (ms: number) => {
      await ec2.idle();
      clock.advance(ms);
    };
    for (let index = 0; index < 12; index += 1) {
      creates.push(cloud.create(request(`burst${index}`)));
      await step(7);
    }
    let settled = false;
    const all = Promise.all(creates).finally(() => (settled = true));
    while (!settled) await step(10);
    expect((await all).length).toBe(12);
    const calls = cloud.calls.byAction();
    expect(calls.CreateVolume).toBe(12);
    // Alone, each wait probes 4 times before 1.5 s (200, 600, 1400, 2400 ms): 48 calls.
    expect(calls.DescribeVolumes).toBeLessThanOrEqual(12);
  });

  it("rejects invalid options before calling EC2", async () => {
    const { cloud } = await setup();
    expect(isSwarmvolError(await failure(cloud.create(request("u5", { options: { type: "gp2", iops: "3000" } }))), "INVALID_ARGUMENT")).toBe(true);
    expect(cloud.calls.total).toBe(0);
  });
});

describe("attach and detach", () => {
  it("attaches with the first device name, then detaches to available", async () => {
    const { t, cloud } = await setup();
    const v = await cloud.create(request("a1"));
    expect(await cloud.attach(v.id, A)).toEqual({ instanceId: A, device: "/dev/xvdba", state: "attached" });
    expect((await cloud.describe([v.id]))[0]).toMatchObject({ state: "in-use", attachments: [{ instanceId: A, state: "attached" }] });
    await cloud.detach(v.id, A, { force: false });
    expect((await cloud.describe([v.id]))[0]).toMatchObject({ state: "available", attachments: [] });
    expect(t.cloud.events().map((e) => e.type)).toEqual(["volume-created", "attach-requested", "attached", "detach-requested", "detached"]);
  });

  it("never reuses a just-released device name", async () => {
    const { cloud } = await setup();
    const v = await cloud.create(request("a2"));
    await cloud.attach(v.id, A);
    await cloud.detach(v.id, A, { force: false });
    expect((await cloud.attach(v.id, A)).device).toBe("/dev/xvdbb");
  });

  it("adopts its own attachment on a repeated attach, refuses another instance naming the holder", async () => {
    const { t, cloud } = await setup();
    const v = await cloud.create(request("a3"));
    await cloud.attach(v.id, A);
    expect(await cloud.attach(v.id, A)).toEqual({ instanceId: A, device: "/dev/xvdba", state: "attached" });
    const err = await failure(cloud.attach(v.id, B));
    expect(isSwarmvolError(err, "IN_USE") && err.details.holder).toBe(A);
    expect(t.cloud.events().filter((e) => e.type === "attach-requested")).toHaveLength(1);
  });

  it("treats detaching a detached or deleted volume as done", async () => {
    const { cloud } = await setup();
    const v = await cloud.create(request("a4"));
    await cloud.detach(v.id, A, { force: false });
    await cloud.delete(v.id);
    await cloud.detach(v.id, A, { force: false });
    await cloud.detach("vol-0123456789abcdef0", A, { force: true });
  });

  it("waits for a busy detach, times out naming the cause, and force-detaches", async () => {
    const { t, cloud } = await setup({}, { detachTimeoutMs: 10_000 });
    const v = await cloud.create(request("a5"));
    await cloud.attach(v.id, A);
    t.host.busy.add(v.id);
    const err = await failure(cloud.detach(v.id, A, { force: false }));
    expect(isSwarmvolError(err, "TIMEOUT") && err.details.state).toBe("busy");
    expect((err as Error).message).toMatch(/still in use on the instance/);
    await cloud.detach(v.id, A, { force: true });
    expect(t.cloud.events().at(-1)).toMatchObject({ type: "force-detached", volumeId: v.id, instanceId: A });
  });

  it("forces an unforced detach stuck `detaching` after stuckDetachMs (default: stuckAttachMs)", async () => {
    const { t, cloud } = await setup({ stickNextDetach: 1 }, { stuckAttachMs: 5_000 });
    const v = await cloud.create(request("sd1"));
    await cloud.attach(v.id, A);
    const started = t.clock.now();
    await cloud.detach(v.id, A, { force: false });
    expect(t.clock.now() - started).toBeGreaterThanOrEqual(5_000);
    const detaches = t.cloud.events().filter((e) => e.volumeId === v.id && e.type !== "volume-created" && !e.type.startsWith("attach"));
    expect(detaches.map((e) => `${e.type}:${e.detail ?? ""}`)).toEqual(["detach-requested:stuck", "detach-requested:force", "force-detached:"]);
    expect((await cloud.attach(v.id, B)).state).toBe("attached");
  });

  it("aborts a stuck attach with a forced detach at once: nothing can have mounted an attach that never completed", async () => {
    const { t, cloud } = await setup({ stickNextAttach: 1, stickNextDetach: 1 }, { stuckAttachMs: 5_000 });
    const v = await cloud.create(request("sa1"));
    const started = t.clock.now();
    const err = await failure(cloud.attach(v.id, A));
    expect(isSwarmvolError(err, "TIMEOUT")).toBe(true);
    expect(t.clock.now() - started).toBeLessThan(10_000);
    const detaches = t.cloud.events().filter((e) => e.volumeId === v.id && e.type.startsWith("detach-requested"));
    expect(detaches.map((e) => e.detail ?? "")).toEqual(["force"]);
    expect((await cloud.attach(v.id, B)).state).toBe("attached");
  });

  it("never forces a busy detach: it times out naming the cause", async () => {
    const { t, cloud } = await setup({}, { detachTimeoutMs: 20_000, stuckDetachMs: 1_000 });
    const v = await cloud.create(request("sd2"));
    await cloud.attach(v.id, A);
    t.host.busy.add(v.id);
    const err = await failure(cloud.detach(v.id, A, { force: false }));
    expect(isSwarmvolError(err, "TIMEOUT") && err.details.state).toBe("busy");
    expect(t.cloud.events().some((e) => e.type === "detach-requested" && e.detail === "force")).toBe(false);
  });

  it("fails with LIMIT_EXCEEDED at the instance's attach limit", async () => {
    const { cloud } = await setup({ attachLimit: 1 });
    const [v1, v2] = [await cloud.create(request("l1")), await cloud.create(request("l2"))];
    await cloud.attach(v1.id, A);
    const err = await failure(cloud.attach(v2.id, A));
    expect(isSwarmvolError(err, "LIMIT_EXCEEDED")).toBe(true);
    expect((err as Error).message).toMatch(/no free EBS attachment slot/);
    expect((await cloud.attach(v2.id, B)).state).toBe("attached");
  });

  it("recovers from a device name taken behind its back", async () => {
    const { t, cloud } = await setup();
    const foreign = await t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1 }));
    await t.ec2.send(new AttachVolumeCommand({ VolumeId: foreign.VolumeId, InstanceId: A, Device: "/dev/xvdba" }));
    const v = await cloud.create(request("d1"));
    expect((await cloud.attach(v.id, A)).device).toBe("/dev/xvdbb");
    expect(cloud.allocator.stateOf(A, t.clock.now())["/dev/xvdba"]).toBe("bad");
    expect(cloud.calls.byAction().AttachVolume).toBe(2);
  });

  it("aborts an attach stuck for 90 s: detaches, marks the name bad, throws a retryable TIMEOUT", async () => {
    const { t, cloud } = await setup({ stickNextAttach: 1 });
    const v = await cloud.create(request("s1"));
    const started = t.clock.now();
    const err = await failure(cloud.attach(v.id, A));
    expect(isSwarmvolError(err, "TIMEOUT") && err.retryable).toBe(true);
    expect(t.clock.now() - started).toBeGreaterThanOrEqual(90_000);
    expect(t.cloud.events().map((e) => e.type)).toEqual(["volume-created", "attach-requested", "detach-requested", "force-detached"]);
    expect(cloud.allocator.stateOf(A, t.clock.now())["/dev/xvdba"]).toBe("bad");
    expect(await cloud.attach(v.id, A)).toEqual({ instanceId: A, device: "/dev/xvdbb", state: "attached" });
  });
});

describe("describe, tags, delete, instances", () => {
  it("lists only swarmvol volumes, with tags set later", async () => {
    const { t, cloud } = await setup();
    await t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1 }));
    const v = await cloud.create(request("t1"));
    await cloud.setTags(v.id, { "swarmvol/epoch": "3" });
    const all = await cloud.describe();
    expect(all.map((x) => x.id)).toEqual([v.id]);
    expect(all[0]?.tags["swarmvol/epoch"]).toBe("3");
    expect(isSwarmvolError(await failure(cloud.setTags("vol-0123456789abcdef0", { a: "b" })), "NOT_FOUND")).toBe(true);
  });

  it("deletes, and a second delete succeeds", async () => {
    const { t, cloud } = await setup();
    const v = await cloud.create(request("x1"));
    await cloud.delete(v.id);
    await cloud.delete(v.id);
    t.clock.advance(1);
    expect(await cloud.describe([v.id])).toEqual([]);
  });

  it("refuses to delete an attached volume", async () => {
    const { cloud } = await setup();
    const v = await cloud.create(request("x2"));
    await cloud.attach(v.id, A);
    expect(isSwarmvolError(await failure(cloud.delete(v.id)), "IN_USE")).toBe(true);
  });

  it("describes instances with zone, state and subnet, leaving out unknown ones; the subnet is where a share's mount target goes", async () => {
    const { cloud } = await setup();
    const found = await cloud.describeInstances([A, C, "i-0123456789abcdef0"]);
    expect(found).toEqual([
      { id: A, zone: "us-east-1a", state: "running", subnetId: labSubnetId("us-east-1a") },
      { id: C, zone: "us-east-1b", state: "running", subnetId: labSubnetId("us-east-1b") },
    ]);
    expect(nodeSubnetOf(C, found[1])).toEqual({ subnetId: labSubnetId("us-east-1b"), zone: "us-east-1b" });
  });
});
