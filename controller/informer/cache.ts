/**
 * Pure helpers over a `Map` keyed by object ID: the informer's store. Exported for tests.
 *
 * Objects are frozen when they enter the cache and handed out as they are, so a caller
 * that tries to change one gets a TypeError instead of silently corrupting what every
 * other reader sees (sample-controller: "never mutate store objects").
 */

export interface Versioned {
  readonly id: string;
  /** Swarm's Version.Index: it increases on every write to the object. */
  readonly version: number;
}

/** Whether `next` carries nothing new compared with `cached`. */
export type SameFn<T> = (cached: T, next: T) => boolean;

export const sameVersion: SameFn<Versioned> = (cached, next) => cached.version === next.version;

export interface Delta<T> {
  added: T[];
  updated: Array<{ before: T; after: T }>;
  deleted: T[];
}

export function emptyDelta<T>(): Delta<T> {
  return { added: [], updated: [], deleted: [] };
}

/** Freezes an object and everything it holds (plain data only). */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  for (const item of Object.values(value)) deepFreeze(item);
  return Object.freeze(value);
}

/**
 * Inserts or replaces one object. An object whose version did not move is dropped, so
 * the cached (already frozen, already handed out) instance stays the one readers hold.
 */
export function addOrUpdate<T extends Versioned>(cache: Map<string, T>, next: T, same: SameFn<T> = sameVersion, delta = emptyDelta<T>()): Delta<T> {
  const before = cache.get(next.id);
  if (before === undefined) {
    cache.set(next.id, deepFreeze(next));
    delta.added.push(next);
  } else if (!same(before, next)) {
    cache.set(next.id, deepFreeze(next));
    delta.updated.push({ before, after: next });
  }
  return delta;
}

/**
 * Makes the cache hold exactly `list` (a relist is the truth): adds new objects, replaces
 * changed ones, skips unchanged versions and deletes what the list no longer has.
 */
export function replaceAll<T extends Versioned>(cache: Map<string, T>, list: Iterable<T>, same: SameFn<T> = sameVersion): Delta<T> {
  const delta = emptyDelta<T>();
  const seen = new Set<string>();
  for (const next of list) {
    seen.add(next.id);
    addOrUpdate(cache, next, same, delta);
  }
  for (const [id, before] of cache) {
    if (seen.has(id)) continue;
    cache.delete(id);
    delta.deleted.push(before);
  }
  return delta;
}

/** An index from each key an item yields to the items, in input order, frozen. */
export function indexBy<T>(items: Iterable<T>, keysOf: (item: T) => Iterable<string>): Map<string, readonly T[]> {
  const index = new Map<string, T[]>();
  for (const item of items) {
    for (const key of new Set(keysOf(item))) {
      const list = index.get(key);
      if (list) list.push(item);
      else index.set(key, [item]);
    }
  }
  for (const list of index.values()) Object.freeze(list);
  return index;
}
