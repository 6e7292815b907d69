import { afterEach, describe, expect, it } from "vitest";
import type { z } from "zod";
import { silentLogger } from "../core/ports.js";
import { apiPaths } from "./contract.js";
import { Credentials } from "./credentials.js";
import { eventRoutes } from "./eventRoutes.js";
import type { EventStreams } from "./eventStream.js";
import { moveRoutes } from "./moveRoutes.js";
import { resizeRoutes } from "./resizeRoutes.js";
import { openApiDocument, withOpenApi, type OpenApiDocument } from "./openapi.js";
import { controllerRoutes, readRoutes } from "./routes.js";
import * as bodies from "./schemas/bodies.js";
import * as moves from "./schemas/moves.js";
import * as records from "./schemas/records.js";
import * as resize from "./schemas/resize.js";
import { ApiServer, type Route } from "./server.js";

const never = () => {
  throw new Error("not called");
};

/** Every route a controller replica serves, over operations that are never called. */
function allRoutes(): Route[] {
  return withOpenApi([
    ...readRoutes({ catalog: { get: never, list: never }, metrics: { contentType: "text/plain", render: never }, health: () => ({ mode: "controller" }) }),
    ...controllerRoutes({ volumes: never, nodes: never }),
    ...eventRoutes({ read: never } as never, {} as EventStreams),
    ...moveRoutes(never),
    ...resizeRoutes(never),
  ]);
}

/** The contract's routes (api/contract.ts, docs/api.md), written out so a route dropped from the table fails here. */
const contract = [
  "GET /v1/health", "GET /healthz", "GET /readyz", "GET /metrics", "GET /v1/openapi.json", "GET /v1/volumes", "GET /v1/volumes/{name}", "POST /v1/volumes",
  "DELETE /v1/volumes/{name}", "POST /v1/volumes/{name}/formatted", "POST /v1/volumes/{name}/claims", "POST /v1/volumes/{name}/wanted",
  "POST /v1/volumes/{name}/release", "POST /v1/nodes/{nodeId}/heartbeat", "POST /v1/nodes/{nodeId}/fence", "POST /v1/nodes/{nodeId}/unfence",
  "GET /v1/nodes", "GET /v1/events", "GET /v1/events/stream", "POST /v1/volumes/{name}/move", "GET /v1/volumes/{name}/move",
  "POST /v1/volumes/{name}/resize", "GET /v1/volumes/{name}/resize",
];

const operations = (doc: OpenApiDocument) =>
  Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));

/** Every `$ref` in the document, and whether it points at something in it. */
function references(doc: unknown): Array<{ ref: string; resolves: boolean }> {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) {
        if (key === "$ref" && typeof value === "string") found.push(value);
        else walk(value);
      }
    }
  };
  walk(doc);
  const at = (ref: string) => ref.slice(2).split("/").reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
  return found.map((ref) => ({ ref, resolves: ref.startsWith("#/") && at(ref) !== undefined }));
}

/** The schema api/openapi.ts names `id`. */
function schemaNamed(id: string): z.ZodType | undefined {
  const entry = Object.entries({ ...records, ...bodies, ...moves, ...resize }).find(([name]) => `${name.charAt(0).toUpperCase()}${name.slice(1)}` === id);
  return entry?.[1] as z.ZodType | undefined;
}

let server: ApiServer | undefined;
afterEach(async () => server?.close());

describe("the OpenAPI document", () => {
  it("has every route of the contract with its method, and nothing else", () => {
    expect(operations(openApiDocument(allRoutes())).sort()).toEqual([...contract].sort());
  });

  it("documents each route under the path it serves, and the client's paths (apiPaths) are documented ones", () => {
    const fill = (path: string) => path.replace(/\{[^}]+\}/g, "x1");
    for (const entry of allRoutes()) expect([entry.doc.path, entry.pattern.test(fill(entry.doc.path))]).toEqual([entry.doc.path, true]);
    const templates = allRoutes().map((entry) => entry.pattern);
    for (const [name, path] of Object.entries(apiPaths)) {
      const concrete = typeof path === "string" ? path : path("x1");
      expect([name, templates.some((pattern) => pattern.test(concrete))]).toEqual([name, true]);
    }
  });

  it("needs a token on every route but health, metrics and itself", () => {
    const doc = openApiDocument(allRoutes());
    const open = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods)
      .filter(([, operation]) => (operation.security as unknown[]).length === 0).map(([method]) => `${method.toUpperCase()} ${path}`));
    expect(open.sort()).toEqual(["GET /healthz", "GET /metrics", "GET /readyz", "GET /v1/health", "GET /v1/openapi.json"]);
  });

  it("is served at GET /v1/openapi.json without a token: valid JSON, OpenAPI 3.1.0, every $ref resolving", async () => {
    server = new ApiServer({ routes: allRoutes(), logger: silentLogger, credentials: new Credentials("s3cret") });
    const port = await server.listen("127.0.0.1", 0);
    const response = await fetch(`http://127.0.0.1:${port}${apiPaths.openapi}`);
    expect([response.status, response.headers.get("content-type")]).toEqual([200, "application/json"]);
    const doc = JSON.parse(await response.text()) as OpenApiDocument;
    expect(doc.openapi).toBe("3.1.0");
    expect(operations(doc)).toContain("POST /v1/volumes/{name}/claims");
    const refs = references(doc);
    expect(refs.length).toBeGreaterThan(20);
    expect(refs.filter((entry) => !entry.resolves)).toEqual([]);
  });

  it("says what a request must hold: required fields, limits and the path parameters' rules", () => {
    const doc = openApiDocument(allRoutes());
    const heartbeat = doc.components.schemas.HeartbeatRequest as { required: string[]; properties: { mounts: { maxItems: number } } };
    expect([heartbeat.required, heartbeat.properties.mounts.maxItems]).toEqual([["hostname", "instanceId", "zone"], bodies.maxReportedMounts]);
    const claims = doc.paths["/v1/volumes/{name}/claims"]?.post as { parameters: Array<{ name: string; in: string; schema: { pattern: string } }> };
    expect(claims.parameters.map(({ name, in: where }) => `${where}:${name}`)).toEqual(["path:name"]);
    expect(new RegExp(claims.parameters[0]?.schema.pattern ?? "").test("jenkins_home")).toBe(true);
    const events = doc.paths["/v1/events"]?.get as { parameters: Array<{ name: string; in: string }> };
    expect(events.parameters.map(({ name, in: where }) => `${where}:${name}`)).toEqual(["query:since", "query:sinceTime", "query:volume", "query:limit"]);
  });

  it("carries request and answer examples that round-trip through their schemas", () => {
    const doc = openApiDocument(allRoutes());
    const examples = Object.entries(doc.components.schemas).flatMap(([id, json]) => ((json.examples as unknown[] | undefined) ?? []).map((example) => ({ id, example })));
    expect(examples.map(({ id }) => id)).toEqual(expect.arrayContaining(["CreateVolumeRequest", "ClaimRequest", "ClaimResponse", "HeartbeatRequest", "VolumeRecord", "SwarmvolEvent", "ErrorBody", "ResizeRequest", "ResizeResponse"]));
    for (const { id, example } of examples) {
      const schema = schemaNamed(id);
      const parsed = schema?.safeParse(JSON.parse(JSON.stringify(example)));
      expect({ id, ok: parsed?.success, error: parsed?.error?.issues[0] }).toEqual({ id, ok: true, error: undefined });
      expect({ id, value: JSON.parse(JSON.stringify(parsed?.data)) }).toEqual({ id, value: example });
    }
  });
});
