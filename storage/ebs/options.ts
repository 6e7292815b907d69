/**
 * EBS `-o` options: the list Docker users see and the pure validation that turns them into
 * a core VolumeSpec and, later, into CreateVolume parameters. Every rejection names the fix,
 * because the user reads it in `docker volume create` output, far from any documentation.
 */
import type { BackendDefinition } from "../../core/backends.js";
import { clipped, invalidArgument, quoted } from "../../core/errors.js";
import { parseSize } from "../../core/units.js";
import { mmpOption, parseMmp } from "../../core/mmp.js";
import { parseSnapshotPolicy, snapshotOptionHelp } from "../../core/snapshotPolicy.js";
import { canonicalOptions, checkSizeForFs, parseFsType, type OptionDefinition, type VolumeSpec } from "../../core/volume.js";
import { parseZonePolicy, zonePolicyOption } from "../../core/zones.js";

export const ebsBackendName = "ebs";

export const ebsOptions: readonly OptionDefinition[] = [
  { name: "size", help: "capacity in whole GiB (a bare number is GiB; 512MiB rounds up to 1GiB); default 1GiB, 125GiB for st1/sc1, the snapshot's size when restoring" },
  { name: "type", help: "gp3 (default), gp2, io1, io2, st1 or sc1" },
  { name: "iops", help: "provisioned IOPS: gp3 3000-16000, io1 100-64000, io2 100-256000 (required for io1/io2)" },
  { name: "throughput", help: "gp3 only: MiB/s, 125-1000" },
  { name: "encrypted", help: "true or false (default false; kmsKeyId implies true)" },
  { name: "kmsKeyId", help: "KMS key id, alias/NAME or key ARN for encryption" },
  { name: "fsType", help: "ext4 (default) or xfs" },
  mmpOption,
  { name: "snapshot", help: "restore from this snapshot id (snap-...)" },
  { name: "zone", help: "availability zone (default: the zone of the first node that mounts it)" },
  zonePolicyOption,
  ...snapshotOptionHelp,
];

export type EbsVolumeType = "gp3" | "gp2" | "io1" | "io2" | "st1" | "sc1";
const volumeTypes: readonly EbsVolumeType[] = ["gp3", "gp2", "io1", "io2", "st1", "sc1"];

const GiB = 1024 ** 3;

interface TypeLimits {
  minGiB: number;
  maxGiB: number;
  /** Inclusive IOPS range, or undefined when the type takes no `iops`. */
  iops?: { min: number; max: number; perGiB: number; required: boolean };
  /** Inclusive throughput range in MiB/s, or undefined when the type takes no `throughput`. */
  throughput?: { min: number; max: number };
}

/** EBS limits per type (AWS EBS volume types page); checked here so users get our message, not EC2's. */
export const typeLimits: Readonly<Record<EbsVolumeType, TypeLimits>> = {
  gp3: { minGiB: 1, maxGiB: 16384, iops: { min: 3000, max: 16000, perGiB: 500, required: false }, throughput: { min: 125, max: 1000 } },
  gp2: { minGiB: 1, maxGiB: 16384 },
  io1: { minGiB: 4, maxGiB: 16384, iops: { min: 100, max: 64000, perGiB: 50, required: true } },
  io2: { minGiB: 4, maxGiB: 65536, iops: { min: 100, max: 256000, perGiB: 1000, required: true } },
  st1: { minGiB: 125, maxGiB: 16384 },
  sc1: { minGiB: 125, maxGiB: 16384 },
};

/** The validated, typed form of the options, as CreateVolume needs them. */
export interface EbsVolumeOptions {
  type: EbsVolumeType;
  /** Whole GiB; undefined only when restoring a snapshot without `size` (EC2 uses the snapshot's size). */
  sizeGiB?: number;
  iops?: number;
  throughput?: number;
  encrypted: boolean;
  kmsKeyId?: string;
  snapshotId?: string;
  zone?: string;
}

function parseType(value: string | undefined): EbsVolumeType {
  if (value === undefined || value === "") return "gp3";
  const lower = value.toLowerCase() as EbsVolumeType;
  if (volumeTypes.includes(lower)) return lower;
  throw invalidArgument(`invalid type ${quoted(value)}: use one of ${volumeTypes.join(", ")} (gp3 is the default)`, { option: "type", value: clipped(value) });
}

