/**
 * Growing a volume in place (`POST /v1/volumes/{name}/resize`, `swarmvol resize`, ADR
 * 0026), decided purely: whether a request may start, and what the leader does next.
 *
 * A resize has two halves. The cloud's: EBS grows the volume (ModifyVolume; the new size
 * is usable from `optimizing` on, core/cloud.ts CloudResize). The node's: the filesystem
 * on it is grown to fill the bigger device, by the agent of the node that mounts it
 * (`xfs_growfs` of the mount point, `resize2fs` of the device), or, when nobody mounts it,
 * by the agent that mounts it next, before (ext4: `e2fsck -f`, `resize2fs`) or right after
 * (xfs) the mount.
 *
 * Level-based like placement: the wanted size is the spec's (`spec.sizeBytes`), the cloud
 * volume's size is the cloud's, and what the filesystem fills is what an agent last
 * measured (`grownForBytes`). The leader compares the three at every reconcile, so a new
 * leader (which reads the wanted size and `grownForBytes` from Swarm's store) goes on
 * where the old one stopped, and every step can be repeated without harm.
 */
import { backendKindOf, type BackendKind } from "./backends.js";
import { conflict, invalidArgument, unavailable, type SwarmvolError } from "./errors.js";
import { formatApproxSize, formatSize } from "./units.js";
import { maximumVolumeBytes, type VolumeRecord } from "./volume.js";

/**
 * Where a resize stands: `cloud` the cloud volume grows; `filesystem` the node that mounts
 * it grows its filesystem; `mount` nobody mounts it (its filesystem grows at its next
 * mount); `done` the filesystem fills the volume.
 */
export type ResizePhase = "cloud" | "filesystem" | "mount" | "done";
export const resizePhases: readonly ResizePhase[] = ["cloud", "filesystem", "mount", "done"];

/** A volume's latest resize (VolumeStatus.resize). */
export interface ResizeStatus {
  /** The size asked for (whole GiB on EBS); `spec.sizeBytes` says the same. */
  wantedBytes: number;
  /** RFC 3339. */
  requestedAt: string;
  phase: ResizePhase;
  /** The cloud volume's size as the leader last saw it. */
  cloudBytes?: number;
  /**
   * The device size the filesystem was last grown (or made) to fill, as an agent measured
   * it; the filesystem must grow while this is below the cloud volume's size.
   */
  grownForBytes?: number;
  /** The filesystem's own size after that grow (statfs of the mount: what `df` shows). */
  filesystemBytes?: number;
  /** The node whose agent grew it last. */
  grownOn?: string;
  /** The last step that failed, and why; cleared by the next step that succeeds. */
  error?: string;
  /** RFC 3339, once the phase is `done`. */
  doneAt?: string;
}

/** What of a resize Swarm's store keeps for the next leader (core/clusterStore.ts). */
export interface StoredResize {
  wantedBytes: number;
  requestedAt: string;
  grownForBytes?: number;
}

const GiB = 1024 ** 3;

/** Backends whose volumes grow in place, and how finely their sizes go. */
const granularity: Readonly<Record<string, number>> = { ebs: GiB };

/** Why a backend's volumes cannot be resized, in words an operator can act on. */
function unresizable(record: VolumeRecord, kind: BackendKind): SwarmvolError {
  const name = record.spec.name;
  const backend = record.spec.backend;
  if (kind === "share") {
    return invalidArgument(`volume ${name} is an ${backend.toUpperCase()} share, which has no fixed size to grow: it holds what is written, up to the server's limits; nothing to resize`, { name, backend });
  }
  if (backend === "local") {
    return invalidArgument(`volume ${name} is on the local backend, whose volumes are image files on one host that swarmvol does not grow: `
      + "create a bigger volume (docker volume create -d swarmvol -o size=...) and copy the data into it", { name, backend });
  }
  return invalidArgument(`volume ${name} is on the ${backend} backend, which cannot resize volumes (only ebs can)`, { name, backend });
}

export interface ResizeRequest {
  record: VolumeRecord;
  /** The size asked for, in bytes (core/units.ts parseSize). */
  sizeBytes: number;
  /** The cloud volume's size now, when there is one. */
  cloudBytes?: number;
  /** Whether this controller can grow cloud volumes at all (it has a CloudResize). */
  canResize: boolean;
  /** The volume's backend kind (BackendRegistry.kindOf): a share is refused first. @default the design's (backendKindOf) */
  kind?: BackendKind;
  now: number;
}

