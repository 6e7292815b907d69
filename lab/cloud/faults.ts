/**
 * Realism knobs: latencies, throttling, server errors, lost responses, stuck attaches and
 * detaches, attach limits, slow and eventually consistent Describe*. Set at construction
 * and changed at run time through POST /_swarmvol/faults (a JSON patch of this shape).
 */
import { errors, type Ec2Error } from "./ec2Error.js";
import type { Rng } from "./rng.js";

export interface Latencies {
  /** `creating` → `available`. @default 1500 */
  create: number;
  /** `attaching` → `attached`. @default 2000 */
  attach: number;
  /** `detaching` → detached. @default 2000 */
  detach: number;
  /** `deleting` → gone. @default 500 */
  delete: number;
  /**
   * Snapshot `pending` → `completed`: this much plus `snapshotPerGiB` per GiB of the volume
   * (EBS copies a first snapshot's blocks to S3 in the background; a few GiB take tens of
   * seconds, and `progress` climbs meanwhile). @default 5000
   */
  snapshot: number;
  /** Added to `snapshot` per GiB of the volume's size. @default 3000 */
  snapshotPerGiB: number;
  /** ModifyVolume `modifying` → `optimizing` (the new size becomes usable). @default 3000 */
  modify: number;
  /** ModifyVolume `optimizing` → `completed`. @default 6000 */
  optimize: number;
  /** Instance `stopping` → `stopped` (StopInstances; the power is cut at the end). @default 4000 */
  stop: number;
  /** Instance `pending` → `running` (StartInstances). @default 3000 */
  start: number;
  /** EFS file system `creating` → `available`. @default 3000 */
  fileSystemCreate: number;
  /** EFS file system `deleting` → gone. @default 2000 */
  fileSystemDelete: number;
  /** EFS access point `creating` → `available` (its root directory is made then). @default 1000 */
  accessPointCreate: number;
  /** EFS mount target `creating` → `available` (AWS: a minute or more). @default 30000 */
  mountTargetCreate: number;
  /** EFS mount target `deleting` → gone. @default 10000 */
  mountTargetDelete: number;
}

export interface Faults {
  latencyMs: Latencies;
  /** Probability in [0,1] that a request gets RequestLimitExceeded (503). @default 0 */
  throttleRate: number;
  /** Probability in [0,1] that a request gets InternalError (500). @default 0 */
  serverErrorRate: number;
  /** The next N matching requests get RequestLimitExceeded. @default 0 */
  throttleNext: number;
  /** The next N matching requests get InternalError. @default 0 */
  serverErrorNext: number;
  /** Limits the four request faults above and lost responses to these actions; empty means every action. */
  actions: string[];
  /**
   * The next N matching mutations (any action but Describe*) are applied, then their answer
   * is lost: the connection is destroyed or a 500 sent (see `lostResponseMode`). The client
   * cannot tell it from a failure and retries; the retry sees what the first call did
   * (AttachVolume: VolumeInUse; CreateVolume with its ClientToken: the same volume). @default 0
   */
  lostResponseNext: number;
  /** Probability in [0,1] that a matching mutation's answer is lost after it was applied. @default 0 */
  lostResponseRate: number;
  /** How an answer is lost: `drop` (connection destroyed), `error` (500 InternalError), `mixed` (either, seeded). @default "mixed" */
  lostResponseMode: LostResponseMode;
  /** The next N AttachVolume calls stay `attaching` until detached. @default 0 */
  stickNextAttach: number;
  /**
   * The next N DetachVolume calls without Force stay `detaching` until a DetachVolume with
   * Force=true arrives (EBS's documented remedy for a volume stuck detaching). A forced
   * detach never sticks. @default 0
   */
  stickNextDetach: number;
  /** Attachments per instance before AttachmentLimitExceeded. @default 27 */
  attachLimit: number;
  /** A new volume or snapshot is invisible to Describe* for this long. @default 0 */
  describeDelayMs: number;
  /** Every Describe* request is answered this much later (a slow, loaded API). @default 0 */
  describeLatencyMs: number;
  /** How often a `busy` detach re-checks whether the device is still in use. @default 500 */
  busyPollMs: number;
  /** Least time between two ModifyVolume calls on one volume (EBS: six hours). @default 21600000 */
  modifyCooldownMs: number;
  /** EFS file systems per account before FileSystemLimitExceeded. @default 1000 */
  fileSystemLimit: number;
  /** EFS access points per file system before AccessPointLimitExceeded (the SDK's docs: 10,000). @default 10000 */
  accessPointLimit: number;
}

export type LostResponseMode = "drop" | "error" | "mixed";
const LOST_RESPONSE_MODES: readonly string[] = ["drop", "error", "mixed"];

export type FaultsPatch = Partial<Omit<Faults, "latencyMs">> & { latencyMs?: Partial<Latencies>; reset?: boolean };

