import { DescribeVolumesCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { isSwarmvolError } from "../../core/errors.js";
import { silentLogger } from "../../core/ports.js";
import { FakeClock } from "../../test/fakes/clock.js";
import { defaultRetryPolicy, Ec2CallCounter, Ec2Caller, jitteredDelay, type Ec2Api } from "./ec2Api.js";

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status } });
}


function caller(outcomes: Array<Error | object>) {
  const clock = new FakeClock();
  const counter = new Ec2CallCounter();
  const client = { send: async () => {
    const next = outcomes.shift();
    if (next instanceof Error) throw next;
    return next ?? { Volumes: [] };
  } } as unknown as Ec2Api;
  return { clock, counter, caller: new Ec2Caller({ client, clock, logger: silentLogger, counter, retry: defaultRetryPolicy, random: () => 0.5 }) };
}

describe("jitteredDelay", () => {
  it("doubles from the base up to the cap, half of it random", () => {
    const policy = { retries: 9, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => jitteredDelay(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect(jitteredDelay(1, policy, () => 1)).toBe(100);
  });
});

describe("Ec2Caller", () => {
  it("retries throttling and 5xx with backoff on the injected clock, counting every attempt", async () => {
    const t = caller([awsError("RequestLimitExceeded", 503), awsError("InternalError", 500), { Volumes: [{ VolumeId: "vol-1" }] }]);
    const out = (await t.caller.call(new DescribeVolumesCommand({}))) as { Volumes?: unknown };
    expect(out.Volumes).toEqual([{ VolumeId: "vol-1" }]);
    expect(t.counter.byAction()).toEqual({ DescribeVolumes: 3 });
    expect(t.clock.sleeps).toEqual([75, 150]);
  });

  it("never retries a not-found or validation error", async () => {
    const t = caller([awsError("InvalidVolume.NotFound", 400), {}]);
    const err = await t.caller.call(new DescribeVolumesCommand({}), { volumeId: "vol-9" }).catch((e: unknown) => e);
    expect(isSwarmvolError(err, "NOT_FOUND")).toBe(true);
    expect(t.counter.total).toBe(1);
    expect(t.clock.sleeps).toEqual([]);
  });

  it("gives up after the retries with a retryable UNAVAILABLE", async () => {
    const t = caller(Array.from({ length: 10 }, () => awsError("RequestLimitExceeded", 503)));
    const err = await t.caller.call(new DescribeVolumesCommand({})).catch((e: unknown) => e);
    expect(isSwarmvolError(err, "UNAVAILABLE")).toBe(true);
    expect(t.counter.total).toBe(defaultRetryPolicy.retries + 1);
    expect(t.clock.sleeps).toHaveLength(defaultRetryPolicy.retries);
  });
});
