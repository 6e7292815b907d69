import { invalidArgument, quoted } from "./errors.js";

const GiB = 1024 ** 3;
const unitFactors: Readonly<Record<string, number>> = {
  b: 1,
  k: 1024, kb: 1024, kib: 1024,
  m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2,
  g: GiB, gb: GiB, gib: GiB,
  t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4,
};

/** Longer than any size anybody writes; a cap keeps parsing (and the messages) bounded. */
export const maxSizeText = 64;

const fix = "write a number with an optional unit, like 20 (GiB), 512MiB or 1.5GiB";

/**
 * Parses a volume size as operators write it for EBS: a bare number means GiB
 * (`-o size=20` is 20 GiB, as with REX-Ray and the EBS API); units are binary whatever
 * their spelling (`512M`, `512MB` and `512MiB` are all 512 MiB), case-insensitive.
 * Returns a safe integer number of bytes: a size past 2^53 (8 PiB) is refused here, as
 * arithmetic on it would no longer be exact; backends then apply their own limits.
 *
 * @example parseSize("20") === 20 * 1024 ** 3
 * @example parseSize("1.5GiB") === 1.5 * 1024 ** 3
 */
export function parseSize(text: string, option = "size"): number {
  if (text.length > maxSizeText) throw invalidArgument(`invalid ${option} ${quoted(text)}: ${fix}`, { option });
  // Trimmed first, so no two optional runs of spaces meet (that regex backtracked quadratically).
  const match = /^(\d+(?:\.\d+)?) ?([a-zA-Z]*)$/.exec(text.trim());
  if (!match) throw invalidArgument(`invalid ${option} ${quoted(text)}: ${fix}`, { option, value: text });
  const [, digits = "", unitText = ""] = match;
  const unit = unitText.toLowerCase();
  const factor = unit === "" ? GiB : unitFactors[unit];
  if (factor === undefined) {
    throw invalidArgument(`invalid ${option} ${quoted(text)}: unknown unit ${quoted(unitText)}; use one of B, KiB, MiB, GiB, TiB (or K, M, G, T)`, { option, value: text });
  }
  const bytes = Math.round(Number(digits) * factor);
  if (bytes <= 0) throw invalidArgument(`invalid ${option} ${quoted(text)}: it must be greater than zero`, { option, value: text });
  if (!Number.isSafeInteger(bytes)) throw invalidArgument(`invalid ${option} ${quoted(text)}: at most 8 PiB can be counted exactly; no backend makes volumes that large`, { option, value: text });
  return bytes;
}

/** Human form used in messages and `docker volume inspect` Status. */
export function formatSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let index = 0;
  while (value >= 1024 && index < units.length - 1 && value % 1024 === 0) {
    value /= 1024;
    index += 1;
  }
  return `${value}${units[index]}`;
}

/**
 * A size that need not be a round one (a filesystem's, as `df` shows it), to two decimals
 * in the largest unit it reaches: `29.98GiB`; a round size reads as formatSize writes it.
 */
export function formatApproxSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let index = 0;
  while (bytes >= 1024 ** (index + 1) && index < units.length - 1) index += 1;
  const value = bytes / 1024 ** index;
  return `${Number.isInteger(value) ? value : Number(value.toFixed(2))}${units[index]}`;
}

const durationFactors: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration as operators write one on the command line: a whole number and a unit,
 * `ms`, `s`, `m`, `h` or `d` (`90s`, `10m`, `2h`); undefined when `text` is not one, so a
 * caller can try another reading (`--since` takes an event id too).
 *
 * @example parseDuration("10m") === 600_000
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (durationFactors[match[2] ?? ""] ?? Number.NaN);
}
