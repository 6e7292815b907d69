import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Credentials, issueNodeToken } from "../../api/credentials.js";
import { controllerRoutes, readRoutes } from "../../api/routes.js";
import { ApiServer } from "../../api/server.js";
import { ClaimBook } from "../../controller/claims.js";
import { GrantWaiters } from "../../controller/grantWaiters.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { VolumeService } from "../../controller/volumeService.js";
import { ErrorCode, isSwarmvolError } from "../../core/errors.js";
import { PromControllerMetrics } from "../../controller/metrics.js";
import { silentLogger } from "../../core/ports.js";
import { ControllerClient } from "../../api/client/apiClient.js";
import { OperatorClient } from "../../api/client/operatorClient.js";
import { LocalBackend } from "../../storage/local/localBackend.js";
import { operatorCommand } from "../../cli/operatorCommands.js";
import { FakeClock } from "../fakes/clock.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { SteppedClock } from "../fakes/steppedClock.js";

/**
 * Issue 13, "Done when 3": one agent's credentials cannot heartbeat, claim, report or fence
 * as another node. The real ApiServer on a loopback socket, the real routes, volume service
 * and node registry over fakes; two node tokens (n1, n2) and the operator's secret.
 */
const secret = "the-controllers-secret";
const tokens = { n1: issueNodeToken(secret, "n1"), n2: issueNodeToken(secret, "n2"), operator: secret };
const beat = (hostname: string, mounts: Array<{ volume: string; epoch: number }> = []) => ({ hostname, instanceId: `i-${hostname}`, zone: "z1", mounts });

let server: ApiServer;
let base: string;
let catalog: MemoryCatalog;
let registry: NodeRegistry;
let claims: ClaimBook;
let enqueued: string[];

beforeEach(async () => {
  const clock = new FakeClock();
  catalog = new MemoryCatalog();
  registry = new NodeRegistry(clock, 10_000);
  claims = new ClaimBook(clock, 5_000);
  enqueued = [];
  let uid = 0;
  const metrics = new PromControllerMetrics({ defaultMetrics: false });
  const spec = new LocalBackend("/unused", { run: async () => ({ code: 0, stdout: "", stderr: "" }) });
  const service = new VolumeService({
    catalog, cloud: new FakeCloud(), journal: new MemoryJournal(), registry, claims, clock, logger: silentLogger, metrics,
    buildSpec: (name, options) => ({ ...spec.buildSpec(name, options), backend: "ebs" }),
    wantsOf: (name) => claims.wants(name, () => false), enqueue: (name) => enqueued.push(name), newUid: () => `u${++uid}`,
    grants: new GrantWaiters(new SteppedClock()),
  });
  const routes = [
    ...readRoutes({ catalog, metrics: metrics.exposition, health: () => ({ mode: "controller", role: "leader" }) }),
    ...controllerRoutes({
      volumes: () => service,
      nodes: () => ({ fence: (id) => registry.fence(id), unfence: (id) => registry.unfence(id), nodeViews: () => registry.views([]) }),
    }),
  ];
  server = new ApiServer({ routes, logger: silentLogger, credentials: new Credentials(secret) });
  base = `http://127.0.0.1:${await server.listen("127.0.0.1", 0)}`;
  await call("POST", "/v1/volumes", { name: "db", options: null }, `Bearer ${tokens.n1}`);
  enqueued.length = 0;
});
afterEach(async () => server.close());

/** One request with exactly this Authorization header (none when undefined). */
async function call(method: string, path: string, body: unknown, authorization: string | undefined) {
  const headers: Record<string, string> = { "content-type": "application/json", ...(authorization === undefined ? {} : { authorization }) };
  const response = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const parsed = text === "" ? undefined : (JSON.parse(text) as { error?: { code: string; message: string } });
  return { status: response.status, code: parsed?.error?.code, message: parsed?.error?.message ?? "", body: parsed };
}
const as = (who: keyof typeof tokens) => `Bearer ${tokens[who]}`;

/** Every node-scoped call, made for node `target`. */
const nodeCalls = (target: string): Array<[string, string, string, unknown]> => [
  ["heartbeat", "POST", `/v1/nodes/${target}/heartbeat`, beat(target, [{ volume: "db", epoch: 0 }])],
  ["claim", "POST", "/v1/volumes/db/claims", { nodeId: target }],
  ["wanted", "POST", "/v1/volumes/db/wanted", { nodeId: target }],
  ["release", "POST", "/v1/volumes/db/release", { nodeId: target }],
];

