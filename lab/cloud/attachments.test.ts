import {
  AttachVolumeCommand, CreateVolumeCommand, DeleteVolumeCommand, DescribeVolumesCommand, DetachVolumeCommand,
  waitUntilVolumeInUse,
} from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { labInstances, startTestCloud, type TestCloud } from "./testing.js";

const [A, B, C] = labInstances.map((i) => i.instanceId!) as [string, string, string];
let t: TestCloud;
beforeEach(async () => {
  t = await startTestCloud();
});
afterEach(async () => {
  await t.close();
});

async function newVolume(zone = "us-east-1a"): Promise<string> {
  const v = await t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: zone, Size: 1, VolumeType: "gp3" }));
  return v.VolumeId!;
}
const attach = (VolumeId: string, InstanceId: string, Device = "/dev/xvdf") =>
  t.ec2.send(new AttachVolumeCommand({ VolumeId, InstanceId, Device }));
const detach = (VolumeId: string, extra: { InstanceId?: string; Force?: boolean; Device?: string } = {}) =>
  t.ec2.send(new DetachVolumeCommand({ VolumeId, ...extra }));
const describe1 = async (id: string) => (await t.ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes![0]!;

async function errorName(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).name;
  }
  return "no error";
}

describe("AttachVolume", () => {
  it("goes attaching → attached, volume in-use, device made on the instance", async () => {
    await t.close();
    t = await startTestCloud({ faults: { latencyMs: { attach: 2000 } } });
    const vol = await newVolume();
    const r = await attach(vol, A);
    expect(r).toMatchObject({ VolumeId: vol, InstanceId: A, Device: "/dev/xvdf", State: "attaching" });
    expect(r.AttachTime).toBeInstanceOf(Date);
    expect((await describe1(vol)).State).toBe("in-use");
    expect(t.host.ops()).not.toContain("attach");
    t.clock.advance(2000);
    const v = await describe1(vol);
    expect(v.Attachments).toEqual([expect.objectContaining({ InstanceId: A, State: "attached", DeleteOnTermination: false })]);
    expect(t.host.calls.at(-1)).toEqual({ op: "attach", volumeId: vol, instanceId: A, device: "/dev/xvdf" });
  });

  it("works with waitUntilVolumeInUse", async () => {
    const vol = await newVolume();
    await attach(vol, A);
    const r = await waitUntilVolumeInUse({ client: t.ec2, maxWaitTime: 5, minDelay: 1, maxDelay: 1 }, { VolumeIds: [vol] });
    expect(r.state).toBe("SUCCESS");
  });

  it("refuses a second attach: VolumeInUse, on any instance", async () => {
    const vol = await newVolume();
    await attach(vol, A);
    expect(await errorName(attach(vol, B, "/dev/xvdg"))).toBe("VolumeInUse");
    expect(await errorName(attach(vol, A, "/dev/xvdg"))).toBe("VolumeInUse");
  });

  it("refuses a creating volume: IncorrectState", async () => {
    await t.close();
    t = await startTestCloud({ faults: { latencyMs: { create: 1000 } } });
    const vol = await newVolume();
    expect(await errorName(attach(vol, A))).toBe("IncorrectState");
  });

  it("refuses another zone: InvalidVolume.ZoneMismatch", async () => {
    expect(await errorName(attach(await newVolume(), C))).toBe("InvalidVolume.ZoneMismatch");
  });

  it("refuses a device name in use with InvalidParameterValue 'already in use'", async () => {
    await attach(await newVolume(), A, "/dev/xvdf");
    const vol = await newVolume();
    const err = await attach(vol, A, "/dev/xvdf").catch((e: Error) => e);
    expect(err).toMatchObject({ name: "InvalidParameterValue" });
    expect((err as Error).message).toContain("already in use");
    expect(await errorName(attach(vol, A, "/dev/xvda"))).toBe("InvalidParameterValue");
    expect(await errorName(attach(vol, A, "sdf"))).toBe("InvalidParameterValue");
    expect((await attach(vol, B, "/dev/xvdf")).State).toBe("attaching");
  });

  it("enforces the attach limit: AttachmentLimitExceeded", async () => {
    t.cloud.setFaults({ attachLimit: 2 });
    await attach(await newVolume(), A, "/dev/xvdf");
    await attach(await newVolume(), A, "/dev/xvdg");
    expect(await errorName(attach(await newVolume(), A, "/dev/xvdh"))).toBe("AttachmentLimitExceeded");
  });

  it("gives NotFound errors and MissingParameter", async () => {
    const vol = await newVolume();
    expect(await errorName(attach("vol-0123456789abcdef0", A))).toBe("InvalidVolume.NotFound");
    expect(await errorName(attach(vol, "i-0123456789abcdef0"))).toBe("InvalidInstanceID.NotFound");
    expect(await errorName(attach(vol, A, ""))).toBe("MissingParameter");
  });

  it("refuses a terminated instance: IncorrectInstanceState", async () => {
    const res = await fetch(`${t.cloud.endpoint}/_swarmvol/instances/${A}`, { method: "POST", body: JSON.stringify({ state: "terminated" }) });
    expect(res.status).toBe(200);
    expect(await errorName(attach(await newVolume(), A))).toBe("IncorrectInstanceState");
  });

  it("a stuck attach stays attaching until detached", async () => {
    t.cloud.setFaults({ stickNextAttach: 1 });
    const vol = await newVolume();
    await attach(vol, A);
    t.clock.advance(60_000);
    expect((await describe1(vol)).Attachments?.[0]?.State).toBe("attaching");
    expect(t.host.ops()).not.toContain("attach");
    expect((await detach(vol)).State).toBe("detaching");
    const v = await describe1(vol);
    expect(v).toMatchObject({ State: "available", Attachments: [] });
    expect(t.host.ops()).not.toContain("detach");
    await attach(vol, B);
    expect((await describe1(vol)).Attachments?.[0]?.State).toBe("attached");
  });
});

