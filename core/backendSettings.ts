/**
 * The controller's backend settings (ADR 0027): which backend a volume gets without
 * `-o backend=`, and the EFS pool every EFS volume's access point is on (ADR 0025). The
 * pool's modes are the controller's, not a volume's: the first volume that makes the pool
 * fixes them, and later volumes share them. Part of `swarmvol controller`'s settings table
 * (core/clusterConfig.ts), each with its flag, variable, default and help; every value is
 * checked here, so a controller never starts with a pool EFS would refuse to make.
 * Pure; no I/O.
 */
import { backendNames } from "./backends.js";
import { clipped, invalidArgument, quoted } from "./errors.js";
import { onOff, type Setting } from "./config.js";
import type { EfsPerformanceMode, EfsThroughputMode, FileSystemRequest } from "./fileShares.js";

export const backendSettings = {
  // Opt-in: a controller serving efs describes the EFS pool at every term's start and resync,
  // which needs EFS reachable and the EFS statements of docs/iam-policy.json.
  backends: { flag: "--backends", env: "SWARMVOL_BACKENDS", fallback: "ebs", help: "the backends this controller serves, comma-separated: ebs, efs, nfs (efs needs EFS reachable and docs/iam-policy.json's EFS statements; nfs needs --nfs-export)" },
  defaultBackend: { flag: "--default-backend", env: "SWARMVOL_DEFAULT_BACKEND", fallback: "ebs", help: "the backend of a volume created without -o backend=: ebs, efs or nfs, one this build serves (ADR 0027)" },
  // The SDK reads AWS_ENDPOINT_URL_EFS itself too; naming it here gives the lab's emulator the same dummy credentials as EC2's.
  efsEndpoint: { flag: "--efs-endpoint", env: "AWS_ENDPOINT_URL_EFS", help: "an EFS-compatible endpoint (the lab's emulator); default: EFS of --region" },
  efsPool: { flag: "--efs-pool", env: "SWARMVOL_EFS_POOL", fallback: "default", help: "name of the pool file system EFS volumes' access points are on (tag swarmvol/share=pool/NAME)" },
  efsPerformanceMode: { flag: "--efs-performance-mode", env: "SWARMVOL_EFS_PERFORMANCE_MODE", fallback: "generalPurpose", help: "the pool's performance mode when swarmvol makes it: generalPurpose or maxIO" },
  efsThroughputMode: { flag: "--efs-throughput-mode", env: "SWARMVOL_EFS_THROUGHPUT_MODE", fallback: "elastic", help: "the pool's throughput mode when swarmvol makes it: elastic, bursting or provisioned" },
  efsProvisionedMibps: { flag: "--efs-provisioned-mibps", env: "SWARMVOL_EFS_PROVISIONED_MIBPS", help: "the pool's throughput in MiB/s, with --efs-throughput-mode provisioned only" },
  efsEncrypted: { flag: "--efs-encrypted", env: "SWARMVOL_EFS_ENCRYPTED", fallback: "on", help: "on: the pool is encrypted at rest (with --efs-kms-key-id, or EFS's AWS managed key); off: not" },
  efsKmsKeyId: { flag: "--efs-kms-key-id", env: "SWARMVOL_EFS_KMS_KEY_ID", help: "the KMS key of an encrypted pool (id, ARN or alias)" },
  efsSecurityGroups: { flag: "--efs-security-groups", env: "SWARMVOL_EFS_SECURITY_GROUPS", help: "comma-separated security groups of new mount targets, allowing NFS (TCP 2049) from the nodes; default: the VPC's default group" },
} satisfies Record<string, Setting>;

/** The pool as EfsVolumes is given it (storage/efs/efsVolumes.ts `pool`). */
export type EfsPool = FileSystemRequest & { owner: { kind: "pool"; pool: string } };

export interface EfsSettings {
  /** `--efs-endpoint`; undefined: EFS of the controller's region. */
  endpoint: string | undefined;
  pool: EfsPool;
  /** Of new mount targets; undefined: the VPC's default group. */
  securityGroups: string[] | undefined;
}

export interface BackendConfig {
  /** The backends served (`--backends`), controller's backends each, at least one; cli/ checks this build wires them. */
  backends: string[];
  /**
   * The backend of a volume created without `-o backend=` (ADR 0027). Checked here to be a
   * controller's backend and one of `backends`; cli/ checks this build wires it.
   */
  defaultBackend: string;
  efs: EfsSettings;
}

/** The backends a controller can have; `local` is all-in-one's (one host, no cloud). */
const controllerBackendNames: readonly string[] = backendNames.filter((name) => name !== "local");

export function loadBackendConfig(raw: Readonly<Record<keyof typeof backendSettings, string | undefined>>): BackendConfig {
  const backends = servedOf(raw.backends);
  const defaultBackend = defaultBackendOf(raw.defaultBackend);
  if (!backends.includes(defaultBackend)) {
    throw invalidArgument(`--default-backend ${defaultBackend} is not served by this controller (--backends ${backends.join(",")}): add it to --backends, or give --default-backend ${backends.join(" or ")}`, { value: defaultBackend, served: backends });
  }
  return { backends, defaultBackend, efs: efsSettingsOf(raw) };
}

