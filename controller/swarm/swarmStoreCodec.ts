/**
 * How swarmvol's cluster state is laid out in Swarm objects (Engine API v1.41), as pure
 * functions: the lease as labels of one config, a volume as one config whose name is a hash
 * of the volume name, and the parsing of what a manager sends back.
 *
 * Swarm lets an update change only a config's labels ("only updates to Labels are allowed",
 * 400), so everything that must change over time lives in labels and Data is written once.
 * Parsing is defensive: the objects are visible to `docker config` and an operator may have
 * edited one by hand.
 */
import { createHash } from "node:crypto";
import { internal } from "../../core/errors.js";
import type { StoredVolume } from "../../core/clusterStore.js";
import { sameStoredResize, type StoredResize } from "../../core/resize.js";
import type { LeaseRecord } from "../../core/leadership.js";
import { fsTypes, type FsType, type VolumeSpec } from "../../core/volume.js";

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** The body of POST /configs/create and /configs/{id}/update. Data is base64. */
export interface ConfigSpec {
  Name: string;
  Labels: Record<string, string>;
  Data: string;
}

/** One item of GET /configs or GET /configs/{id}, the parts swarmvol reads. */
export interface ConfigInfo {
  id: string;
  version: number;
  spec: ConfigSpec;
}

export const storeLabels = {
  kind: "swarmvol.kind",
  volume: "swarmvol.volume",
  uid: "swarmvol.uid",
  formatted: "swarmvol.formatted",
  /** A resize (core/resize.ts StoredResize) as compact JSON: {"w":wanted bytes,"at":RFC 3339,"g":grown-for bytes}. */
  resize: "swarmvol.resize",
  holder: "swarmvol.leader.holder",
  holderUrl: "swarmvol.leader.holder-url",
  leaseDurationMs: "swarmvol.leader.lease-duration-ms",
  renewPeriodMs: "swarmvol.leader.renew-period-ms",
  acquiredAt: "swarmvol.leader.acquired-at",
  renewedAt: "swarmvol.leader.renewed-at",
  transitions: "swarmvol.leader.transitions",
} as const;

export const leaderConfigName = "swarmvol-leader";
/** Data of the lease config: constant, since an update may not change it. */
export const leaderConfigData = Buffer.from("swarmvol leader lease; the record is in the labels\n").toString("base64");

const volumeConfigPrefix = "swarmvol-vol-";

/**
 * The config name of a volume. Config names allow 64 characters of [a-zA-Z0-9-_.] while a
 * volume name may have 128, so the name is a hash (128 bits of sha256: collisions are not a
 * practical concern, and the stored spec's name is still compared). It contains "-", so the
 * Engine's lookup by ID prefix can never mistake it for a config ID.
 */
export function volumeConfigName(volumeName: string): string {
  return volumeConfigPrefix + createHash("sha256").update(volumeName, "utf8").digest("hex").slice(0, 32);
}

/** A config item as the Engine sends it; undefined when it lacks an ID, version or spec. */
export function parseConfigInfo(raw: unknown): ConfigInfo | undefined {
  if (!isObject(raw) || typeof raw.ID !== "string" || !isObject(raw.Version) || !isObject(raw.Spec)) return undefined;
  const version = raw.Version.Index;
  if (typeof version !== "number" || !Number.isSafeInteger(version)) return undefined;
  const spec = raw.Spec;
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(isObject(spec.Labels) ? spec.Labels : {})) if (typeof value === "string") labels[key] = value;
  return { id: raw.ID, version, spec: { Name: typeof spec.Name === "string" ? spec.Name : "", Labels: labels, Data: typeof spec.Data === "string" ? spec.Data : "" } };
}

export function leaseToLabels(record: LeaseRecord): Record<string, string> {
  return {
    [storeLabels.kind]: "leader",
    [storeLabels.holder]: record.holder,
    [storeLabels.holderUrl]: record.holderUrl,
    [storeLabels.leaseDurationMs]: String(record.leaseDurationMs),
    [storeLabels.renewPeriodMs]: String(record.renewPeriodMs),
    [storeLabels.acquiredAt]: record.acquiredAt,
    [storeLabels.renewedAt]: record.renewedAt,
    [storeLabels.transitions]: String(record.transitions),
  };
}

/** A non-negative integer label, or 0 when it is absent or not one. */
function count(value: string | undefined): number {
  const parsed = value === undefined || value.trim() === "" ? Number.NaN : Number(value);
  return Number.isSafeInteger(parsed) && parsed >= 0 ? parsed : 0;
}

/**
 * The lease from the config's labels. Never throws: a missing text label reads as "" (a
 * missing holder is a released lease) and a missing or unparsable number as 0, so a
 * hand-edited record degrades to "nobody holds it, timing unknown" instead of crashing the
 * elector. Callers must use their own timing when `leaseDurationMs` is 0.
 */
export function leaseFromLabels(labels: Readonly<Record<string, string>>): LeaseRecord {
  return {
    holder: labels[storeLabels.holder] ?? "",
    holderUrl: labels[storeLabels.holderUrl] ?? "",
    leaseDurationMs: count(labels[storeLabels.leaseDurationMs]),
    renewPeriodMs: count(labels[storeLabels.renewPeriodMs]),
    acquiredAt: labels[storeLabels.acquiredAt] ?? "",
    renewedAt: labels[storeLabels.renewedAt] ?? "",
    transitions: count(labels[storeLabels.transitions]),
  };
}