export type ResizeDecision =
  | { kind: "refused"; error: SwarmvolError }
  /** Already that size, or already asked for: the same effect, nothing to write. */
  | { kind: "unchanged" }
  | { kind: "accepted"; wantedBytes: number; resize: ResizeStatus };

/** The size a resize may not go below: the cloud volume's, else the spec's. */
export function leastSize(record: VolumeRecord, cloudBytes: number | undefined): number {
  return cloudBytes ?? record.spec.sizeBytes;
}

/**
 * Whether the resize may start: a ready volume of a backend that grows (EBS), not moving
 * to another zone, and a size no smaller than the cloud volume (volumes only grow). The
 * size rounds up to the backend's unit (whole GiB), so the volume is never smaller than asked.
 */
export function decideResize(request: ResizeRequest): ResizeDecision {
  const { record, now } = request;
  const name = record.spec.name;
  const kind = request.kind ?? backendKindOf(record.spec.backend);
  const unit = kind === "share" ? undefined : granularity[record.spec.backend];
  if (unit === undefined) return { kind: "refused", error: unresizable(record, kind) };
  if (!request.canResize) return { kind: "refused", error: unavailable("this controller cannot grow cloud volumes (it was started without the EBS backend's resize)") };
  if (record.status.phase !== "ready") return { kind: "refused", error: conflict(`volume ${name} is still being created; retry in a few seconds`, { name }) };
  if (record.status.relocation) {
    return { kind: "refused", error: conflict(`volume ${name} is moving to another zone (${record.status.relocation.toZone}); resize it once it is mounted there`, { name }) };
  }
  const wantedBytes = Math.ceil(request.sizeBytes / unit) * unit;
  const least = leastSize(record, request.cloudBytes);
  if (wantedBytes < least) {
    const fix = formatSize(Math.ceil(least / unit) * unit);
    return { kind: "refused", error: invalidArgument(`volume ${name} is ${formatSize(least)} and volumes only grow: give a size of at least ${fix} (\`swarmvol resize ${name} ${fix}\`)`, { name, leastBytes: least }) };
  }
  if (wantedBytes > maximumVolumeBytes) {
    return { kind: "refused", error: invalidArgument(`size ${formatSize(wantedBytes)} is too large: the limit is ${formatSize(maximumVolumeBytes)}`, { name, sizeBytes: wantedBytes }) };
  }
  const previous = record.status.resize;
  if (wantedBytes === record.spec.sizeBytes && (previous === undefined || previous.wantedBytes === wantedBytes)) return { kind: "unchanged" };
  const cloud = request.cloudBytes;
  const resize: ResizeStatus = {
    wantedBytes, requestedAt: new Date(now).toISOString(),
    // No cloud volume yet: it is made (and formatted) at the new size.
    phase: cloud === undefined ? "done" : "cloud",
    ...(cloud === undefined ? { grownForBytes: wantedBytes, doneAt: new Date(now).toISOString() } : { cloudBytes: cloud, grownForBytes: previous?.grownForBytes ?? cloud }),
  };
  return { kind: "accepted", wantedBytes, resize };
}

/** What the leader knows when it decides a resize's next step. */
export interface ResizeFacts {
  resize: ResizeStatus;
  /** The wanted size (`spec.sizeBytes`). */
  wantedBytes: number;
  /** The cloud volume's size; undefined: no cloud volume (it is made at the wanted size). */
  cloudBytes?: number;
  /** The node granted the volume whose agent reports it mounted under a live lease. */
  holder?: string;
}

export type ResizeStep =
  | { kind: "growCloud"; sizeBytes: number }
  /** Ask `nodeId` to grow the mounted filesystem to fill `sizeBytes`. */
  | { kind: "growFilesystem"; nodeId: string; sizeBytes: number }
  /** Nobody mounts it: the agent that mounts it next grows it (the claim's answer asks). */
  | { kind: "awaitMount"; sizeBytes: number }
  | { kind: "done" };

/** The next step: the cloud first, then the filesystem where it is mounted (or at its next mount). */
export function nextResizeStep(facts: ResizeFacts): ResizeStep {
  const cloud = facts.cloudBytes;
  if (cloud === undefined) return { kind: "done" };
  if (cloud < facts.wantedBytes) return { kind: "growCloud", sizeBytes: facts.wantedBytes };
  if ((facts.resize.grownForBytes ?? cloud) >= cloud) return { kind: "done" };
  return facts.holder === undefined ? { kind: "awaitMount", sizeBytes: cloud } : { kind: "growFilesystem", nodeId: facts.holder, sizeBytes: cloud };
}