export function defaultFaults(): Faults {
  return {
    latencyMs: {
      create: 1500, attach: 2000, detach: 2000, delete: 500, snapshot: 5000, snapshotPerGiB: 3000, modify: 3000, optimize: 6000, stop: 4000, start: 3000,
      fileSystemCreate: 3000, fileSystemDelete: 2000, accessPointCreate: 1000, mountTargetCreate: 30000, mountTargetDelete: 10000,
    },
    throttleRate: 0,
    serverErrorRate: 0,
    throttleNext: 0,
    serverErrorNext: 0,
    actions: [],
    lostResponseNext: 0,
    lostResponseRate: 0,
    lostResponseMode: "mixed",
    stickNextAttach: 0,
    stickNextDetach: 0,
    attachLimit: 27,
    describeDelayMs: 0,
    describeLatencyMs: 0,
    busyPollMs: 500,
    modifyCooldownMs: 6 * 60 * 60 * 1000,
    fileSystemLimit: 1000,
    accessPointLimit: 10000,
  };
}

/** Latencies of zero everywhere: what unit tests usually want. */
export const instantLatencies: Latencies = {
  create: 0, attach: 0, detach: 0, delete: 0, snapshot: 0, snapshotPerGiB: 0, modify: 0, optimize: 0, stop: 0, start: 0,
  fileSystemCreate: 0, fileSystemDelete: 0, accessPointCreate: 0, mountTargetCreate: 0, mountTargetDelete: 0,
};

function checkNumber(name: string, v: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > max) {
    throw new TypeError(`\`${name}\` must be a number between 0 and ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Applies a patch, validating every field; unknown fields are a TypeError. */
export function applyFaultsPatch(current: Faults, patch: FaultsPatch): Faults {
  const base = patch.reset === true ? defaultFaults() : current;
  const next: Faults = { ...base, latencyMs: { ...base.latencyMs } };
  for (const [key, value] of Object.entries(patch)) {
    if (key === "reset") continue;
    if (key === "latencyMs") {
      for (const [op, ms] of Object.entries(value as object)) {
        if (!(op in next.latencyMs)) throw new TypeError(`unknown latency \`${op}\``);
        next.latencyMs[op as keyof Latencies] = checkNumber(`latencyMs.${op}`, ms);
      }
    } else if (key === "actions") {
      if (!Array.isArray(value) || !value.every((a) => typeof a === "string")) {
        throw new TypeError("`actions` must be an array of action names");
      }
      next.actions = [...value];
    } else if (key === "lostResponseMode") {
      if (typeof value !== "string" || !LOST_RESPONSE_MODES.includes(value)) {
        throw new TypeError(`\`lostResponseMode\` must be one of ${LOST_RESPONSE_MODES.join(", ")}`);
      }
      next.lostResponseMode = value as LostResponseMode;
    } else if (key in next) {
      const max = key.endsWith("Rate") ? 1 : undefined;
      (next as unknown as Record<string, number>)[key] = checkNumber(key, value, max);
    } else {
      throw new TypeError(`unknown fault \`${key}\``);
    }
  }
  return next;
}

const inScope = (faults: Faults, action: string) => faults.actions.length === 0 || faults.actions.includes(action);

/** Describe* (and EFS's List*) reads: never mutations, the ones `describeLatencyMs` slows down. */
export function isDescribe(action: string): boolean {
  return action.startsWith("Describe") || action.startsWith("List");
}

/** Extra wait before a request is handled: `describeLatencyMs` for Describe*, else 0. */
export function requestDelayMs(faults: Faults, action: string): number {
  return isDescribe(action) ? faults.describeLatencyMs : 0;
}

/**
 * Decides, after a mutation was applied, whether its answer is lost and how. Consumes
 * `lostResponseNext`, so it mutates `faults`. Reads and failed requests are never lost:
 * only a change the client does not learn about tests its idempotency.
 */
export function lostResponse(faults: Faults, action: string, rng: Rng): "drop" | "error" | undefined {
  if (isDescribe(action) || !inScope(faults, action)) return undefined;
  if (faults.lostResponseNext > 0) faults.lostResponseNext--;
  else if (!(faults.lostResponseRate > 0 && rng.next() < faults.lostResponseRate)) return undefined;
  if (faults.lostResponseMode !== "mixed") return faults.lostResponseMode;
  return rng.next() < 0.5 ? "drop" : "error";
}

/**
 * Decides whether this request fails before it is handled. Consumes `throttleNext` and
 * `serverErrorNext` counters, so it mutates `faults`.
 */
export function injectedError(faults: Faults, action: string, rng: Rng): Ec2Error | undefined {
  if (!inScope(faults, action)) return undefined;
  if (faults.throttleNext > 0) {
    faults.throttleNext--;
    return errors.throttled();
  }
  if (faults.serverErrorNext > 0) {
    faults.serverErrorNext--;
    return errors.internal();
  }
  if (faults.throttleRate > 0 && rng.next() < faults.throttleRate) return errors.throttled();
  if (faults.serverErrorRate > 0 && rng.next() < faults.serverErrorRate) return errors.internal();
  return undefined;
}