/** The Data document of a volume config: what never changes once the volume exists. */
interface VolumeDocument {
  version: 1;
  uid: string;
  createdAt: string;
  spec: VolumeSpec;
}

export function volumeLabels(volume: StoredVolume): Record<string, string> {
  const resize = volume.resize;
  return {
    [storeLabels.kind]: "volume",
    [storeLabels.volume]: volume.spec.name,
    [storeLabels.uid]: volume.uid,
    [storeLabels.formatted]: String(volume.formatted),
    ...(resize ? { [storeLabels.resize]: JSON.stringify({ w: resize.wantedBytes, at: resize.requestedAt, ...(resize.grownForBytes === undefined ? {} : { g: resize.grownForBytes }) }) } : {}),
  };
}

const positiveBytes = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value > 0;

/** The resize label, read defensively: a hand-edited one that does not parse reads as none. */
export function resizeFromLabel(text: string | undefined): StoredResize | undefined {
  if (text === undefined) return undefined;
  try {
    const raw = JSON.parse(text) as unknown;
    if (!isObject(raw) || !positiveBytes(raw.w) || typeof raw.at !== "string" || (raw.g !== undefined && !positiveBytes(raw.g))) return undefined;
    return { wantedBytes: raw.w, requestedAt: raw.at, ...(raw.g === undefined ? {} : { grownForBytes: raw.g as number }) };
  } catch {
    return undefined;
  }
}

/** Whether the labels' changing parts (formatted, resize) say what `volume` says. */
export function sameLabels(stored: StoredVolume, volume: StoredVolume): boolean {
  return stored.formatted === volume.formatted && sameStoredResize(stored.resize, volume.resize);
}

export function volumeToConfig(volume: StoredVolume): ConfigSpec {
  const document: VolumeDocument = { version: 1, uid: volume.uid, createdAt: volume.createdAt, spec: volume.spec };
  return { Name: volumeConfigName(volume.spec.name), Labels: volumeLabels(volume), Data: Buffer.from(JSON.stringify(document), "utf8").toString("base64") };
}

function parseSpec(raw: unknown): VolumeSpec | string {
  if (!isObject(raw)) return "spec is not an object";
  const { name, backend, sizeBytes, fsType, options } = raw;
  if (typeof name !== "string" || name === "") return "spec.name is missing";
  if (typeof backend !== "string") return "spec.backend is missing";
  if (typeof sizeBytes !== "number" || !Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) return "spec.sizeBytes is not a positive integer";
  if (!fsTypes.includes(fsType as FsType)) return `spec.fsType ${JSON.stringify(fsType)} is not one of ${fsTypes.join(", ")}`;
  if (!isObject(options) || Object.values(options).some((value) => typeof value !== "string")) return "spec.options is not a map of strings";
  return { name, backend, sizeBytes, fsType: fsType as FsType, options: { ...(options as Record<string, string>) } };
}

/**
 * A volume from its config, or why it cannot be read. Data is the truth for what never
 * changes; `formatted` ("true" or anything else) and `resize` are labels (what is updated
 * later), the resize's wanted size standing for the spec's size.
 */
export function volumeFromConfig(info: ConfigInfo): StoredVolume | string {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(info.spec.Data, "base64").toString("utf8"));
  } catch {
    return "Data is not base64 JSON";
  }
  if (!isObject(document) || document.version !== 1) return "Data is not a version 1 volume document";
  if (typeof document.uid !== "string" || document.uid === "") return "Data has no uid";
  if (typeof document.createdAt !== "string") return "Data has no createdAt";
  const spec = parseSpec(document.spec);
  if (typeof spec === "string") return spec;
  if (volumeConfigName(spec.name) !== info.spec.Name) return `config name ${info.spec.Name} is not the hash of volume ${spec.name}`;
  const resize = resizeFromLabel(info.spec.Labels[storeLabels.resize]);
  return {
    uid: document.uid, createdAt: document.createdAt, spec: resize ? { ...spec, sizeBytes: Math.max(spec.sizeBytes, resize.wantedBytes) } : spec,
    formatted: info.spec.Labels[storeLabels.formatted] === "true", ...(resize ? { resize } : {}),
  };
}

/** Merged labels, or undefined when merging changes nothing. */
export function mergeLabels(current: Readonly<Record<string, string>>, changes: Readonly<Record<string, string | undefined>>): Record<string, string> | undefined {
  const merged = { ...current };
  let changed = false;
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined ? !Object.hasOwn(merged, key) : merged[key] === value) continue;
    changed = true;
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  return changed ? merged : undefined;
}

/** A node as the Engine sends it: the spec an update must send back whole, its version and labels. */
export function parseNodeSpec(raw: unknown, nodeId: string): { version: number; spec: Record<string, unknown>; labels: Record<string, string> } {
  const node = (raw ?? {}) as { Version?: { Index?: unknown }; Spec?: unknown };
  const version = node.Version?.Index;
  const spec = node.Spec;
  if (typeof version !== "number" || typeof spec !== "object" || spec === null) throw internal(`Docker answered the inspect of node ${nodeId} without a version or spec`, { nodeId });
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries((spec as { Labels?: unknown }).Labels ?? {})) if (typeof value === "string") labels[key] = value;
  return { version, spec: spec as Record<string, unknown>, labels };
}
