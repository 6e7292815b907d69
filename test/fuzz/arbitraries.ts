/**
 * Generators of hostile user input: what a typo, a script or an attacker puts in a volume
 * name, an `-o` option, a flag or a request body. Mixed with near-valid values so the
 * properties also reach the code behind the first check.
 */
import fc from "fast-check";

/** Characters that break naive parsers: separators, quotes, control and non-BMP characters. */
const nasty = fc.constantFrom(
  "", " ", "\t", "\n", "\r\n", "\u0000", "/", "\\", "..", ".", "-", "_", "=", ",", ":", "%", "%zz", "%2F", "?", "#",
  "\"", "'", "{", "}", "[", "]", "__proto__", "constructor", "toString", "\u00e9", "\u202e", "\ud83d\ude00", "\ud800", "\uffff",
  "0", "1", "1e3", "-1", "NaN", "Infinity", "0x10", "9".repeat(40),
);

/** Any text, weighted toward the pieces above. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.oneof(nasty, fc.string({ maxLength: 8 })), { maxLength: 12 }).map((parts) => parts.join("")) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
);

/** A long run of one hostile piece (the inputs that make a backtracking regex quadratic). */
export const longText: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom("1", " ", "a", "-1", "1 ", ".", "9.", "a-", "-", "=", "%", "/", "\n", "\u00e9"), fc.integer({ min: 1_000, max: 100_000 }), fc.constantFrom("", "x", "!", " ", "GiB"))
  .map(([piece, times, tail]) => piece.repeat(Math.ceil(times / piece.length)).slice(0, times) + tail);

/** Valid-looking names and their near misses. */
export const volumeNameLike: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,20}$/),
  fc.constantFrom("data", "db-rs1", "jenkins_home", "a", "a..b", "../x", "-x", "x/y", "n".repeat(128), "n".repeat(129)),
  hostileText,
);

/** Size texts: valid sizes in every spelling, and garbage. */
export const sizeLike: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.oneof(fc.nat({ max: 70_000 }).map(String), fc.double({ min: 0, max: 5000, noNaN: true }).map(String)),
    fc.constantFrom("", " ", "b", "K", "kb", "MiB", "m", "GiB", "g", "TB", "tib", "QB", "Gi", "iB"))
    .map(([number, unit]) => `${number}${unit}`),
  hostileText,
);

/** An `-o` option map as Docker (or a JSON body) may carry it, values of any JSON type. */
export function optionsLike(keys: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const key = fc.oneof(fc.constantFrom(...keys), fc.constantFrom(...keys).map((name) => name.toUpperCase()), hostileText);
  const value = fc.oneof({ weight: 4, arbitrary: fc.oneof(sizeLike, hostileText, fc.constantFrom("gp3", "io2", "ext4", "xfs", "true", "3000", "snap-0123456789abcdef0", "us-east-1a")) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
  return fc.dictionary(key, value, { maxKeys: 5 });
}

/** A string map (labels, environment). */
export const stringMap: fc.Arbitrary<Record<string, string>> = fc.dictionary(hostileText, hostileText, { maxKeys: 6 });

/** Any JSON value, shallow, with objects likelier than scalars (the bodies parsers see). */
export const jsonLike: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.oneof(hostileText, fc.constantFrom("Name", "Opts", "ID", "name", "options", "nodeId", "waitMs", "mounts")), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
);
