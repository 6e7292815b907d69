/**
 * A route declared with its schemas (api/schemas/bodies.ts): the path parameters, body and
 * query are checked before the handler runs, which gets them parsed and typed; a request
 * that does not fit is refused with INVALID_ARGUMENT naming the field and what to send.
 * The same declaration is what api/openapi.ts writes into the API document, so a route
 * cannot be served without being documented nor documented otherwise than it is checked.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { z } from "zod";
import { invalidArgument } from "../core/errors.js";
import type { Access } from "../core/identity.js";
import { problemOf, type Part } from "./schemas/issues.js";
import type { Route, RouteAnswer, RouteRequest } from "./server.js";

/** What a route answers when it succeeds. */
export type AnswerDoc =
  | { status: 200; schema: z.ZodType; description: string }
  /** The handler answers with server.ts `accepted()`: the body fits `schema`. */
  | { status: 202; schema: z.ZodType; description: string }
  | { status: 200; contentType: string; description: string }
  | { status: 204; description: string };

/** A route as the API document describes it. */
export interface RouteDoc {
  /** The path, a `{name}` per parameter: `/v1/volumes/{name}/claims`. */
  path: string;
  summary: string;
  params?: z.ZodObject;
  body?: z.ZodType;
  query?: z.ZodObject;
  answer: AnswerDoc;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a declared route's handler gets: every part its schemas check, parsed. */
export interface CheckedRequest<P, B, Q> {
  params: Parsed<P>;
  body: Parsed<B>;
  query: Parsed<Q>;
  headers: IncomingHttpHeaders;
}

interface SpecBase<P, B, Q> extends Omit<RouteDoc, "params" | "body" | "query"> {
  method: Route["method"];
  params?: P;
  body?: B;
  query?: Q;
  handle(request: CheckedRequest<P, B, Q>): Promise<RouteAnswer> | RouteAnswer;
}

/** A route's declaration; a `node` route names the node it acts for (see Route). */
export type RouteSpec<P, B, Q> = SpecBase<P, B, Q> & (
  | { access: Exclude<Access, "node"> }
  | { access: "node"; nodeOf(request: RouteRequest): unknown }
);

/** `value` parsed by `schema`, or INVALID_ARGUMENT naming the first problem (api/schemas/issues.ts). */
export function checked<S extends z.ZodType>(schema: S, value: unknown, part: Part, root: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalidArgument(problemOf(result.error, part, root));
}

/** The query as an object, the first value of each name (URLSearchParams.get's rule). */
function firstValues(query: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of query) if (!Object.hasOwn(values, key)) values[key] = value;
  return values;
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The route a declaration describes: its pattern from the path, its handler behind the checks. */
export function route<
  P extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
>(spec: RouteSpec<P, B, Q>): Route {
  const names = [...spec.path.matchAll(/\{([^}]+)\}/g)].map((found) => found[1] ?? "");
  const pattern = new RegExp(`^${spec.path.split(/\{[^}]+\}/).map(escaped).join("([^/]+)")}$`);
  const doc: RouteDoc = {
    path: spec.path, summary: spec.summary, answer: spec.answer,
    ...(spec.params ? { params: spec.params } : {}), ...(spec.body ? { body: spec.body } : {}), ...(spec.query ? { query: spec.query } : {}),
  };
  const handle = (request: RouteRequest) => spec.handle({
    params: (spec.params ? checked(spec.params, Object.fromEntries(names.map((name, at) => [name, request.params[at]])), "path parameter", "the path") : undefined) as Parsed<P>,
    body: (spec.body ? checked(spec.body, request.body, "field", "the request body") : undefined) as Parsed<B>,
    query: (spec.query ? checked(spec.query, firstValues(request.query), "query parameter", "the query") : undefined) as Parsed<Q>,
    headers: request.headers,
  });
  const base = { method: spec.method, pattern, doc, handle };
  return spec.access === "node" ? { ...base, access: "node", nodeOf: spec.nodeOf } : { ...base, access: spec.access };
}