function parseInteger(option: string, value: string): number {
  if (!/^\s*\d+\s*$/.test(value)) {
    throw invalidArgument(`invalid ${option} ${quoted(value)}: write a whole number, like -o ${option}=${option === "iops" ? 3000 : 125}`, { option, value: clipped(value) });
  }
  return Number(value);
}

function parseBoolean(option: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  const lower = value.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  throw invalidArgument(`invalid ${option} ${quoted(value)}: use true or false`, { option, value: clipped(value) });
}

/** EBS sizes are whole GiB: anything in between rounds up, so the volume is never smaller than asked. */
function parseSizeGiB(value: string | undefined, type: EbsVolumeType, restoring: boolean): number | undefined {
  const limits = typeLimits[type];
  if (value === undefined || value === "") return restoring ? undefined : limits.minGiB;
  const sizeGiB = Math.ceil(parseSize(value) / GiB);
  if (sizeGiB < limits.minGiB || sizeGiB > limits.maxGiB) {
    throw invalidArgument(
      `size ${value} is out of range for ${type}: use ${limits.minGiB}-${limits.maxGiB} GiB${limits.minGiB >= 125 ? ` (${type} volumes start at ${limits.minGiB} GiB)` : ""}`,
      { option: "size", value, type },
    );
  }
  return sizeGiB;
}

function checkIops(type: EbsVolumeType, iops: number | undefined, sizeGiB: number | undefined): void {
  const limits = typeLimits[type].iops;
  if (limits === undefined) {
    if (iops !== undefined) {
      throw invalidArgument(`iops is not allowed for ${type}: remove -o iops, or use type gp3, io1 or io2 for provisioned IOPS`, { option: "iops", type });
    }
    return;
  }
  if (iops === undefined) {
    if (limits.required) throw invalidArgument(`${type} needs iops: add -o iops=N with N in ${limits.min}-${limits.max}`, { option: "iops", type });
    return;
  }
  if (iops < limits.min || iops > limits.max) {
    throw invalidArgument(`iops ${iops} is out of range for ${type}: use ${limits.min}-${limits.max}`, { option: "iops", type, iops });
  }
  if (sizeGiB !== undefined && iops > sizeGiB * limits.perGiB && iops > limits.min) {
    const needGiB = Math.ceil(iops / limits.perGiB);
    throw invalidArgument(
      `iops ${iops} is too high for ${sizeGiB} GiB of ${type} (at most ${limits.perGiB} IOPS per GiB): use size >= ${needGiB} or iops <= ${Math.max(limits.min, sizeGiB * limits.perGiB)}`,
      { option: "iops", type, iops, sizeGiB },
    );
  }
}

function checkThroughput(type: EbsVolumeType, throughput: number | undefined, iops: number | undefined): void {
  if (throughput === undefined) return;
  const limits = typeLimits[type].throughput;
  if (limits === undefined) {
    throw invalidArgument(`throughput is only for gp3: remove -o throughput, or use -o type=gp3`, { option: "throughput", type });
  }
  if (throughput < limits.min || throughput > limits.max) {
    throw invalidArgument(`throughput ${throughput} is out of range for ${type}: use ${limits.min}-${limits.max} MiB/s`, { option: "throughput", throughput });
  }
  // gp3 allows at most 0.25 MiB/s per provisioned IOPS (3000 IOPS baseline when iops is absent).
  const effectiveIops = iops ?? 3000;
  if (throughput > effectiveIops / 4) {
    throw invalidArgument(
      `throughput ${throughput} MiB/s needs at least ${throughput * 4} IOPS on gp3 (0.25 MiB/s per IOPS): add -o iops=${Math.max(3000, throughput * 4)}`,
      { option: "throughput", throughput, iops: effectiveIops },
    );
  }
}

const snapshotPattern = /^snap-[0-9a-f]{8,17}$/;
const zonePattern = /^[a-z]{2}-[a-z0-9-]+-\d+[a-z]$/;
const kmsKeyPattern = /^\S{1,2048}$/;

