/**
 * Filter matching and pagination shared by the Describe calls. Values within one filter
 * are OR'd, different filters are AND'd; `*` and `?` are wildcards as in EC2.
 */
import { errors } from "./ec2Error.js";
import type { Filter } from "./params.js";
import type { Tags } from "./types.js";

/** Returns the values a resource has for a (known) filter name. */
export type FieldReader<T> = (item: T, name: string) => string[];

function wildcard(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/** The tag part of every filter vocabulary: `tag:Key`, `tag-key`, `tag-value`. */
export function tagField(tags: Tags, name: string): string[] | undefined {
  if (name.startsWith("tag:")) {
    const key = name.slice(4);
    return key in tags ? [tags[key] ?? ""] : [];
  }
  if (name === "tag-key") return Object.keys(tags);
  if (name === "tag-value") return Object.values(tags);
  return undefined;
}

/**
 * Keeps the items matching every filter. Throws InvalidParameterValue for a filter name
 * outside `known` (tag filters are always known), as EC2 does.
 */
export function applyFilters<T>(
  items: readonly T[], filters: readonly Filter[], known: readonly string[], read: FieldReader<T>,
): T[] {
  for (const f of filters) {
    const isTag = f.name.startsWith("tag:") || f.name === "tag-key" || f.name === "tag-value";
    if (!isTag && !known.includes(f.name)) throw errors.invalidValue(`The filter '${f.name}' is invalid`);
  }
  const compiled = filters.map((f) => ({ name: f.name, patterns: f.values.map(wildcard) }));
  return items.filter((item) =>
    compiled.every((f) => {
      const values = read(item, f.name);
      return f.patterns.some((re) => values.some((v) => re.test(v)));
    }),
  );
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/**
 * Cuts a list sorted by `key` after the token's key. Tokens are opaque base64url strings
 * holding the last key served, so deleting items between pages never skips or repeats one.
 */
export function paginate<T>(items: readonly T[], key: (t: T) => string, max?: number, token?: string): Page<T> {
  const sorted = [...items].sort((a, b) => key(a).localeCompare(key(b)));
  let start = 0;
  if (token !== undefined && token !== "") {
    const after = decodeToken(token);
    start = sorted.findIndex((t) => key(t) > after);
    if (start < 0) start = sorted.length;
  }
  if (max === undefined) return { items: sorted.slice(start) };
  const page = sorted.slice(start, start + max);
  const last = page[page.length - 1];
  const more = start + max < sorted.length && last !== undefined;
  return more ? { items: page, nextToken: encodeToken(key(last)) } : { items: page };
}

function encodeToken(after: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after }), "utf8").toString("base64url");
}

function decodeToken(token: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (typeof parsed === "object" && parsed !== null && "after" in parsed && typeof parsed.after === "string") {
      return parsed.after;
    }
  } catch {
    // fall through to the EC2 error
  }
  throw errors.invalidToken();
}
