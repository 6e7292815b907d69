/**
 * Reading EFS REST-JSON requests: the JSON body of a POST, the query string of a GET, the
 * id in the path. Every reader validates and throws the BadRequest EFS would send.
 */
import type { Tags } from "../types.js";
import { efsErrors } from "./efsError.js";

export type Body = Readonly<Record<string, unknown>>;

/** One parsed EFS request: its path id (`/file-systems/{id}`), query and body. */
export interface EfsRequest {
  pathId?: string;
  query: URLSearchParams;
  body: Body;
}

export function parseBody(text: string): Body {
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw efsErrors.badRequest("The request body is not valid JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw efsErrors.badRequest("The request body must be a JSON object.");
  return parsed as Body;
}

export function optionalString(body: Body, key: string, max = 1024): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw efsErrors.badRequest(`${key} must be a string.`);
  if (v.length > max) throw efsErrors.badRequest(`${key} must be at most ${max} characters long.`);
  return v;
}

export function requiredString(body: Body, key: string, max = 1024): string {
  const v = optionalString(body, key, max);
  if (v === undefined || v === "") throw efsErrors.badRequest(`${key} is required.`);
  return v;
}

export function optionalInt(body: Body, key: string, min: number, max: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw efsErrors.badRequest(`${key} must be an integer between ${min} and ${max}.`);
  }
  return v;
}

export function optionalBool(body: Body, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw efsErrors.badRequest(`${key} must be a boolean.`);
  return v;
}

export function optionalObject(body: Body, key: string): Body | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw efsErrors.badRequest(`${key} must be an object.`);
  return v as Body;
}

export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], key: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw efsErrors.badRequest(`${key} must be one of ${allowed.join(", ")}.`);
  return value as T;
}

/** EFS's tag rules: at most 50, keys 1..128 characters, values up to 256, no key twice. */
export function tagList(raw: unknown, key = "Tags"): Tags {
  if (raw === undefined || raw === null) return {};
  if (!Array.isArray(raw)) throw efsErrors.badRequest(`${key} must be a list of {Key, Value}.`);
  if (raw.length > 50) throw efsErrors.badRequest("A resource can have at most 50 tags.");
  const tags: Tags = {};
  for (const entry of raw as unknown[]) {
    const t = (typeof entry === "object" && entry !== null ? entry : {}) as Body;
    const k = t.Key;
    const v = t.Value;
    if (typeof k !== "string" || k.length < 1 || k.length > 128) throw efsErrors.badRequest("Tag keys must be 1 to 128 characters long.");
    if (typeof v !== "string" || v.length > 256) throw efsErrors.badRequest(`Tag '${k}' needs a Value of at most 256 characters.`);
    if (k in tags) throw efsErrors.badRequest(`Tag key '${k}' is given twice.`);
    tags[k] = v;
  }
  return tags;
}

export function queryInt(q: URLSearchParams, key: string, min: number, max: number): number | undefined {
  const raw = q.get(key);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw efsErrors.badRequest(`${key} must be an integer between ${min} and ${max}.`);
  return n;
}

export function queryString(q: URLSearchParams, key: string): string | undefined {
  const raw = q.get(key);
  return raw === null || raw === "" ? undefined : raw;
}

/** The path id, which the route guarantees is there. */
export function pathId(request: EfsRequest): string {
  if (request.pathId === undefined || request.pathId === "") throw efsErrors.badRequest("The resource id is missing from the path.");
  return request.pathId;
}

/** Tags in the wire shape, in the order they were set. */
export function tagsJson(tags: Tags): Array<{ Key: string; Value: string }> {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
