import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../core/ports.js";
import { PromControllerMetrics } from "../controller/metrics.js";
import { Credentials } from "./credentials.js";
import { readRoutes, type HealthDetails } from "./routes.js";
import { ApiServer } from "./server.js";

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A replica's API as `swarmvol controller` serves it: standbys answer public routes only. */
async function serve(health: HealthDetails): Promise<string> {
  const catalog = { get: () => undefined, list: () => [] };
  const routes = readRoutes({ catalog, metrics: new PromControllerMetrics({ defaultMetrics: false }).exposition, health: () => health });
  const leader = health.role === "leader" || health.mode === "all-in-one";
  server = new ApiServer({
    routes, logger: silentLogger, credentials: new Credentials("s3cret"),
    leadership: { isLeader: () => leader, leaderUrl: () => (typeof health.leader === "string" ? health.leader : undefined) },
  });
  return `http://127.0.0.1:${await server.listen("127.0.0.1", 0)}`;
}

const probe = async (base: string, path: string) => {
  const answer = await fetch(`${base}${path}`);
  return { status: answer.status, body: await answer.json() as Record<string, unknown> };
};

describe("/healthz and /readyz, no token", () => {
  it("the leader is live and ready", async () => {
    const base = await serve({ mode: "controller", role: "leader", leader: "http://m1:7750", replica: "m1-1" });
    expect(await probe(base, "/healthz")).toEqual({ status: 200, body: { status: "ok", mode: "controller", role: "leader", leader: "http://m1:7750", replica: "m1-1" } });
    expect((await probe(base, "/readyz")).status).toBe(200);
  });

  it("a standby is live but not ready: 503 UNAVAILABLE naming the leader, so a load balancer sends nothing there", async () => {
    const base = await serve({ mode: "controller", role: "standby", leader: "http://m1:7750", replica: "m2-1" });
    expect((await probe(base, "/healthz")).status).toBe(200);
    expect(await probe(base, "/readyz")).toEqual({
      status: 503, body: { error: { code: "UNAVAILABLE", message: "this swarmvol controller replica is a standby; the leader is at http://m1:7750" } },
    });
    const none = await serve({ mode: "controller", role: "standby", leader: null });
    expect(await probe(none, "/readyz")).toMatchObject({ status: 503, body: { error: { message: expect.stringMatching(/no leader is elected yet; retry in a few seconds$/) } } });
  });

  it("an all-in-one is ready", async () => {
    const base = await serve({ mode: "all-in-one" });
    expect((await probe(base, "/readyz")).status).toBe(200);
  });
});
