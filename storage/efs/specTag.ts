/**
 * The `swarmvol/spec` tag of an EFS access point: what a new leader rebuilding the catalog
 * from the cloud needs to give an EFS entry its options back (controller/rebuild.ts, ADR
 * 0027). EBS's value is JSON (core/cloud.ts specTagOf), which EFS refuses: an EFS tag value
 * holds at most 256 of letters, digits, spaces and `_ . : / = + - @`. So a share's spec is
 * written as space-separated words, each of those characters but the space:
 *
 *     2026-12-03T10:00:00.000Z access=multi-writer backend=efs gid=1000 mode=0750 uid=1000
 *
 * the creation time first (when known), then one `key=value` per option, keys sorted, so
 * one spec has one value. EFS's options are few and narrow (uid, gid, mode, onRemove and
 * the seam's backend and access), so they always fit; an option that would not is refused
 * (INVALID_ARGUMENT) when the volume is created (storage/efs/options.ts), never silently
 * dropped. A value that does not parse reads as absent, as a hand-edited EBS tag does.
 * There is no filesystem type to keep: a share is never formatted.
 * Pure; no I/O.
 */
import type { SpecTag } from "../../core/cloud.js";
import { clipped, invalidArgument, quoted } from "../../core/errors.js";

/** EFS's limit on a tag value, in characters. */
export const maxEfsTagValueLength = 256;

/** An option name: a canonical `-o` key (storage/efs/options.ts, core/backends.ts seamOptions). */
const keyPattern = /^[A-Za-z][A-Za-z0-9]*$/;
/** A value: EFS's tag characters except the space, which separates the words. */
const valuePattern = /^[A-Za-z0-9_.:/=+\-@]*$/;
const allowed = "letters, digits and _ . : / = + - @";

/** What of a spec the tag keeps: the options and, when known, when the volume was created. */
export type ShareSpec = Pick<SpecTag, "options"> & { createdAt?: string };

/**
 * The tag value of `spec`.
 * @throws INVALID_ARGUMENT naming the option (or the length) when it cannot be kept in an EFS tag.
 * @example encodeShareSpec({ options: { uid: "1000", mode: "0750" } }) === "mode=0750 uid=1000"
 */
export function encodeShareSpec(spec: ShareSpec): string {
  const words: string[] = [];
  if (spec.createdAt !== undefined) {
    if (Number.isNaN(Date.parse(spec.createdAt)) || !valuePattern.test(spec.createdAt) || spec.createdAt.includes("=")) {
      throw invalidArgument(`creation time ${quoted(spec.createdAt)} cannot be kept in an EFS tag: give an RFC 3339 time`, { createdAt: clipped(spec.createdAt) });
    }
    words.push(spec.createdAt);
  }
  for (const key of Object.keys(spec.options).sort()) {
    const value = spec.options[key] as string;
    if (!keyPattern.test(key)) throw invalidArgument(`option ${quoted(key)} cannot be kept in an EFS tag: option names are a letter, then letters and digits`, { option: clipped(key) });
    if (!valuePattern.test(value)) {
      throw invalidArgument(`option ${key}=${quoted(value)} cannot be kept in an EFS tag, which holds only ${allowed}: give a value of those characters`, { option: key, value: clipped(value) });
    }
    words.push(`${key}=${value}`);
  }
  const text = words.join(" ");
  if (text.length > maxEfsTagValueLength) {
    throw invalidArgument(`the volume's options take ${text.length} characters, more than the ${maxEfsTagValueLength} of an EFS tag: give fewer or shorter options`, { length: text.length });
  }
  return text;
}

/**
 * The spec a tag value keeps, or undefined when it is absent or does not parse (a
 * hand-edited tag, a word twice): the rebuilt entry then has empty options, as before.
 */
export function decodeShareSpec(text: string | undefined): SpecTag | undefined {
  if (text === undefined || text.length > maxEfsTagValueLength) return undefined;
  const words = text.split(" ").filter((word) => word !== "");
  const first = words[0];
  const createdAt = first !== undefined && !first.includes("=") ? first : undefined;
  if (createdAt !== undefined && Number.isNaN(Date.parse(createdAt))) return undefined;
  const options: Record<string, string> = {};
  for (const word of createdAt === undefined ? words : words.slice(1)) {
    const at = word.indexOf("=");
    const key = word.slice(0, at);
    const value = word.slice(at + 1);
    if (at < 0 || !keyPattern.test(key) || !valuePattern.test(value) || Object.hasOwn(options, key)) return undefined;
    options[key] = value;
  }
  return { fsType: "ext4", createdAt: createdAt ?? new Date(0).toISOString(), options };
}