/** `--backends ebs,efs`: controller's backends, any case, each once. */
function servedOf(text: string | undefined): string[] {
  const names = [...new Set((text ?? "").split(",").map((name) => name.trim().toLowerCase()).filter((name) => name !== ""))];
  const bad = names.find((name) => !controllerBackendNames.includes(name));
  if (bad !== undefined || names.length === 0) {
    const local = bad === "local" ? " (local is all-in-one's backend, one host with no cloud)" : "";
    throw invalidArgument(`invalid --backends ${quoted(text)} (SWARMVOL_BACKENDS)${local}: give comma-separated controller backends, like ebs or ebs,efs`, { value: clipped(text ?? "") });
  }
  return names;
}

function defaultBackendOf(text: string | undefined): string {
  const lower = (text ?? "").toLowerCase();
  if (controllerBackendNames.includes(lower)) return lower;
  const local = lower === "local" ? " (local is all-in-one's backend, one host with no cloud)" : "";
  throw invalidArgument(`invalid --default-backend ${quoted(text)} (SWARMVOL_DEFAULT_BACKEND)${local}: use ${controllerBackendNames.slice(0, -1).join(", ")} or ${controllerBackendNames.at(-1)}`, { value: clipped(text ?? "") });
}

const performanceModes: readonly EfsPerformanceMode[] = ["generalPurpose", "maxIO"];
const throughputModes: readonly EfsThroughputMode[] = ["elastic", "bursting", "provisioned"];

function oneOf<T extends string>(text: string | undefined, allowed: readonly T[], flag: string): T {
  const found = allowed.find((value) => value.toLowerCase() === (text ?? "").toLowerCase());
  if (found === undefined) throw invalidArgument(`${flag} must be ${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}, got ${quoted(text)}`, { value: clipped(text ?? "") });
  return found;
}

/** Each check names the flag and the fix; what EFS would refuse at CreateFileSystem is refused at start. */
function efsSettingsOf(raw: Readonly<Record<keyof typeof backendSettings, string | undefined>>): EfsSettings {
  const pool = raw.efsPool ?? "";
  // The pool name goes into a tag value (`pool/NAME`, EFS's tag characters) and the CreationToken's hash.
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(pool)) throw invalidArgument(`--efs-pool must be 1 to 64 letters, digits, _ . or - (starting with a letter or digit), got ${quoted(pool)}`);
  const performanceMode = oneOf(raw.efsPerformanceMode, performanceModes, "--efs-performance-mode");
  const throughputMode = oneOf(raw.efsThroughputMode, throughputModes, "--efs-throughput-mode");
  // EFS: Elastic throughput needs the General Purpose performance mode (EFS user guide, "Performance modes").
  if (performanceMode === "maxIO" && throughputMode === "elastic") throw invalidArgument("--efs-performance-mode maxIO cannot have --efs-throughput-mode elastic (EFS offers elastic with generalPurpose only): give --efs-throughput-mode bursting or provisioned, or generalPurpose");
  const mibps = provisionedMibps(raw.efsProvisionedMibps, throughputMode);
  const encrypted = onOff(raw.efsEncrypted, "--efs-encrypted");
  const kmsKeyId = raw.efsKmsKeyId;
  if (kmsKeyId !== undefined && !encrypted) throw invalidArgument("--efs-kms-key-id is the key of an encrypted pool: give --efs-encrypted on, or leave the key out");
  return {
    endpoint: endpointOf(raw.efsEndpoint),
    pool: {
      owner: { kind: "pool", pool }, performanceMode, throughputMode, encrypted,
      ...(mibps === undefined ? {} : { provisionedThroughputMibps: mibps }), ...(kmsKeyId === undefined ? {} : { kmsKeyId }),
    },
    securityGroups: securityGroupsOf(raw.efsSecurityGroups),
  };
}

function provisionedMibps(text: string | undefined, mode: EfsThroughputMode): number | undefined {
  if (mode !== "provisioned") {
    if (text !== undefined) throw invalidArgument(`--efs-provisioned-mibps is for --efs-throughput-mode provisioned only (it is ${mode}): leave it out, or give provisioned`);
    return undefined;
  }
  const value = Number(text);
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text) || value < 1) {
    throw invalidArgument(`--efs-throughput-mode provisioned needs --efs-provisioned-mibps, a number of MiB/s of at least 1, got ${quoted(text)}`);
  }
  return value;
}

function endpointOf(text: string | undefined): string | undefined {
  if (text !== undefined && !/^https?:\/\/[^/\s]+\/?$/.test(text)) throw invalidArgument(`--efs-endpoint must be a base URL like http://10.213.0.1:4566 (AWS_ENDPOINT_URL_EFS), got ${quoted(text)}`);
  return text;
}

function securityGroupsOf(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const groups = text.split(",").map((group) => group.trim()).filter((group) => group !== "");
  const bad = groups.find((group) => !/^sg-[0-9a-f]{8,17}$/.test(group));
  if (bad !== undefined || groups.length === 0) throw invalidArgument(`--efs-security-groups must be security group ids like sg-0123456789abcdef0, comma-separated, got ${quoted(bad ?? text)}`);
  return groups;
}
