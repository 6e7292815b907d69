/**
 * Properties of the parsers of `docker volume create` input: sizes, names, `-o` options of
 * the local and EBS backends. Pure; the cheapest runs in the fuzz set.
 */
import fc from "fast-check";
import { ErrorCode } from "../../../core/errors.js";
import { formatSize, maxSizeText, parseSize } from "../../../core/units.js";
import { canonicalOptions, maxVolumeNameLength, parseFsType, validateVolumeName } from "../../../core/volume.js";
import { buildEbsSpec, ebsOptions, parseEbsOptions } from "../../../storage/ebs/options.js";
import { LocalBackend, localOptions } from "../../../storage/local/localBackend.js";
import { hostileText, jsonLike, longText, optionsLike, sizeLike, stringMap, volumeNameLike } from "../arbitraries.js";
import { fuzzProperty, type FuzzProperty } from "../budget.js";
import { check, domainOutcome } from "../invariants.js";

const local = new LocalBackend("/unused", { run: async () => ({ code: 0, stdout: "", stderr: "" }) });
const dockerName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const factors: Readonly<Record<string, number>> = { "": 1024 ** 3, B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };

/** Input past a parser's cap is refused as INVALID_ARGUMENT before any other work. */
function refusedPastCap(parse: (text: string) => unknown, cap: number): (text: string) => void {
  return (text) => {
    const outcome = domainOutcome(() => parse(text));
    check(text.length <= cap || (!outcome.ok && outcome.error.code === ErrorCode.InvalidArgument), `accepted ${text.length} characters (cap ${cap})`);
  };
}

export const volumeInputProperties: FuzzProperty[] = [
  fuzzProperty("parseSize: domain errors only", 1, () => fc.property(sizeLike, (text) => {
    const outcome = domainOutcome(() => parseSize(text));
    if (outcome.ok) check(Number.isSafeInteger(outcome.value) && outcome.value > 0, `size ${outcome.value} for "${text}"`);
  })),
  fuzzProperty("parseSize: refuses text past its cap", 0.5, () => fc.property(longText, refusedPastCap(parseSize, maxSizeText))),
  fuzzProperty("parseSize: reads back formatSize", 1, () => fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (bytes) => {
    check(parseSize(formatSize(bytes)) === bytes, `parseSize(formatSize(${bytes})) = ${parseSize(formatSize(bytes))}`);
  })),
  fuzzProperty("parseSize: a number and a unit, spelled any way", 1, () => fc.property(
    fc.nat({ max: 1_000_000 }).filter((n) => n > 0), fc.constantFrom(...Object.keys(factors)), fc.constantFrom("", " "), fc.boolean(),
    (number, unit, space, lower) => {
      fc.pre(Number.isSafeInteger(number * (factors[unit] as number)));
      const text = `${number}${unit === "" ? "" : space}${lower ? unit.toLowerCase() : unit}`;
      check(parseSize(text) === number * (factors[unit] as number), `parseSize("${text}")`);
    })),
  fuzzProperty("validateVolumeName: Docker's rule and the cap", 1, () => fc.property(fc.oneof(volumeNameLike, jsonLike), (name) => {
    const outcome = domainOutcome(() => validateVolumeName(name));
    if (!outcome.ok) return;
    check(typeof name === "string" && outcome.value === name, "returned another name");
    check(dockerName.test(outcome.value) && outcome.value.length <= maxVolumeNameLength && !outcome.value.includes(".."), `accepted "${outcome.value}"`);
  })),
  fuzzProperty("validateVolumeName: refuses names past the cap", 0.5, () => fc.property(longText, refusedPastCap(validateVolumeName, maxVolumeNameLength))),
  fuzzProperty("parseFsType: domain errors only", 1, () => fc.property(fc.oneof(hostileText, longText), (text) => {
    const outcome = domainOutcome(() => parseFsType(text));
    if (outcome.ok) check(outcome.value === "ext4" || outcome.value === "xfs", outcome.value);
  })),
  fuzzProperty("canonicalOptions: known keys only, strings only", 1, () => fc.property(
    fc.oneof(optionsLike(ebsOptions.map((o) => o.name)), fc.dictionary(longText, hostileText, { maxKeys: 2 })), (opts) => {
      const outcome = domainOutcome(() => canonicalOptions(opts, ebsOptions, "ebs"));
      if (!outcome.ok) return;
      for (const [key, value] of Object.entries(outcome.value)) {
        check(ebsOptions.some((o) => o.name === key) && typeof value === "string", `kept ${key}`);
      }
    })),
  fuzzProperty("local buildSpec: bounded spec, rebuilt the same from its options", 1, () => fc.property(
    volumeNameLike, fc.oneof(optionsLike(localOptions.map((o) => o.name)), fc.record({ size: longText }), fc.constant(null)), (name, opts) => {
      const outcome = domainOutcome(() => local.buildSpec(name, opts));
      if (!outcome.ok) return;
      const spec = outcome.value;
      check(Number.isSafeInteger(spec.sizeBytes) && spec.sizeBytes >= 16 * 1024 ** 2 && spec.sizeBytes <= 64 * 1024 ** 4, `size ${spec.sizeBytes}`);
      check(JSON.stringify(local.buildSpec(name, spec.options)) === JSON.stringify(spec), "rebuilt spec differs");
    })),
  fuzzProperty("EBS buildSpec: domain errors only, rebuilt the same", 1, () => fc.property(
    fc.oneof(optionsLike(ebsOptions.map((o) => o.name)), fc.dictionary(fc.constantFrom("zone", "snapshot", "iops", "kmsKeyId", "type"), longText, { maxKeys: 2 })), (opts) => {
      const outcome = domainOutcome(() => buildEbsSpec("data", opts));
      if (!outcome.ok) return;
      check(JSON.stringify(buildEbsSpec("data", outcome.value.options)) === JSON.stringify(outcome.value), "rebuilt spec differs");
    })),
  fuzzProperty("parseEbsOptions: any strings, domain errors only", 1, () => fc.property(stringMap, (opts) => {
    domainOutcome(() => parseEbsOptions(opts));
  })),
];
