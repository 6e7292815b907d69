import { DescribeFileSystemsCommand } from "@aws-sdk/client-efs";
import { describe, expect, it } from "vitest";
import { isSwarmvolError } from "../../core/errors.js";
import { silentLogger } from "../../core/ports.js";
import { FakeClock } from "../../test/fakes/clock.js";
import { ManualTime } from "../../test/fakes/fakeSwarm.js";
import { defaultRetryPolicy, Ec2CallCounter } from "../ebs/ec2Api.js";
import { EfsCaller, type EfsApi } from "./efsApi.js";

describe("EfsCaller against an EFS endpoint that accepts and never answers", () => {
  it("aborts each attempt at attemptTimeoutMs, retries it as a network failure, and gives up UNAVAILABLE", async () => {
    const time = new ManualTime();
    const signals: AbortSignal[] = [];
    const client = { send: (_command: unknown, options: { abortSignal: AbortSignal }) => (signals.push(options.abortSignal), new Promise<never>(() => undefined)) } as unknown as EfsApi;
    const counter = new Ec2CallCounter();
    const efs = new EfsCaller({ client, clock: new FakeClock(), logger: silentLogger, counter, retry: { ...defaultRetryPolicy, retries: 2 }, timers: time, attemptTimeoutMs: 10_000 });
    const calling = efs.call(new DescribeFileSystemsCommand({})).catch((err: unknown) => err);
    await time.advance(9_999);
    expect(counter.total).toBe(1);
    for (let attempt = 0; attempt < 3; attempt += 1) await time.advance(10_000);
    const err = await calling;
    expect(isSwarmvolError(err, "UNAVAILABLE")).toBe(true);
    expect((err as Error).message).toContain("did not answer within 10000 ms");
    expect(counter.total).toBe(3);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });
});
