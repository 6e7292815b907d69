/**
 * Seeded randomness: ids, request ids and fault decisions all come from one generator so a
 * test run with the same seed and the same calls makes the same choices.
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
}

/** mulberry32: tiny, fast, good enough for ids and coin flips (not for secrets). */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

export function randomHex(rng: Rng, digits: number): string {
  let out = "";
  for (let i = 0; i < digits; i++) out += Math.floor(rng.next() * 16).toString(16);
  return out;
}

/** AWS-style resource id: prefix, dash, `0`, 16 hex digits (17 after the dash). */
export function resourceId(rng: Rng, prefix: "vol" | "snap" | "i" | "r"): string {
  return `${prefix}-0${randomHex(rng, 16)}`;
}

/** A UUID-shaped request id (version nibble 4, like the ones EC2 sends). */
export function requestId(rng: Rng): string {
  const h = randomHex(rng, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
