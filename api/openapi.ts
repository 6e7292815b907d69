/**
 * The API document, generated: OpenAPI 3.1 from the route table (api/route.ts declarations)
 * and the schemas the server checks requests with (api/schemas/), through zod's own
 * `z.toJSONSchema`. Nothing is written by hand, so the document cannot drift from what the
 * server accepts and answers. Served at `GET /v1/openapi.json` without a token.
 *
 * Every schema api/schemas/ exports is a named component (`createVolumeRequest` →
 * `#/components/schemas/CreateVolumeRequest`); path and query schemas become parameters.
 */
import { z } from "zod";
import { apiPaths } from "./contract.js";
import { route, type RouteDoc } from "./route.js";
import * as bodies from "./schemas/bodies.js";
import * as moves from "./schemas/moves.js";
import * as records from "./schemas/records.js";
import * as resize from "./schemas/resize.js";
import type { Route } from "./server.js";

type Json = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json>; responses: Record<string, Json>; securitySchemes: Record<string, Json> };
}

const conversion = { io: "input", unrepresentable: "any" } as const;
const reference = (id: string) => `#/components/schemas/${id}`;

/** The exported schemas with their component names; path and query objects are expanded into parameters instead. */
function components(): Map<z.ZodType, string> {
  const named = new Map<z.ZodType, string>();
  for (const [name, value] of Object.entries({ ...records, ...bodies, ...moves, ...resize })) {
    if (!(value instanceof z.ZodType) || /(Params|Query)$/.test(name)) continue;
    named.set(value, `${name.charAt(0).toUpperCase()}${name.slice(1)}`);
  }
  return named;
}

/** A JSON Schema without the keys that belong to a document of its own. */
function embedded(schema: Json): Json {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/** The path and query parameters of a route, one per field of its schemas. */
function parameters(doc: RouteDoc): Json[] {
  const of = (schema: z.ZodObject | undefined, where: "path" | "query") => Object.entries(schema?.shape ?? {}).map(([name, field]) => {
    const json = embedded(z.toJSONSchema(field as z.ZodType, conversion) as Json);
    const { description, ...rest } = json;
    return { name, in: where, required: where === "path", ...(description === undefined ? {} : { description }), schema: rest };
  });
  return [...of(doc.params, "path"), ...of(doc.query, "query")];
}

const errorAnswer = (description: string) => ({ description, content: { "application/json": { schema: { $ref: reference("ErrorBody") } } } });

/** The error answers routes share, by the status that names them. */
const errorAnswers = {
  InvalidArgument: errorAnswer("INVALID_ARGUMENT: the message names the field and what to send instead"),
  Unauthenticated: errorAnswer("UNAUTHENTICATED: no token, or not one the controllers issued"),
  PermissionDenied: errorAnswer("PERMISSION_DENIED: this token may not make this call (another node's, or not the operator's)"),
  Unavailable: errorAnswer("UNAVAILABLE: a standby; the error's `leader` and the X-Swarmvol-Leader header name the leader"),
  Error: errorAnswer("another error: its status follows from its stable code (docs/api.md)"),
};
const shared = (name: keyof typeof errorAnswers) => ({ $ref: `#/components/responses/${name}` });

/** The answers a route may give: its own, and the errors of its access and its checks. */
function responses(route: Route, content: (schema: z.ZodType) => Json): Json {
  const { answer } = route.doc;
  const success = answer.status === 204 ? { description: answer.description }
    : "schema" in answer ? { description: answer.description, content: { "application/json": { schema: content(answer.schema) } } }
      : { description: answer.description, content: { [answer.contentType]: { schema: { type: "string" } } } };
  const checked = route.doc.params !== undefined || route.doc.body !== undefined || route.doc.query !== undefined;
  return {
    [String(answer.status)]: success,
    ...(checked ? { 400: shared("InvalidArgument") } : {}),
    ...(route.access === "public" ? {} : { 401: shared("Unauthenticated") }),
    ...(route.access === "node" || route.access === "operator" ? { 403: shared("PermissionDenied") } : {}),
    ...(route.access === "public" ? {} : { 503: shared("Unavailable") }),
    default: shared("Error"),
  };
}

/** `POST /v1/volumes/{name}/claims` → `postVolumesNameClaims`. */
function operationId(method: string, path: string): string {
  const words = path.replace(/[{}]/g, "").split(/[/._-]/).filter((part) => part !== "" && part !== "v1");
  return `${method.toLowerCase()}${words.map((word) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`).join("")}`;
}

/** The OpenAPI 3.1 document of these routes. */
export function openApiDocument(routes: readonly Route[]): OpenApiDocument {
  const named = components();
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of named) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, { ...conversion, uri: reference }).schemas as Record<string, Json>;
  const schemas = Object.fromEntries(Object.entries(generated).map(([id, schema]) => [id, embedded(schema)]));
  const content = (schema: z.ZodType): Json => {
    const id = named.get(schema);
    return id === undefined ? embedded(z.toJSONSchema(schema, conversion) as Json) : { $ref: reference(id) };
  };
  const paths: OpenApiDocument["paths"] = {};
  for (const entry of routes) {
    const { doc } = entry;
    const inputs = parameters(doc);
    const operation: Json = {
      operationId: operationId(entry.method, doc.path),
      summary: doc.summary,
      "x-swarmvol-access": entry.access,
      security: entry.access === "public" ? [] : [{ bearer: [] }],
      ...(inputs.length > 0 ? { parameters: inputs } : {}),
      ...(doc.body === undefined ? {} : { requestBody: { required: true, content: { "application/json": { schema: content(doc.body) } } } }),
      responses: responses(entry, content),
    };
    paths[doc.path] = { ...paths[doc.path], [entry.method.toLowerCase()]: operation };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "swarmvol controller API", version: "1",
      description: "What agents and the swarmvol CLI use; generated from the schemas the server checks requests with (docs/api.md).",
    },
    paths,
    components: { schemas, responses: errorAnswers, securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "a node's token (`swarmvol token node NODE_ID`) or the controllers' secret" } } },
  };
}

/** `GET /v1/openapi.json` documenting `routes` and itself; public, like health. */
export function withOpenApi(routes: readonly Route[]): Route[] {
  let document: OpenApiDocument | undefined;
  const served: Route[] = [...routes];
  served.push(route({
    method: "GET", path: apiPaths.openapi, access: "public", summary: "This document: OpenAPI 3.1, generated from the route table and its schemas",
    answer: { status: 200, contentType: "application/json", description: "the OpenAPI document" },
    handle: () => (document ??= openApiDocument(served)),
  }));
  return served;
}
