import { DescribeVolumesCommand } from "@aws-sdk/client-ec2";
import { DescribeFileSystemsCommand } from "@aws-sdk/client-efs";
import { describe, expect, it } from "vitest";
import { isSwarmvolError } from "../../core/errors.js";
import { silentLogger } from "../../core/ports.js";
import { FakeClock } from "../../test/fakes/clock.js";
import { ManualTime } from "../../test/fakes/fakeSwarm.js";
import { Ec2Caller, type Ec2Api } from "../ebs/ec2Api.js";
import { EfsCaller, type EfsApi } from "../efs/efsApi.js";
import { AwsCallCounter, defaultRetryPolicy } from "./awsCaller.js";

/** A client that accepts every request and never answers, recording each attempt's abort signal. */
function neverAnswering() {
  const signals: AbortSignal[] = [];
  const client = { send: (_command: unknown, options: { abortSignal: AbortSignal }) => (signals.push(options.abortSignal), new Promise<never>(() => undefined)) };
  return { client, signals };
}

const options = (client: unknown, counter: AwsCallCounter, time: ManualTime) =>
  ({ client, clock: new FakeClock(), logger: silentLogger, counter, retry: { ...defaultRetryPolicy, retries: 2 }, timers: time, attemptTimeoutMs: 10_000 });

describe.each([
  ["EC2", (client: unknown, counter: AwsCallCounter, time: ManualTime) => new Ec2Caller({ ...options(client, counter, time), client: client as Ec2Api }).call(new DescribeVolumesCommand({}))],
  ["EFS", (client: unknown, counter: AwsCallCounter, time: ManualTime) => new EfsCaller({ ...options(client, counter, time), client: client as EfsApi }).call(new DescribeFileSystemsCommand({}))],
])("the %s caller against an endpoint that accepts and never answers", (service, call) => {
  it("aborts each attempt at attemptTimeoutMs, retries it as a network failure, and gives up UNAVAILABLE", async () => {
    const time = new ManualTime();
    const { client, signals } = neverAnswering();
    const counter = new AwsCallCounter();
    const calling = call(client, counter, time).catch((err: unknown) => err);
    await time.advance(9_999);
    expect(counter.total).toBe(1);
    for (let attempt = 0; attempt < 3; attempt += 1) await time.advance(10_000);
    const err = await calling;
    expect(isSwarmvolError(err, "UNAVAILABLE")).toBe(true);
    expect((err as Error).message).toContain(`${service} did not answer within 10000 ms`);
    expect(counter.total).toBe(3);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });
});
