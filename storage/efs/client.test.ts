import { describe, expect, it } from "vitest";
import { createEfsClient } from "./client.js";

describe("createEfsClient", () => {
  it("makes exactly one attempt per request: p-retry is the retry layer", async () => {
    const client = createEfsClient({ region: "us-east-1", endpoint: "http://127.0.0.1:1" });
    expect(await client.config.maxAttempts()).toBe(1);
    client.destroy();
  });

  it("gives the SDK's handler a connection and a request timeout that fails the request (its defaults are none)", async () => {
    const client = createEfsClient({ region: "us-east-1", endpoint: "http://127.0.0.1:1" });
    const handler = client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };
    expect(await handler.configProvider).toMatchObject({ connectionTimeout: 3_000, requestTimeout: 30_000, throwOnRequestTimeout: true });
    client.destroy();
  });

  it("refuses a missing region", () => {
    expect(() => createEfsClient({ region: "" })).toThrow(/`region` must be an AWS region name/);
  });
});
