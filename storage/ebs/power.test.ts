/** EbsCloud's forced stop against the EC2 emulator through the real SDK (power fencing, ADR 0012). */
import { afterEach, describe, expect, it } from "vitest";
import { isSwarmvolError } from "../../core/errors.js";
import { silentLogger } from "../../core/ports.js";
import { labInstances, startTestCloud, SteppingClock, type TestCloud } from "../../lab/cloud/testing.js";
import { EbsCloud } from "./ebsCloud.js";
import { awsCodeOf } from "./errors.js";
import { failure } from "../../test/support/failure.js";

const [A, B] = labInstances.map((i) => i.instanceId!) as [string, string];

let t: TestCloud | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function setup() {
  t = await startTestCloud({ faults: { latencyMs: { stop: 4_000 } } });
  return { t, cloud: new EbsCloud(t.ec2, new SteppingClock(t.clock), silentLogger, { random: () => 0.5 }) };
}


describe("forceStop", () => {
  it("sends StopInstances with Force and answers stopping; DescribeInstances then shows stopped", async () => {
    const { t, cloud } = await setup();
    expect(await cloud.forceStop(A)).toBe("stopping");
    expect(t.cloud.events().filter((e) => e.type === "stop-requested")).toEqual([expect.objectContaining({ instanceId: A, detail: "force" })]);
    t.clock.advance(4_000); // due transitions are applied before the next request is answered
    expect(await cloud.describeInstances([A, B])).toMatchObject([
      { id: A, zone: "us-east-1a", state: "stopped" }, { id: B, zone: "us-east-1a", state: "running" },
    ]);
    expect(await cloud.forceStop(A)).toBe("stopped");
    expect(cloud.calls.byAction()).toMatchObject({ StopInstances: 2, DescribeInstances: 1 });
  });

  it("maps a state it cannot be stopped from to CONFLICT and an unknown instance to NOT_FOUND", async () => {
    const { t, cloud } = await setup();
    await fetch(`${t.cloud.endpoint}/_swarmvol/instances/${B}`, { method: "POST", body: '{"state":"terminated"}' });
    const refused = await failure(cloud.forceStop(B));
    expect(isSwarmvolError(refused, "CONFLICT")).toBe(true);
    expect(awsCodeOf(refused)).toBe("IncorrectInstanceState");
    const unknown = await failure(cloud.forceStop("i-0123456789abcdef0"));
    expect(isSwarmvolError(unknown, "NOT_FOUND")).toBe(true);
  });

  it("retries a throttled stop (it is idempotent)", async () => {
    const { t, cloud } = await setup();
    t.cloud.setFaults({ throttleNext: 2, actions: ["StopInstances"] });
    expect(await cloud.forceStop(A)).toBe("stopping");
    expect(cloud.calls.byAction()).toMatchObject({ StopInstances: 3 });
  });
});
