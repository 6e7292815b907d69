/**
 * The plugin's Unix-socket server under hostile calls (plugin/server.ts, the real driver,
 * recording fakes). Invariants: every answer is a well-formed plugin answer (a non-empty
 * `Err`, or the verb's result), never a 5xx; the same process answers afterwards; and after
 * a storm of concurrent calls on one name, the catalog, List, the images, the mount table,
 * the mounts and the attachments agree, and unmounting and removing everything leaks none.
 */
import fc from "fast-check";
import { pluginPaths } from "../../../plugin/protocol.js";
import { hostileText, jsonLike, optionsLike, volumeNameLike } from "../arbitraries.js";
import { fuzzProperty, type FuzzProperty } from "../budget.js";
import { check, checkMessage } from "../invariants.js";
import { disagreements, startPluginHarness, type PluginHarness } from "../pluginHarness.js";
import { exchange, type RawAnswer, type RawRequest } from "../rawHttp.js";
import { bodyLike, brokenOff, chunked, requestLike } from "../requests.js";

const verbs = ["Create", "Remove", "Mount", "Unmount", "Path", "Get", "List"] as const;
type Verb = (typeof verbs)[number];

/** The result each verb answers with when it succeeds. */
const resultShapes: Readonly<Record<string, (body: Record<string, unknown>) => boolean>> = {
  "/Plugin.Activate": (b) => Array.isArray(b.Implements),
  "/VolumeDriver.Create": (b) => Object.keys(b).length === 0,
  "/VolumeDriver.Remove": (b) => Object.keys(b).length === 0,
  "/VolumeDriver.Unmount": (b) => Object.keys(b).length === 0,
  "/VolumeDriver.Mount": (b) => typeof b.Mountpoint === "string" && b.Mountpoint !== "",
  "/VolumeDriver.Path": (b) => typeof b.Mountpoint === "string",
  "/VolumeDriver.Get": (b) => typeof (b.Volume as { Name?: unknown } | undefined)?.Name === "string",
  "/VolumeDriver.List": (b) => Array.isArray(b.Volumes),
  "/VolumeDriver.Capabilities": (b) => typeof b.Capabilities === "object",
};

/** A well-formed plugin answer: JSON object; a non-empty `Err` (any status but 5xx) or the path's result (200). */
export function checkPluginAnswer(request: Pick<RawRequest, "method" | "target">, answer: RawAnswer | undefined, broken: boolean): void {
  if (answer === undefined) return check(broken, "no answer to a whole request");
  check(answer.status < 500, `status ${answer.status}: ${answer.body.slice(0, 200)}`);
  if (request.method === "HEAD") return;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    throw new Error(`status ${answer.status} with a body that is not JSON: ${JSON.stringify(answer.body.slice(0, 200))}`);
  }
  check(body !== null && typeof body === "object" && !Array.isArray(body), "answer is not a JSON object");
  const object = body as Record<string, unknown>;
  if ("Err" in object || answer.status !== 200) return checkMessage(object.Err);
  const shape = resultShapes[request.target.split("?")[0] ?? ""];
  check(shape !== undefined && shape(object), `200 ${JSON.stringify(object).slice(0, 200)} is not the result of ${request.target.slice(0, 60)}`);
}

async function checkStillServes(h: PluginHarness): Promise<void> {
  const answer = await h.call("/VolumeDriver.Capabilities", {});
  check(answer?.status === 200 && answer.body.includes("\"Scope\":\"global\""), `the server stopped answering: ${JSON.stringify(answer)}`);
}

/** Bodies mostly about one of two real names with sane options, so the verbs behind the checks run too. */
const pluginBody = bodyLike(fc.record({
  Name: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("data", "db") }, volumeNameLike, jsonLike),
  Opts: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(null, {}, { size: "20MiB" }, { size: "64MiB", fsType: "ext4" }) }, optionsLike(["size", "fsType"]), jsonLike),
  ID: fc.oneof({ weight: 3, arbitrary: fc.constantFrom("m1", "m2") }, hostileText, jsonLike),
}, { requiredKeys: [] }));
const pluginRequest = requestLike({ methods: ["POST"], target: fc.constantFrom(...pluginPaths), body: pluginBody });