describe("DetachVolume", () => {
  it("goes detaching → the attachment item is removed and the volume available", async () => {
    await t.close();
    t = await startTestCloud({ faults: { latencyMs: { detach: 2000 } } });
    const vol = await newVolume();
    await attach(vol, A);
    const r = await detach(vol, { InstanceId: A });
    expect(r).toMatchObject({ State: "detaching", InstanceId: A, VolumeId: vol });
    expect((await describe1(vol)).Attachments?.[0]?.State).toBe("detaching");
    t.clock.advance(2000);
    expect(await describe1(vol)).toMatchObject({ State: "available", Attachments: [] });
    expect(t.host.calls.at(-1)).toEqual({ op: "detach", volumeId: vol, instanceId: A, force: false });
  });

  it("stays busy while the instance has it mounted; completes after unmount", async () => {
    const vol = await newVolume();
    await attach(vol, A);
    t.host.busy.add(vol);
    await detach(vol);
    expect(await describe1(vol)).toMatchObject({ State: "in-use", Attachments: [expect.objectContaining({ State: "busy" })] });
    t.clock.advance(10_000);
    expect((await describe1(vol)).Attachments?.[0]?.State).toBe("busy");
    t.host.busy.delete(vol);
    t.clock.advance(500);
    expect(await describe1(vol)).toMatchObject({ State: "available", Attachments: [] });
  });

  it("Force detaches a busy volume", async () => {
    const vol = await newVolume();
    await attach(vol, A);
    t.host.busy.add(vol);
    await detach(vol);
    expect((await detach(vol, { Force: true })).State).toBe("busy");
    expect(await describe1(vol)).toMatchObject({ State: "available", Attachments: [] });
    expect(t.host.calls.at(-1)).toMatchObject({ op: "detach", force: true });
    expect(t.cloud.events().map((e) => e.type)).toContain("force-detached");
  });

  it("refuses an available volume (IncorrectState) and a wrong instance (InvalidAttachment.NotFound)", async () => {
    const vol = await newVolume();
    expect(await errorName(detach(vol))).toBe("IncorrectState");
    await attach(vol, A);
    expect(await errorName(detach(vol, { InstanceId: B }))).toBe("InvalidAttachment.NotFound");
    expect(await errorName(detach(vol, { Device: "/dev/xvdz" }))).toBe("InvalidAttachment.NotFound");
    expect(await errorName(detach(vol, { InstanceId: "i-0123456789abcdef0" }))).toBe("InvalidInstanceID.NotFound");
    expect(await errorName(detach("vol-0123456789abcdef0"))).toBe("InvalidVolume.NotFound");
  });

  it("DeleteVolume of an attached volume gives VolumeInUse", async () => {
    const vol = await newVolume();
    await attach(vol, A);
    expect(await errorName(t.ec2.send(new DeleteVolumeCommand({ VolumeId: vol })))).toBe("VolumeInUse");
  });

  it("terminating an instance force-detaches its volumes", async () => {
    const vol = await newVolume();
    await attach(vol, A);
    await fetch(`${t.cloud.endpoint}/_swarmvol/instances/${A}`, { method: "POST", body: JSON.stringify({ state: "terminated" }) });
    expect(await describe1(vol)).toMatchObject({ State: "available", Attachments: [] });
  });
});

describe("device failures", () => {
  it("a failing device detach does not break other requests and is retried", async () => {
    const vol = await newVolume();
    await attach(vol, A);
    t.host.failNext = "detach";
    await detach(vol);
    expect((await describe1(vol)).Attachments?.[0]?.State).toBe("detaching");
    expect(await newVolume()).toMatch(/^vol-/);
    t.clock.advance(500);
    expect(await describe1(vol)).toMatchObject({ State: "available", Attachments: [] });
  });

  it("a failing device attach stays attaching and is retried", async () => {
    const vol = await newVolume();
    t.host.failNext = "attach";
    await attach(vol, A);
    expect((await describe1(vol)).Attachments?.[0]?.State).toBe("attaching");
    t.clock.advance(500);
    expect((await describe1(vol)).Attachments?.[0]?.State).toBe("attached");
  });
});