function checkIdentifiers(options: Readonly<Record<string, string>>): void {
  const { snapshot, zone, kmsKeyId } = options;
  if (snapshot !== undefined && !snapshotPattern.test(snapshot)) {
    throw invalidArgument(`invalid snapshot ${quoted(snapshot)}: give a snapshot id like snap-0123456789abcdef0`, { option: "snapshot", value: clipped(snapshot) });
  }
  if (zone !== undefined && !zonePattern.test(zone)) {
    throw invalidArgument(`invalid zone ${quoted(zone)}: give an availability zone name like us-east-1a`, { option: "zone", value: clipped(zone) });
  }
  if (kmsKeyId !== undefined && !kmsKeyPattern.test(kmsKeyId)) {
    throw invalidArgument(`invalid kmsKeyId: give a key id, alias/NAME or key ARN without spaces`, { option: "kmsKeyId" });
  }
}

/**
 * Validates canonical option values (keys already matched by `canonicalOptions`) into the
 * typed form. Pure; throws INVALID_ARGUMENT naming the fix. Also used at create time, so a
 * catalog record written by an older version is checked again before EC2 sees it.
 */
export function parseEbsOptions(options: Readonly<Record<string, string>>): EbsVolumeOptions {
  checkIdentifiers(options);
  const type = parseType(options.type);
  const snapshotId = options.snapshot;
  const sizeGiB = parseSizeGiB(options.size, type, snapshotId !== undefined);
  const iops = options.iops === undefined ? undefined : parseInteger("iops", options.iops);
  const throughput = options.throughput === undefined ? undefined : parseInteger("throughput", options.throughput);
  checkIops(type, iops, sizeGiB);
  checkThroughput(type, throughput, iops);
  const encryptedOption = parseBoolean("encrypted", options.encrypted);
  if (options.kmsKeyId !== undefined && encryptedOption === false) {
    throw invalidArgument("kmsKeyId needs encryption: remove -o encrypted=false (kmsKeyId implies encrypted=true)", { option: "kmsKeyId" });
  }
  const result: EbsVolumeOptions = { type, encrypted: encryptedOption ?? options.kmsKeyId !== undefined };
  if (sizeGiB !== undefined) result.sizeGiB = sizeGiB;
  if (iops !== undefined) result.iops = iops;
  if (throughput !== undefined) result.throughput = throughput;
  if (options.kmsKeyId !== undefined) result.kmsKeyId = options.kmsKeyId;
  if (snapshotId !== undefined) result.snapshotId = snapshotId;
  if (options.zone !== undefined) result.zone = options.zone;
  return result;
}

/**
 * Pure validation of `docker volume create -d swarmvol -o ...` for the EBS backend.
 * `sizeBytes` is the whole-GiB size EBS will give (rounded up); it is 0 when restoring a
 * snapshot without `size`, meaning "the snapshot's size, known once created".
 *
 * @example buildEbsSpec("db", { size: "20", type: "gp3", iops: "6000" }).sizeBytes === 20 * 1024 ** 3
 */
export function buildEbsSpec(name: string, rawOptions: Readonly<Record<string, unknown>> | null | undefined): VolumeSpec {
  const options = canonicalOptions(rawOptions, ebsOptions, ebsBackendName);
  const fsType = parseFsType(options.fsType);
  const parsed = parseEbsOptions(options);
  parseSnapshotPolicy(options);
  parseZonePolicy(options.zonePolicy);
  parseMmp(options, fsType);
  // A clone without size takes its source's, known once the snapshot is (like a restore).
  const sizeBytes = options.from !== undefined && options.size === undefined ? 0 : (parsed.sizeGiB ?? 0) * GiB;
  if (sizeBytes > 0) checkSizeForFs(sizeBytes, fsType);
  return { name, backend: ebsBackendName, sizeBytes, fsType, options };
}

/**
 * EBS at the backend seam (core/backends.ts): a block device one node mounts at a time, its
 * volumes' ids `vol-…`, its `-o` options parsed by {@link buildEbsSpec} unchanged (the
 * registry takes `backend` and `access` out first and puts them back only when given).
 */
export const ebsDefinition: BackendDefinition = { name: ebsBackendName, kind: "block", idPrefix: "vol-", buildSpec: buildEbsSpec };

/** Whole GiB for CreateVolume from a byte count (never smaller than asked). */
export function toGiB(sizeBytes: number): number {
  return Math.max(1, Math.ceil(sizeBytes / GiB));
}

export { GiB };