/** One server for a whole property, closed after it: the point is that the same process survives every case. */
function onOneServer<T>(name: string, weight: number, arbitrary: fc.Arbitrary<T>, run: (h: PluginHarness, value: T) => Promise<void>): FuzzProperty {
  return {
    name,
    weight,
    check: async (parameters) => {
      const h = await startPluginHarness();
      try {
        return (await fc.check(fc.asyncProperty(arbitrary, (value) => run(h, value)), parameters as fc.Parameters<[T]>)) as fc.RunDetails<unknown>;
      } finally {
        await h.close();
      }
    },
  };
}

/** One call of a storm: a verb on one of a few names, with one of a few mount IDs. */
export const stormCall = fc.record({
  verb: fc.constantFrom(...verbs),
  name: fc.constantFrom("data", "data", "db", "x/../y"),
  id: fc.constantFrom("m1", "m2", "m3"),
  opts: fc.constantFrom(null, { size: "20MiB" }, { size: "32MiB" }, { size: "1MiB" }, { fsType: "ntfs" }),
});

export function stormBody(call: { verb: Verb; name: string; id: string; opts: unknown }): Record<string, unknown> {
  if (call.verb === "List") return {};
  if (call.verb === "Create") return { Name: call.name, Opts: call.opts };
  return call.verb === "Mount" || call.verb === "Unmount" ? { Name: call.name, ID: call.id } : { Name: call.name };
}

/** Unmounts every mount the table holds, then removes every volume: afterwards nothing may be left. */
async function drain(h: PluginHarness): Promise<void> {
  for (const [name, entry] of h.mounts.list()) {
    for (const id of entry.ids) checkPluginAnswer({ method: "POST", target: "/VolumeDriver.Unmount" }, await h.call("/VolumeDriver.Unmount", { Name: name, ID: id }), false);
  }
  for (const record of h.catalog.list()) {
    const answer = await h.call("/VolumeDriver.Remove", { Name: record.spec.name });
    check(answer?.body === "{}", `Remove after unmounting everything: ${answer?.body}`);
  }
  const left = [...h.node.devices.keys(), ...h.node.mounted.keys(), ...h.attached, ...h.catalog.list().map((r) => r.spec.name)];
  check(left.length === 0, `left behind after draining: ${JSON.stringify(left)}`);
}

export const pluginSurfaceProperties: FuzzProperty[] = [
  onOneServer("plugin socket: any request gets a well-formed answer, and the server answers after it", 0.3, pluginRequest, async (h, request) => {
    checkPluginAnswer(request, await exchange({ socketPath: h.socketPath }, request), brokenOff(request));
    await checkStillServes(h);
  }),
  onOneServer("plugin socket: a body over 1 MiB gets 413 with an Err", 0.02,
    fc.record({ extra: fc.integer({ min: 1, max: 256 * 1024 }), chunks: fc.boolean(), path: fc.constantFrom(...pluginPaths) }),
    async (h, { extra, chunks, path }) => {
      const body = Buffer.alloc(1024 * 1024 + extra, 0x20);
      const request: RawRequest = chunks
        ? { method: "POST", target: path, headers: { "Transfer-Encoding": "chunked" }, body: chunked(body, 64 * 1024), delivery: "whole" }
        : { method: "POST", target: path, headers: { "Content-Length": String(body.length) }, body, delivery: "whole" };
      const answer = await exchange({ socketPath: h.socketPath }, request);
      check(answer?.status === 413, `status ${answer?.status} for ${body.length} bytes`);
      checkPluginAnswer(request, answer, false);
      await checkStillServes(h);
    }),
  fuzzProperty("plugin socket: a storm on one name keeps catalog, List, images, mounts and attachments in agreement", 0.1, () =>
    fc.asyncProperty(fc.array(stormCall, { minLength: 1, maxLength: 40 }), async (calls) => {
      const h = await startPluginHarness();
      try {
        const answers = await Promise.all(calls.map((call) => h.call(`/VolumeDriver.${call.verb}`, stormBody(call))));
        answers.forEach((answer, index) => checkPluginAnswer({ method: "POST", target: `/VolumeDriver.${calls[index]?.verb}` }, answer, false));
        const problems = await disagreements(h);
        check(problems.length === 0, problems.join("; "));
        await drain(h);
      } finally {
        await h.close();
      }
    })),
];
