import { CreateVolumeCommand, DescribeInstancesCommand, DescribeVolumesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestCloud, type TestCloud } from "./testing.js";

let t: TestCloud;
beforeEach(async () => {
  t = await startTestCloud();
});
afterEach(async () => {
  await t.close();
});

const admin = (path: string, body?: unknown) =>
  fetch(`${t.cloud.endpoint}/_swarmvol/${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
const createVolume = (client: EC2Client = t.ec2) =>
  client.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1 }));

async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number; fault?: string }> {
  return p.then(
    () => ({ name: "no error" }),
    (err: Error & { $metadata?: { httpStatusCode?: number }; $fault?: string }) =>
      ({ name: err.name, status: err.$metadata?.httpStatusCode, fault: err.$fault }),
  );
}

describe("request faults", () => {
  it("throttleNext gives RequestLimitExceeded with 503", async () => {
    expect((await admin("faults", { throttleNext: 1 })).status).toBe(200);
    expect(await failure(createVolume())).toEqual({ name: "RequestLimitExceeded", status: 503, fault: "server" });
    expect((await createVolume()).State).toBe("creating");
  });

  it("serverErrorNext gives InternalError with 500", async () => {
    await admin("faults", { serverErrorNext: 1 });
    expect(await failure(createVolume())).toEqual({ name: "InternalError", status: 500, fault: "server" });
  });

  it("rates of 1 fail every request; actions limits the scope", async () => {
    await admin("faults", { throttleRate: 1, actions: ["DescribeInstances"] });
    expect((await createVolume()).VolumeId).toBeTruthy();
    expect((await failure(t.ec2.send(new DescribeInstancesCommand({})))).name).toBe("RequestLimitExceeded");
    await admin("faults", { throttleRate: 0, serverErrorRate: 1, actions: [] });
    expect((await failure(createVolume())).name).toBe("InternalError");
  });

  it("the SDK's own retry recovers from two throttles, creating one volume", async () => {
    const retrying = new EC2Client({
      endpoint: t.cloud.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" }, maxAttempts: 3,
    });
    try {
      t.cloud.setFaults({ throttleNext: 2 });
      const v = await createVolume(retrying);
      expect(v.VolumeId).toBeTruthy();
      expect((await t.ec2.send(new DescribeVolumesCommand({}))).Volumes).toHaveLength(1);
    } finally {
      retrying.destroy();
    }
  });

  it("describeDelayMs hides a new volume from Describe for a while", async () => {
    t.cloud.setFaults({ describeDelayMs: 1000 });
    const v = await createVolume();
    expect((await failure(t.ec2.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] })))).name).toBe("InvalidVolume.NotFound");
    expect((await t.ec2.send(new DescribeVolumesCommand({}))).Volumes).toEqual([]);
    t.clock.advance(1000);
    expect((await t.ec2.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] }))).Volumes).toHaveLength(1);
  });
});

describe("protocol edges", () => {
  const post = (body: string) => fetch(t.cloud.endpoint, {
    method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body,
  });

  it("unknown actions get InvalidAction in the EC2 error document", async () => {
    const res = await post("Action=RunInstances&Version=2016-11-15");
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("text/xml;charset=UTF-8");
    const text = await res.text();
    expect(text).toMatch(/<Response><Errors><Error><Code>InvalidAction<\/Code><Message>[^<]+<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/);
  });

  it("a missing Action gets MissingAction", async () => {
    expect(await (await post("Version=2016-11-15")).text()).toContain("<Code>MissingAction</Code>");
  });

  it("successful responses carry the namespace and a requestId", async () => {
    const text = await (await post("Action=DescribeVolumes&Version=2016-11-15")).text();
    expect(text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<DescribeVolumesResponse xmlns="http:\/\/ec2.amazonaws.com\/doc\/2016-11-15\/"><requestId>[0-9a-f-]{36}<\/requestId><volumeSet\/><\/DescribeVolumesResponse>$/);
  });
});

describe("admin endpoints", () => {
  it("GET/POST faults validates patches and can reset", async () => {
    const bad = await admin("faults", { throttleRate: 2 });
    expect(bad.status).toBe(400);
    expect((await admin("faults", { nonsense: 1 })).status).toBe(400);
    await admin("faults", { attachLimit: 3, latencyMs: { attach: 7 } });
    const got = (await (await admin("faults")).json()) as { attachLimit: number; latencyMs: { attach: number; create: number } };
    expect(got).toMatchObject({ attachLimit: 3, latencyMs: { attach: 7, create: 0 } });
    const reset = (await (await admin("faults", { reset: true })).json()) as { attachLimit: number; latencyMs: { create: number } };
    expect(reset).toMatchObject({ attachLimit: 27, latencyMs: { create: 1500 } });
  });

  it("GET log returns events and overlap verdicts; GET state the volumes", async () => {
    const v = await createVolume();
    const log = (await (await admin("log")).json()) as { events: Array<{ type: string; volumeId?: string }>; overlaps: unknown[] };
    expect(log.events).toEqual([expect.objectContaining({ seq: 1, type: "volume-created", volumeId: v.VolumeId })]);
    expect(log.overlaps).toEqual([]);
    const since = (await (await admin("log?since=1")).json()) as { events: unknown[] };
    expect(since.events).toEqual([]);
    const state = (await (await admin("state")).json()) as { volumes: Record<string, unknown> };
    expect(Object.keys(state.volumes)).toEqual([v.VolumeId]);
    expect((await admin("health")).status).toBe(200);
    expect((await admin("nope")).status).toBe(404);
    expect((await admin("instances/i-0123456789abcdef0", { state: "stopped" })).status).toBe(404);
    expect((await admin("instances/i-0123456789abcdef0", { state: "dancing" })).status).toBe(400);
  });
});
