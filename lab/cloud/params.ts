/**
 * Reading EC2 Query parameters (`Name.N`, `Filter.N.Name`, `Tag.N.Key`, …) from the form
 * body the SDK sends. Every reader validates and throws the error EC2 would send.
 */
import { Ec2Error, errors } from "./ec2Error.js";
import type { Tags } from "./types.js";

export type Params = URLSearchParams;

export interface Filter {
  name: string;
  values: string[];
}

export function optional(p: Params, name: string): string | undefined {
  return p.get(name) ?? undefined;
}

export function required(p: Params, name: string): string {
  const v = p.get(name);
  if (v === null || v === "") throw errors.missing(name);
  return v;
}

/** `Name.1`, `Name.2`, … until the first gap. */
export function indexed(p: Params, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; p.has(`${prefix}.${i}`); i++) out.push(p.get(`${prefix}.${i}`) ?? "");
  return out;
}

export function bool(p: Params, name: string): boolean | undefined {
  const v = p.get(name);
  if (v === null) return undefined;
  if (v === "true") return true;
  if (v === "false") return false;
  throw errors.invalidValue(`Value (${v}) for parameter ${name} is invalid. Expected a boolean.`);
}

export function int(p: Params, name: string, min: number, max: number): number | undefined {
  const v = p.get(name);
  if (v === null) return undefined;
  const n = Number(v);
  if (!/^-?\d+$/.test(v) || n < min || n > max) {
    throw errors.invalidValue(`Value ( ${v} ) for parameter ${name} is invalid. Expecting a value between ${min} and ${max}.`);
  }
  return n;
}

export function filters(p: Params): Filter[] {
  const out: Filter[] = [];
  for (let i = 1; p.has(`Filter.${i}.Name`); i++) {
    out.push({ name: p.get(`Filter.${i}.Name`) ?? "", values: indexed(p, `Filter.${i}.Value`) });
  }
  return out;
}

/** `Tag.N.Key` / `Tag.N.Value` under a prefix; `undefined` value means "Value was absent". */
export function tagList(p: Params, prefix: string): Array<{ key: string; value: string | undefined }> {
  const out: Array<{ key: string; value: string | undefined }> = [];
  for (let i = 1; p.has(`${prefix}.${i}.Key`); i++) {
    const key = p.get(`${prefix}.${i}.Key`) ?? "";
    if (key === "") throw errors.invalidValue("Tag key must not be empty");
    out.push({ key, value: p.get(`${prefix}.${i}.Value`) ?? undefined });
  }
  return out;
}

/** Tags from `TagSpecification.N` whose ResourceType is `resourceType`. */
export function tagSpecifications(p: Params, resourceType: string): Tags {
  const tags: Tags = {};
  for (let i = 1; p.has(`TagSpecification.${i}.ResourceType`); i++) {
    const type = p.get(`TagSpecification.${i}.ResourceType`);
    if (type !== resourceType) {
      throw errors.invalidValue(`'${type}' is not a valid taggable resource type for this operation.`);
    }
    for (const t of tagList(p, `TagSpecification.${i}.Tag`)) tags[t.key] = t.value ?? "";
  }
  validateTags(tags);
  return tags;
}

export function validateTags(tags: Tags): void {
  for (const key of Object.keys(tags)) {
    if (key.toLowerCase().startsWith("aws:")) {
      throw errors.invalidValue(`Tag keys starting with 'aws:' are reserved for internal use`);
    }
    if (key.length > 128) throw errors.invalidValue(`Tag key exceeds the maximum length of 128 characters`);
  }
  if (Object.keys(tags).length > 50) {
    throw new Ec2Error("TagLimitExceeded", "The maximum number of tags per resource is 50");
  }
}

/** Everything but the envelope and the token: what a ClientToken replay must repeat. */
export function fingerprint(p: Params): string {
  const skip = new Set(["Action", "Version", "ClientToken"]);
  return [...p.entries()].filter(([k]) => !skip.has(k)).map(([k, v]) => `${k}=${v}`).sort().join("&");
}
