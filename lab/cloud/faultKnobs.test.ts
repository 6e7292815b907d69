/**
 * The knobs of issue 13 (stuck detach, lost responses, slow Describe*), through the real
 * SDK on loopback. The SDK makes one attempt (testing.ts): each retry here is the test's
 * own, so what a retry sees is asserted directly, without the SDK's backoff timers.
 */
import {
  AttachVolumeCommand, CreateTagsCommand, CreateVolumeCommand, DescribeVolumesCommand, DetachVolumeCommand,
} from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyFaultsPatch, defaultFaults, lostResponse } from "./faults.js";
import { seededRng } from "./rng.js";
import { labInstances, startTestCloud, type TestCloud } from "./testing.js";

const [A, B] = labInstances.map((i) => i.instanceId!) as [string, string];
let t: TestCloud;
beforeEach(async () => {
  t = await startTestCloud();
});
afterEach(async () => {
  await t.close();
});

const newVolume = async () => (await t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1 }))).VolumeId!;
const attach = (VolumeId: string, InstanceId: string, Device = "/dev/xvdf") =>
  t.ec2.send(new AttachVolumeCommand({ VolumeId, InstanceId, Device }));
const detach = (VolumeId: string, Force?: boolean) => t.ec2.send(new DetachVolumeCommand({ VolumeId, ...(Force ? { Force } : {}) }));
const attachments = async (id: string) => (await t.ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes![0]!.Attachments ?? [];

async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number; code?: string }> {
  return p.then(
    () => ({ name: "no error" }),
    (err: Error & { $metadata?: { httpStatusCode?: number }; code?: string }) => ({
      name: err.name, ...(err.$metadata?.httpStatusCode === undefined ? {} : { status: err.$metadata.httpStatusCode }),
      ...(err.code === undefined ? {} : { code: err.code }),
    }),
  );
}

describe("stickNextDetach", () => {
  it("keeps the next detach `detaching` until a Force detach clears it", async () => {
    const vol = await newVolume();
    await attach(vol, A);
    t.cloud.setFaults({ stickNextDetach: 1 });
    expect((await detach(vol)).State).toBe("detaching");
    t.clock.advance(600_000);
    expect(await attachments(vol)).toEqual([expect.objectContaining({ InstanceId: A, State: "detaching" })]);
    expect((await detach(vol)).State).toBe("detaching"); // repeating without Force changes nothing
    expect(await attachments(vol)).toHaveLength(1);
    await detach(vol, true);
    expect(await attachments(vol)).toEqual([]);
    const types = t.cloud.events().filter((e) => e.type.startsWith("detach") || e.type.endsWith("detached")).map((e) => `${e.type}:${e.detail ?? ""}`);
    expect(types).toEqual(["detach-requested:stuck", "detach-requested:force", "force-detached:"]);
    expect(t.cloud.engine.faults.stickNextDetach).toBe(0);
  });

  it("never sticks a forced detach, and sticks only as many as asked", async () => {
    const [v1, v2] = [await newVolume(), await newVolume()];
    await attach(v1, A);
    await attach(v2, A, "/dev/xvdg");
    t.cloud.setFaults({ stickNextDetach: 1 });
    await detach(v1, true);
    await detach(v2);
    expect(await attachments(v1)).toEqual([]);
    expect(await attachments(v2)).toEqual([expect.objectContaining({ State: "detaching" })]);
    await attach(v1, B);
    expect(await attachments(v1)).toEqual([expect.objectContaining({ InstanceId: B, State: "attached" })]);
    await detach(v1);
    expect(await attachments(v1)).toEqual([]);
  });

  it("a stuck attach still detaches normally once the detach fault is spent", async () => {
    t.cloud.setFaults({ stickNextAttach: 1 });
    const vol = await newVolume();
    await attach(vol, A);
    expect(await attachments(vol)).toEqual([expect.objectContaining({ State: "attaching" })]);
    await detach(vol);
    expect(await attachments(vol)).toEqual([]);
  });
});

