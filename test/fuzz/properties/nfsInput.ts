/**
 * Properties of the nfs backend's parsers (core/nfsShares.ts, ADR 0031): an export from the
 * settings, a grant's device from the wire, mount options. Pure; cheap.
 */
import fc from "fast-check";
import { ErrorCode } from "../../../core/errors.js";
import { formatNfsExport, maxNfsTextLength, nfsShareDevice, parseNfsExport, parseNfsMountOptions, parseNfsShareDevice } from "../../../core/nfsShares.js";
import { hostileText, longText } from "../arbitraries.js";
import { fuzzProperty, type FuzzProperty } from "../budget.js";
import { check, domainOutcome } from "../invariants.js";

/** Text shaped like an export: a scheme or not, a host, a port, segments from a hostile alphabet. */
const exportLike: fc.Arbitrary<string> = fc.tuple(
  fc.constantFrom("", "nfs://"), fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((ip) => `[${ip}]`), hostileText),
  fc.option(fc.oneof(fc.integer({ min: -1, max: 70_000 }).map(String), hostileText), { nil: undefined }),
  fc.array(fc.oneof(fc.constantFrom(".", "..", "", "a b", "x"), fc.stringMatching(/^[A-Za-z0-9._~+@=-]{1,12}$/), hostileText), { maxLength: 6 }),
).map(([scheme, host, port, segments]) => `${scheme}${host}${port === undefined ? "" : `:${port}`}${scheme === "" ? ":" : ""}/${segments.join("/")}`);

export const nfsInputProperties: FuzzProperty[] = [
  fuzzProperty("parseNfsExport: domain errors only, and never a path that could leave the export", 1, () => fc.property(fc.oneof(exportLike, hostileText), (text) => {
    const outcome = domainOutcome(() => parseNfsExport(text));
    if (!outcome.ok) return;
    const { path, port } = outcome.value;
    check(path.startsWith("/") && !path.includes("//") && !/\s/.test(path), `path "${path}"`);
    check(path.split("/").every((segment) => segment !== "." && segment !== ".."), `path "${path}" holds . or ..`);
    check(port === undefined || (Number.isInteger(port) && port >= 1 && port <= 65535), `port ${port}`);
    check(JSON.stringify(parseNfsExport(formatNfsExport(outcome.value))) === JSON.stringify(outcome.value), `"${text}" does not read back`);
  })),
  fuzzProperty("parseNfsExport: refuses text past its cap", 0.5, () => fc.property(longText, (text) => {
    const outcome = domainOutcome(() => parseNfsExport(text));
    check(text.length <= maxNfsTextLength || (!outcome.ok && outcome.error.code === ErrorCode.InvalidArgument), `accepted ${text.length} characters`);
  })),
  fuzzProperty("parseNfsShareDevice: never throws; reads back what nfsShareDevice wrote", 1, () => fc.property(fc.oneof(exportLike, hostileText, longText), (text) => {
    const share = parseNfsShareDevice(`nfs://${text}`);
    if (share === undefined) return;
    check(JSON.stringify(parseNfsShareDevice(nfsShareDevice(share))) === JSON.stringify(share), `"${text}" does not read back`);
  })),
  fuzzProperty("parseNfsMountOptions: domain errors only; no option holds a comma or a space", 1, () => fc.property(fc.oneof(hostileText, longText), (text) => {
    const outcome = domainOutcome(() => parseNfsMountOptions(text));
    if (outcome.ok) check(outcome.value.every((option) => option !== "" && !/[,\s]/.test(option)), `options ${JSON.stringify(outcome.value)}`);
  })),
];
