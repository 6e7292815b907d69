import { afterEach, describe, expect, it } from "vitest";
import { Credentials, issueNodeToken } from "../../api/credentials.js";
import { route } from "../../api/route.js";
import { heartbeatResponse } from "../../api/schemas/bodies.js";
import { ApiServer, type Route } from "../../api/server.js";
import { ErrorCode, isSwarmvolError } from "../../core/errors.js";
import { silentLogger } from "../../core/ports.js";
import { ControllerClient } from "../../api/client/apiClient.js";

/** Three controller replicas over real sockets: the server's standby answer read by the agent's client. */
const secret = "s3cret";
const token = issueNodeToken(secret, "n1");
const state = { leader: undefined as string | undefined };
let replicas: Array<{ url: string; server: ApiServer; served: number }> = [];

async function replica(): Promise<(typeof replicas)[number]> {
  const entry = { url: "", server: undefined as unknown as ApiServer, served: 0 };
  const routes: Route[] = [route({
    method: "POST", path: "/v1/nodes/{nodeId}/heartbeat", access: "node", nodeOf: ({ params: [node] }) => node, summary: "a heartbeat",
    answer: { status: 200, schema: heartbeatResponse, description: "the lease" }, handle: () => {
      entry.served += 1;
      return { ttlMs: 6000, revoke: [] };
    },
  })];
  entry.server = new ApiServer({ routes, logger: silentLogger, credentials: new Credentials(secret), leadership: { isLeader: () => state.leader === entry.url, leaderUrl: () => state.leader } });
  entry.url = `http://127.0.0.1:${await entry.server.listen("127.0.0.1", 0)}`;
  return entry;
}

afterEach(async () => {
  await Promise.all(replicas.map((entry) => entry.server.close()));
  replicas = [];
});

const beat = { hostname: "h", instanceId: "i-1", zone: "z", mounts: [] };

describe("agent client against controller replicas", () => {
  it("reaches the leader through a standby's hint, and the new leader after the old one dies", async () => {
    replicas = [await replica(), await replica(), await replica()];
    const [a, b, c] = replicas as [typeof replicas[number], typeof replicas[number], typeof replicas[number]];
    state.leader = c.url;
    const api = new ControllerClient({ endpoints: () => replicas.map((entry) => entry.url), token, attemptTimeoutMs: 500 });
    await api.heartbeat("n1", beat);
    expect([a.served, b.served, c.served]).toEqual([0, 0, 1]);
    expect(api.baseUrl).toBe(c.url);

    await c.server.close(); // the leader dies; the standbys still name it until b takes over
    const during = await api.heartbeat("n1", beat).then(() => undefined, (err: unknown) => err);
    expect(isSwarmvolError(during, ErrorCode.Unavailable)).toBe(true);
    state.leader = b.url;
    await api.heartbeat("n1", beat);
    expect([a.served, b.served]).toEqual([0, 1]);
    expect(api.baseUrl).toBe(b.url);
  });
});