describe("per-node identity over the real API", () => {
  it.each(nodeCalls("n2"))("n1's token cannot %s as n2: 403 naming the fix, and nothing recorded for n2", async (_what, method, path, body) => {
    const answer = await call(method, path, body, as("n1"));
    expect([answer.status, answer.code]).toEqual([403, "PERMISSION_DENIED"]);
    expect(answer.message).toMatch(/belongs to node n1 .* not for node n2.*`swarmvol token node n2 --out FILE`/);
    expect(answer.message).not.toContain(tokens.n1);
    expect(registry.lease("n2")).toBeUndefined();
    expect(claims.wants("db", () => false)).toEqual([]);
    expect(enqueued).toEqual([]);
  });

  it.each(nodeCalls("n2"))("n2's own token may %s", async (_what, method, path, body) => {
    expect((await call(method, path, body, as("n2"))).status).toBeLessThan(300);
  });

  it.each(nodeCalls("n1"))("the operator's secret cannot %s as a node (no node needs the secret)", async (_what, method, path, body) => {
    const answer = await call(method, path, body, as("operator"));
    expect([answer.status, answer.code]).toEqual([403, "PERMISSION_DENIED"]);
    expect(answer.message).toMatch(/operator's token is refused here.*`swarmvol token node n1 --out FILE`/);
    expect(registry.lease("n1")).toBeUndefined();
  });

  it("no node token may fence or unfence, not even its own node, nor list nodes; the operator may", async () => {
    for (const path of ["/v1/nodes/n2/fence", "/v1/nodes/n1/fence", "/v1/nodes/n2/unfence"]) {
      const answer = await call("POST", path, {}, as("n1"));
      expect([path, answer.status, answer.code]).toEqual([path, 403, "PERMISSION_DENIED"]);
      expect(answer.message).toMatch(/may not make operator calls/);
    }
    expect((await call("GET", "/v1/nodes", undefined, as("n2"))).status).toBe(403);
    expect(registry.view("n2", undefined)).toBeUndefined();
    await call("POST", "/v1/nodes/n2/heartbeat", beat("n2"), as("n2"));
    expect((await call("POST", "/v1/nodes/n2/fence", {}, as("operator"))).status).toBe(204);
    expect(registry.view("n2", undefined)?.operatorFenced).toBe(true);
    expect((await call("POST", "/v1/nodes/n2/unfence", {}, as("n2"))).status).toBe(403);
    expect(registry.view("n2", undefined)?.operatorFenced).toBe(true);
  });

  it("both kinds of token read and create volumes", async () => {
    for (const who of ["n1", "n2", "operator"] as const) {
      expect((await call("GET", "/v1/volumes/db", undefined, as(who))).status).toBe(200);
      expect((await call("POST", "/v1/volumes", { name: `v-${who}`, options: null }, as(who))).status).toBe(200);
    }
  });

  it("401 for a bare token, another scheme, or any malformed or forged svn1 token", async () => {
    const [, , mac = ""] = tokens.n1.split(".");
    const [, , macOfN2 = ""] = tokens.n2.split(".");
    const refused = [
      tokens.n1, `Basic ${tokens.n1}`, "Bearer", "Bearer ", `Bearer  ${tokens.n1}`, `Bearer ${tokens.n1}x`,
      "Bearer svn1.", "Bearer svn1.n1", "Bearer svn1.n1.", `Bearer svn1.n1.${mac.slice(1)}`, `Bearer svn1.n1.${mac}=`,
      `Bearer svn1.n2.${mac}`, `Bearer svn1.n1.${macOfN2}`, `Bearer svn2.n1.${mac}`, `Bearer svn1.n1.${mac}.n1`,
      `Bearer ${issueNodeToken("another-secret", "n1")}`, `Bearer ${secret}x`,
    ];
    for (const authorization of [undefined, ...refused]) {
      const answer = await call("POST", "/v1/nodes/n1/heartbeat", beat("n1"), authorization);
      expect([authorization, answer.status, answer.code]).toEqual([authorization, 401, "UNAUTHENTICATED"]);
      expect(answer.message).toMatch(/`swarmvol token node NODE_ID`.*SWARMVOL_TOKEN_FILE/);
    }
    expect(registry.lease("n1")).toBeUndefined();
    expect((await call("POST", "/v1/nodes/n1/heartbeat", beat("n1"), `bearer ${tokens.n1}`)).status).toBe(200);
  });

  it("the agent's and the operator's own clients get the controller's PERMISSION_DENIED, and the CLI exits 10", async () => {
    const agent = new ControllerClient({ baseUrl: base, token: tokens.n1 });
    await agent.heartbeat("n1", beat("n1"));
    const other = await agent.heartbeat("n2", beat("n2")).then(() => undefined, (err: unknown) => err);
    expect(isSwarmvolError(other, ErrorCode.PermissionDenied)).toBe(true);
    const stolen = new OperatorClient({ baseUrl: base, token: tokens.n1 });
    expect(isSwarmvolError(await stolen.fence("n2").then(() => undefined, (err: unknown) => err), ErrorCode.PermissionDenied)).toBe(true);
    const err: string[] = [];
    const io = { env: { SWARMVOL_TOKEN: tokens.n1, SWARMVOL_CONTROLLER: base }, out: () => undefined, err: (text: string) => void err.push(text), now: () => 0 };
    expect(await operatorCommand("nodes", [], io)).toBe(10);
    expect(err.join("")).toMatch(/may not make operator calls/);
    expect(err.join("")).not.toContain(tokens.n1);
  });
});
