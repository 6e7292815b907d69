/**
 * The controller's HTTP API under hostile requests over a real loopback socket. Invariants:
 * every answer is a JSON error body `{"error":{code,message}}` with a 4xx status matching
 * its code (never a 500 for bad input), or a correct result; the same server answers health
 * afterwards; after a storm of concurrent calls on one name, the API lists what the catalog
 * holds.
 */
import fc from "fast-check";
import { apiPaths } from "../../../api/contract.js";
import { httpStatusOf } from "../../../api/httpStatus.js";
import { ErrorCode } from "../../../core/errors.js";
import { hostileText, jsonLike, longText, optionsLike, volumeNameLike } from "../arbitraries.js";
import { apiToken, startApiHarness, type ApiHarness } from "../apiHarness.js";
import { fuzzProperty, type FuzzProperty } from "../budget.js";
import { check, checkMessage } from "../invariants.js";
import type { RawAnswer, RawRequest } from "../rawHttp.js";
import { bodyLike, brokenOff, chunked, requestLike } from "../requests.js";

const codes = new Set<string>(Object.values(ErrorCode));

/** A well-formed API answer: a 2xx result, or the contract's error body with its code's status. */
export function checkApiAnswer(request: Pick<RawRequest, "method">, answer: RawAnswer | undefined, broken: boolean): void {
  if (answer === undefined) return check(broken, "no answer to a whole request");
  check(answer.status < 500, `status ${answer.status}: ${answer.body.slice(0, 200)}`);
  if (request.method === "HEAD" || answer.status === 204) return check(request.method === "HEAD" || answer.body === "", "a 204 with a body");
  if (answer.status < 300 && answer.headers["content-type"]?.startsWith("text/plain")) return;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    throw new Error(`status ${answer.status} with a body that is not JSON: ${JSON.stringify(answer.body.slice(0, 200))}`);
  }
  if (answer.status < 300) return;
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  check(typeof error?.code === "string" && codes.has(error.code), `status ${answer.status} without an error code: ${answer.body.slice(0, 200)}`);
  checkMessage(error?.message);
  const code = error?.code as ErrorCode;
  const edge = code === ErrorCode.InvalidArgument && [408, 413, 431].includes(answer.status);
  check(edge || httpStatusOf[code] === answer.status, `status ${answer.status} for code ${code}`);
}

/** Percent-encoded like the agents' client does; a lone surrogate (which encodeURIComponent refuses) goes raw. */
const encoded = (text: string) => {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
};
const nameInPath = fc.oneof(volumeNameLike.map(encoded), volumeNameLike, hostileText);
const apiTarget = fc.oneof(
  fc.constantFrom(apiPaths.health, apiPaths.metrics, apiPaths.volumes, apiPaths.nodes),
  fc.tuple(fc.constantFrom(apiPaths.volume, apiPaths.formatted, apiPaths.claim, apiPaths.release, apiPaths.wanted), nameInPath)
    .map(([path, name]) => path("NAME").replace("NAME", name)),
  fc.tuple(fc.constantFrom(apiPaths.heartbeat, apiPaths.fence, apiPaths.unfence), nameInPath).map(([path, node]) => path("NODE").replace("NODE", node)),
);
const apiBody = bodyLike(fc.record({
  name: fc.oneof({ weight: 3, arbitrary: fc.constant("db") }, volumeNameLike, jsonLike),
  options: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(null, { size: "2" }, { type: "io2", iops: "400", size: "8" }) }, optionsLike(["size", "type", "iops", "throughput", "encrypted", "kmsKeyId", "fsType", "snapshot", "zone"]), jsonLike),
  nodeId: fc.oneof({ weight: 3, arbitrary: fc.constant("n1") }, volumeNameLike, jsonLike), waitMs: fc.oneof(fc.integer({ min: -10, max: 5000 }), fc.double(), jsonLike),
  hostname: fc.oneof(hostileText, jsonLike), instanceId: fc.oneof(hostileText, jsonLike), zone: fc.oneof(hostileText, jsonLike),
  mounts: fc.oneof(fc.array(fc.record({ volume: fc.oneof(volumeNameLike, jsonLike), epoch: fc.oneof(fc.nat(), jsonLike) }), { maxLength: 3 }), jsonLike),
}, { requiredKeys: [] }));
const authorization = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ Authorization: `Bearer ${apiToken}` }) },
  { weight: 1, arbitrary: fc.oneof(fc.constant({}), fc.constantFrom("bearer fuzz-token", "Bearer", "Bearer  fuzz-token", "Basic Zm9v", `Bearer ${"x".repeat(5000)}`, "Bearer fuzz-tokeN")
    .map((value) => ({ Authorization: value })), longText.map((value) => ({ Authorization: `Bearer ${value.replace(/[\r\n]/g, "x")}` }))) },
);
/** Method and path of a real route, most of the time, so the handlers behind routing run too. */
const realRoute = fc.oneof(
  fc.constantFrom(["GET", apiPaths.health], ["GET", apiPaths.metrics], ["GET", apiPaths.volumes], ["POST", apiPaths.volumes], ["GET", apiPaths.nodes]),
  fc.tuple(fc.constantFrom<[string, (name: string) => string]>(["GET", apiPaths.volume], ["DELETE", apiPaths.volume], ["POST", apiPaths.formatted],
    ["POST", apiPaths.claim], ["POST", apiPaths.release], ["POST", apiPaths.wanted], ["POST", apiPaths.heartbeat], ["POST", apiPaths.fence], ["POST", apiPaths.unfence]),
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom("db", "n1") }, volumeNameLike)).map(([[method, path], name]) => [method, path("NAME").replace("NAME", encoded(name))]),
).map(([method, target]) => ({ method: method as string, target: target as string }));
const apiRequest = fc.tuple(requestLike({ methods: ["GET", "POST", "DELETE"], target: apiTarget, body: apiBody, headers: authorization }), fc.option(realRoute, { freq: 4 }))
  .map(([request, route]) => (route === null ? request : { ...request, ...route }));