/** The phase a step means. */
export function phaseOf(step: ResizeStep): ResizePhase {
  switch (step.kind) {
    case "growCloud":
      return "cloud";
    case "growFilesystem":
      return "filesystem";
    case "awaitMount":
      return "mount";
    case "done":
      return "done";
  }
}

/**
 * The size a mount of this volume must grow its filesystem to fill, when the cloud volume
 * grew past what the filesystem fills (the claim's answer asks the mounting agent);
 * undefined when it need not grow.
 */
export function growAtMount(resize: ResizeStatus | undefined): number | undefined {
  if (!resize || resize.phase === "cloud" || resize.cloudBytes === undefined) return undefined;
  return (resize.grownForBytes ?? resize.cloudBytes) < resize.cloudBytes ? resize.cloudBytes : undefined;
}

/** The resize as Swarm's store keeps it. */
export function storedResize(resize: ResizeStatus | undefined): StoredResize | undefined {
  if (!resize) return undefined;
  return { wantedBytes: resize.wantedBytes, requestedAt: resize.requestedAt, ...(resize.grownForBytes === undefined ? {} : { grownForBytes: resize.grownForBytes }) };
}

/** Whether two stored resizes say the same (no write to Swarm's store is due). */
export function sameStoredResize(a: StoredResize | undefined, b: StoredResize | undefined): boolean {
  return a?.wantedBytes === b?.wantedBytes && a?.requestedAt === b?.requestedAt && a?.grownForBytes === b?.grownForBytes;
}

/**
 * A resize from Swarm's store on a new leader, merged with what this replica's cache knew
 * of the same request (phase, sizes, error). The phase is decided again at the first reconcile.
 */
export function restoredResize(stored: StoredResize | undefined, local: ResizeStatus | undefined): ResizeStatus | undefined {
  if (!stored) return undefined;
  const same = local?.wantedBytes === stored.wantedBytes && local.requestedAt === stored.requestedAt;
  const base: ResizeStatus = same ? { ...local } : { wantedBytes: stored.wantedBytes, requestedAt: stored.requestedAt, phase: "cloud" };
  if (stored.grownForBytes !== undefined) base.grownForBytes = Math.max(stored.grownForBytes, base.grownForBytes ?? 0);
  return base;
}

/** A resize's state in words: `cloud 20GiB -> 30GiB`, `filesystem ...`. */
export function describeResize(resize: ResizeStatus): string {
  const wanted = formatSize(resize.wantedBytes);
  const cloud = resize.cloudBytes === undefined ? "?" : formatSize(resize.cloudBytes);
  const fs = resize.filesystemBytes === undefined ? "" : `, filesystem ${formatApproxSize(resize.filesystemBytes)}${resize.grownOn ? ` (grown on ${resize.grownOn})` : ""}`;
  const words: Record<ResizePhase, string> = {
    cloud: `the cloud volume grows to ${wanted} (now ${cloud})`,
    filesystem: `the cloud volume is ${cloud}; the node that mounts it grows its filesystem`,
    mount: `the cloud volume is ${cloud}; its filesystem grows at its next mount (nobody mounts it now)`,
    done: `done: ${wanted}`,
  };
  return `${words[resize.phase]}${fs}${resize.error ? `; last error: ${resize.error}` : ""}`;
}

/**
 * Why a grow that exited well did not make the filesystem fill its device, or undefined
 * when it does (a grower that silently does nothing must not mark a resize done).
 * Metadata (journal, inode tables, the xfs log) takes a few percent: xfs on 1 GiB leaves
 * 64 MiB (6 %), ext4 under 5 %. So a filesystem short of its device by more than 7 % or
 * 128 MiB, whichever is more, did not grow to fill it.
 */
export function growShortfall(after: { deviceBytes: number; filesystemBytes: number }): string | undefined {
  const { deviceBytes, filesystemBytes } = after;
  const slack = Math.max(deviceBytes * 0.07, 128 * 1024 ** 2);
  if (filesystemBytes >= deviceBytes - slack) return undefined;
  return `the filesystem is ${formatApproxSize(filesystemBytes)} on a ${formatApproxSize(deviceBytes)} device after the grow: it did not grow to fill the device`;
}
