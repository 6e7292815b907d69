import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Credentials, issueNodeToken } from "../../api/credentials.js";
import { controllerRoutes, readRoutes } from "../../api/routes.js";
import { ApiServer } from "../../api/server.js";
import { createLogger } from "../../cli/runtime.js";
import { internal } from "../../core/errors.js";
import { PromControllerMetrics } from "../../controller/metrics.js";
import type { Logger } from "../../core/ports.js";
import { NodeCredential } from "../../plugin/cluster/nodeCredential.js";
import { FakeClock } from "../fakes/clock.js";
import { MemoryCatalog } from "../fakes/memoryState.js";

/**
 * ADR 0011: no token ever reaches a log. The daemons' own pino logger (cli/runtime.ts, at
 * debug) is captured while the API refuses and accepts every kind of token and an agent
 * waits for and refuses its token file; the text must hold no token nor any MAC.
 */
const secret = "the-controllers-secret-0123456789";
const n1 = issueNodeToken(secret, "n1");
const n2 = issueNodeToken(secret, "n2");
const forged = issueNodeToken("another-secret", "n1");
const secretsOf = (token: string) => [token, token.split(".").at(-1) ?? token];
const everyToken = [secret, n1, n2, forged].flatMap(secretsOf);

let lines: string[];
let logger: Logger;
let server: ApiServer;
let base: string;

beforeEach(async () => {
  lines = [];
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => void (lines.push(chunk.toString()), done()) });
  logger = createLogger("debug", "swarmvol-test", sink);
  const fail = () => { throw internal("disk on fire"); };
  const routes = [
    ...readRoutes({ catalog: new MemoryCatalog(), metrics: new PromControllerMetrics({ defaultMetrics: false }).exposition, health: () => ({ mode: "controller" }) }),
    ...controllerRoutes({
      volumes: () => ({ create: fail, remove: fail, markFormatted: fail, claimAndWait: fail, release: fail, wanted: fail, heartbeat: async () => ({ ttlMs: 6000, revoke: [] }) }),
      nodes: () => ({ fence: fail, unfence: fail, nodeViews: () => [] }),
    }),
  ];
  server = new ApiServer({ routes, logger, credentials: new Credentials(secret) });
  base = `http://127.0.0.1:${await server.listen("127.0.0.1", 0)}`;
});
afterEach(async () => server.close());

async function send(method: string, path: string, authorization: string, body?: unknown): Promise<number> {
  const response = await fetch(`${base}${path}`, { method, headers: { authorization, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  await response.text();
  return response.status;
}

const log = () => lines.join("");

describe("tokens never reach the logs", () => {
  it("the API logs refusals and failures by who and for whom, never with the token", async () => {
    const beat = { hostname: "h", instanceId: "i-1", zone: "z", mounts: [] };
    expect(await send("POST", "/v1/nodes/n2/heartbeat", `Bearer ${n1}`, beat)).toBe(403);
    expect(await send("POST", "/v1/nodes/n1/fence", `Bearer ${n1}`, {})).toBe(403);
    expect(await send("POST", "/v1/volumes/db/claims", `Bearer ${secret}`, { nodeId: "n1" })).toBe(403);
    expect(await send("POST", "/v1/nodes/n1/heartbeat", `Bearer ${forged}`, beat)).toBe(401);
    expect(await send("POST", "/v1/nodes/n1/heartbeat", n1, beat)).toBe(401);
    expect(await send("POST", "/v1/nodes/n1/heartbeat", `Bearer ${n1}`, beat)).toBe(200);
    expect(await send("POST", "/v1/nodes/n1/fence", `Bearer ${secret}`, {})).toBe(500);
    expect(log()).toContain("api call refused for this identity");
    expect(log()).toContain('"caller":"n1","target":"n2"');
    expect(log()).toContain("api call failed");
    for (const token of everyToken) expect(log()).not.toContain(token);
  });

  it("an agent waiting for, then refusing, its token file logs the node and the file, never the token", async () => {
    const contents = [undefined, n2];
    const credential = new NodeCredential({
      read: async () => contents.shift(), nodeId: async () => "n1", source: "SWARMVOL_TOKEN_FILE /etc/swarmvol/node.token",
      clock: new FakeClock(), logger,
    });
    const refused = await credential.ready().then(() => undefined, (err: unknown) => err as Error);
    logger.error({ err: refused?.message }, "agent stops: its node token does not name this node");
    expect(log()).toContain("waiting for this node's token");
    expect(log()).toContain("holds the token of node n2, but this agent runs on node n1");
    for (const token of everyToken) expect(log()).not.toContain(token);
  });

  it("a field named like a credential is redacted wherever somebody logs one", () => {
    logger.info({ token: n1, secret, headers: { authorization: `Bearer ${n2}` }, request: { token: forged } }, "a careless line");
    expect(log()).toContain("[redacted]");
    for (const token of everyToken) expect(log()).not.toContain(token);
  });
});