async function checkHealthy(h: ApiHarness): Promise<void> {
  const answer = await h.call("GET", apiPaths.health);
  check(answer?.status === 200 && answer.body.includes("\"status\":\"ok\""), `health stopped answering: ${JSON.stringify(answer)}`);
}

/** One server for a whole property, closed after it: the same process must survive every case. */
function onOneServer<T>(name: string, weight: number, arbitrary: fc.Arbitrary<T>, run: (h: ApiHarness, value: T) => Promise<void>): FuzzProperty {
  return {
    name,
    weight,
    check: async (parameters) => {
      const h = await startApiHarness();
      try {
        return (await fc.check(fc.asyncProperty(arbitrary, (value) => run(h, value)), parameters as fc.Parameters<[T]>)) as fc.RunDetails<unknown>;
      } finally {
        await h.close();
      }
    },
  };
}

const stormCall = fc.record({
  op: fc.constantFrom("create", "delete", "get", "list", "claim", "release", "wanted", "formatted", "heartbeat", "fence", "unfence"),
  node: fc.constantFrom("n1", "n2"),
  options: fc.constantFrom(null, { size: "2" }, { size: "3" }, { type: "io2" }, { type: "gp3", iops: "4000" }),
  mounted: fc.boolean(),
  waitMs: fc.constantFrom(0, 10, 5000),
});

type StormCall = { op: string; node: string; options: unknown; mounted: boolean; waitMs: number };

function stormRequest(name: string, call: StormCall): [string, string, unknown] {
  switch (call.op) {
    case "create": return ["POST", apiPaths.volumes, { name, options: call.options }];
    case "delete": return ["DELETE", apiPaths.volume(name), undefined];
    case "get": return ["GET", apiPaths.volume(name), undefined];
    case "list": return ["GET", apiPaths.volumes, undefined];
    case "claim": return ["POST", apiPaths.claim(name), { nodeId: call.node, waitMs: call.waitMs }];
    case "release": return ["POST", apiPaths.release(name), { nodeId: call.node }];
    case "wanted": return ["POST", apiPaths.wanted(name), { nodeId: call.node }];
    case "formatted": return ["POST", apiPaths.formatted(name), {}];
    case "heartbeat": return ["POST", apiPaths.heartbeat(call.node), { hostname: call.node, instanceId: `i-${call.node}`, zone: "z1", mounts: call.mounted ? [{ volume: name, epoch: 0 }] : [] }];
    default: return ["POST", call.op === "fence" ? apiPaths.fence(call.node) : apiPaths.unfence(call.node), {}];
  }
}

export const apiSurfaceProperties: FuzzProperty[] = [
  onOneServer("API: any request gets a JSON error with its code's 4xx status or a result, and health answers after it", 0.3, apiRequest, async (h, request) => {
    checkApiAnswer(request, await h.send(request), brokenOff(request));
    await checkHealthy(h);
  }),
  onOneServer("API: a body over 1 MiB gets 413", 0.02, fc.record({ extra: fc.integer({ min: 1, max: 256 * 1024 }), chunks: fc.boolean() }), async (h, { extra, chunks }) => {
    const body = Buffer.alloc(1024 * 1024 + extra, 0x20);
    const headers = { Authorization: `Bearer ${apiToken}`, ...(chunks ? { "Transfer-Encoding": "chunked" } : { "Content-Length": String(body.length) }) };
    const request: RawRequest = { method: "POST", target: apiPaths.volumes, headers, body: chunks ? chunked(body, 64 * 1024) : body, delivery: "whole" };
    const answer = await h.send(request);
    check(answer?.status === 413, `status ${answer?.status} for ${body.length} bytes`);
    checkApiAnswer(request, answer, false);
    await checkHealthy(h);
  }),
  fuzzProperty("API: a storm on one name answers well and lists what the catalog holds", 0.1, () =>
    fc.asyncProperty(fc.constantFrom("db", "jenkins_home"), fc.array(stormCall, { minLength: 1, maxLength: 40 }), async (name, calls) => {
      const h = await startApiHarness();
      try {
        const answers = await Promise.all(calls.map((call) => h.call(...stormRequest(name, call))));
        answers.forEach((answer, index) => checkApiAnswer({ method: stormRequest(name, calls[index] as StormCall)[0] }, answer, false));
        const listed = JSON.parse((await h.call("GET", apiPaths.volumes))?.body ?? "{}") as { volumes: unknown[] };
        check(JSON.stringify(listed.volumes) === JSON.stringify(h.catalog.list()), "the API lists something else than the catalog holds");
        const one = await h.call("GET", apiPaths.volume(name));
        check((one?.status === 200) === (h.catalog.get(name) !== undefined), `GET ${name} answered ${one?.status}`);
      } finally {
        await h.close();
      }
    })),
];
