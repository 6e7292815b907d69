/**
 * Filters of a volume list (`GET /v1/volumes?node=…`, `swarmvol ls --filter key=value`,
 * as `docker volume ls --filter` reads them): each filter given must match. Pure.
 * - `node`: a node the volume is granted to (its Swarm id; any of a multi-writer share's holders);
 * - `condition`: the condition's reason (`ZoneMismatch`, `HolderAlive`, …), or `ok` for none;
 * - `backend`: `ebs`, `efs`, `local`, …;
 * - `zone`: the availability zone the volume is in.
 */
import { clipped, invalidArgument, quoted } from "./errors.js";
import { grantOn, type VolumeRecord } from "./volume.js";

export const volumeFilterKeys = ["node", "condition", "backend", "zone"] as const;
export type VolumeFilterKey = (typeof volumeFilterKeys)[number];
export type VolumeFilters = Partial<Record<VolumeFilterKey, string>>;

const isKey = (key: string): key is VolumeFilterKey => (volumeFilterKeys as readonly string[]).includes(key);

/** `key=value` words as filters; INVALID_ARGUMENT naming the keys for a word that is not one. */
export function parseVolumeFilters(words: readonly string[]): VolumeFilters {
  const filters: VolumeFilters = {};
  for (const word of words) {
    const at = word.indexOf("=");
    const key = at < 0 ? word : word.slice(0, at);
    const value = at < 0 ? "" : word.slice(at + 1);
    if (!isKey(key) || value === "") {
      throw invalidArgument(`invalid filter ${quoted(word)}: use key=value with key one of ${volumeFilterKeys.join(", ")} (like node=x7k2m9 or condition=ok)`, { filter: clipped(word) });
    }
    filters[key] = value;
  }
  return filters;
}

/** Whether `record` matches every filter given. */
export function matchesFilters(record: VolumeRecord, filters: VolumeFilters): boolean {
  const { status, spec } = record;
  const facts: Record<Exclude<VolumeFilterKey, "node">, string | undefined> = {
    condition: status.condition?.reason ?? "ok", backend: spec.backend, zone: status.zone,
  };
  // node=: any holder (a multi-writer share has several).
  return volumeFilterKeys.every((key) => filters[key] === undefined
    || (key === "node" ? grantOn(status, filters[key]) !== undefined : facts[key] === filters[key]));
}
