import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ManualTime } from "../../test/fakes/fakeSwarm.js";
import { instanceIdentity } from "./imds.js";

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A loopback stand-in for IMDSv2: tokens required, as on a hardened instance. */
async function fakeImds(): Promise<{ endpoint: string; requests: string[] }> {
  const requests: string[] = [];
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.method === "PUT" && req.url === "/latest/api/token" && req.headers["x-aws-ec2-metadata-token-ttl-seconds"]) return void res.end("tok-1");
    if (req.headers["x-aws-ec2-metadata-token"] !== "tok-1") return void res.writeHead(401).end();
    if (req.url === "/latest/meta-data/instance-id") return void res.end("i-0abc1234def567890");
    if (req.url === "/latest/meta-data/placement/availability-zone") return void res.end("eu-west-1b");
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => (server as Server).listen(0, "127.0.0.1", resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

describe("IMDSv2 instance identity", () => {
  it("gets a token, then the instance id and zone with it", async () => {
    const { endpoint, requests } = await fakeImds();
    expect(await instanceIdentity(endpoint)).toEqual({ instanceId: "i-0abc1234def567890", zone: "eu-west-1b" });
    expect(requests[0]).toBe("PUT /latest/api/token");
  });

  it("says how to go on when IMDS cannot be reached", async () => {
    await expect(instanceIdentity("http://127.0.0.1:9", fetch, 500)).rejects.toMatchObject({
      code: "UNAVAILABLE", message: expect.stringMatching(/pass --instance-id and --zone/),
    });
  });

  it("gives up after timeoutMs on an endpoint that accepts and never answers, and aborts the request", async () => {
    const time = new ManualTime();
    const signals: AbortSignal[] = [];
    const never = ((_url: string, init: RequestInit) => (signals.push(init.signal as AbortSignal), new Promise<never>(() => undefined))) as unknown as typeof fetch;
    const asking = instanceIdentity("http://169.254.169.254", never, 2_000, time).catch((err: unknown) => err);
    await time.advance(1_999);
    expect(signals.map((signal) => signal.aborted)).toEqual([false]);
    await time.advance(1);
    expect(await asking).toMatchObject({ code: "UNAVAILABLE", message: expect.stringContaining("no answer within 2000 ms") });
    expect(signals[0]?.aborted).toBe(true);
  });
});