describe("lost responses", () => {
  it("drop: the attach is applied, the client sees a network error, its retry VolumeInUse", async () => {
    const vol = await newVolume();
    t.cloud.setFaults({ lostResponseNext: 1, lostResponseMode: "drop" });
    const lost = await failure(attach(vol, A));
    expect(lost.status).toBeUndefined(); // no HTTP answer at all
    expect(lost.code ?? lost.name).toMatch(/ECONNRESET|socket hang up|aborted/i);
    expect(await attachments(vol)).toEqual([expect.objectContaining({ InstanceId: A, State: "attached" })]);
    expect(await failure(attach(vol, A))).toMatchObject({ name: "VolumeInUse", status: 400 });
    expect(t.cloud.events().filter((e) => e.type === "attach-requested")).toHaveLength(1);
  });

  it("error: the change is made, the answer is a 500; a retried CreateVolume with its token returns the same volume", async () => {
    t.cloud.setFaults({ lostResponseNext: 1, lostResponseMode: "error" });
    const create = () => t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1, ClientToken: "tok-1" }));
    expect(await failure(create())).toEqual({ name: "InternalError", status: 500 });
    const again = await create();
    expect(Object.keys(t.cloud.engine.state.volumes)).toEqual([again.VolumeId]);
  });

  it("a retried detach of a detached volume answers IncorrectState; tags are idempotent", async () => {
    const vol = await newVolume();
    await attach(vol, A);
    t.cloud.setFaults({ lostResponseNext: 2, lostResponseMode: "error" });
    expect((await failure(detach(vol))).name).toBe("InternalError");
    expect(await failure(detach(vol))).toMatchObject({ name: "IncorrectState", status: 400 });
    const tag = () => t.ec2.send(new CreateTagsCommand({ Resources: [vol], Tags: [{ Key: "k", Value: "v" }] }));
    expect((await failure(tag())).name).toBe("InternalError");
    await tag();
    expect(t.cloud.engine.state.volumes[vol]?.tags).toEqual({ k: "v" });
  });

  it("never loses a Describe*, nor the answer of a request that failed", async () => {
    const vol = await newVolume();
    await attach(vol, A);
    t.cloud.setFaults({ lostResponseRate: 1, lostResponseMode: "error" });
    expect(await attachments(vol)).toHaveLength(1);
    expect(await failure(attach(vol, B, "/dev/xvdg"))).toMatchObject({ name: "VolumeInUse" });
  });

  it("mixed mode draws drop or error from the seeded generator; actions limit the scope", () => {
    const faults = applyFaultsPatch(defaultFaults(), { lostResponseRate: 1 });
    const rng = seededRng(7);
    const kinds = new Set(Array.from({ length: 40 }, () => lostResponse(faults, "AttachVolume", rng)));
    expect(kinds).toEqual(new Set(["drop", "error"]));
    const scoped = applyFaultsPatch(faults, { actions: ["DetachVolume"] });
    expect(lostResponse(scoped, "AttachVolume", rng)).toBeUndefined();
    expect(lostResponse(scoped, "DescribeVolumes", rng)).toBeUndefined();
    expect(() => applyFaultsPatch(faults, { lostResponseMode: "sometimes" as never })).toThrow(/lostResponseMode/);
    expect(() => applyFaultsPatch(faults, { lostResponseRate: 1.5 })).toThrow(/between 0 and 1/);
  });
});

describe("describeLatencyMs", () => {
  it("answers Describe* only after the delay; mutations are not slowed", async () => {
    const vol = await newVolume();
    t.cloud.setFaults({ describeLatencyMs: 800 });
    let answered = false;
    const pending = attachments(vol).then((a) => {
      answered = true;
      return a;
    });
    await attach(vol, A); // a mutation goes through while the Describe waits
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    t.clock.advance(800);
    expect(await pending).toEqual([expect.objectContaining({ InstanceId: A })]); // the state at answer time
    expect(answered).toBe(true);
  });
});
