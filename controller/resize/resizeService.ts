/**
 * An operator's resize (api/resizeContract.ts, ADR 0026): the request records the wanted
 * size (`spec.sizeBytes`) and the resize's status in the catalog, which writes both
 * through to Swarm's store; each reconcile of the volume then takes the next step that
 * core/resize.ts `nextResizeStep` names, from the catalog, the cloud volume's size and the
 * holder's reports: grow the cloud volume (journaled, through CloudResize), ask the node
 * that mounts it to grow its filesystem (GrowBroker, in heartbeat answers), or leave that
 * to the next mount. Level-based: a new leader reads the same catalog and goes on.
 */
import type { ResizeOperations } from "../../api/resizeRoutes.js";
import { backendKindOf, type BackendKind } from "../../core/backends.js";
import type { CloudResize, CloudVolumes } from "../../core/cloud.js";
import { ErrorCode, isSwarmvolError, notFound, quoted, toSwarmvolError } from "../../core/errors.js";
import { journaled, type Journal } from "../../core/journal.js";
import type { Catalog, Clock, Logger } from "../../core/ports.js";
import { decideResize, nextResizeStep, phaseOf, type ResizeStatus, type ResizeStep } from "../../core/resize.js";
import { formatSize } from "../../core/units.js";
import type { VolumeRecord } from "../../core/volume.js";
import type { NodeRegistry } from "../nodeRegistry.js";
import type { GrowBroker, GrowOutcome } from "./growBroker.js";

export interface ResizeSettings {
  /** How long one reconcile waits for the cloud volume to become usable at its new size. @default 5000 */
  cloudWaitMs: number;
  /** When to look again at a resize still under way. @default 2000 */
  pollMs: number;
  /** When to ask again after a node could not grow the filesystem, or the cloud refused for now. @default 300_000 */
  retryMs: number;
  /** How long a node has to report an asked grow before the status says it has not. @default 120_000 */
  reportWaitMs: number;
}

export const defaultResizeSettings: ResizeSettings = { cloudWaitMs: 5000, pollMs: 2000, retryMs: 300_000, reportWaitMs: 120_000 };

export interface ResizeServiceDeps {
  catalog: Catalog;
  cloud: Pick<CloudVolumes, "describe">;
  resize: CloudResize;
  journal: Journal;
  registry: Pick<NodeRegistry, "mountersOf" | "lease">;
  broker: GrowBroker;
  clock: Clock;
  logger: Logger;
  /** Queues the volume for reconcile (deduplicated). */
  enqueue(volume: string): void;
  /** Throws unless this replica may act now (the leader's gate). */
  gate?: () => void;
  settings?: Partial<ResizeSettings>;
  /** Block or share, by backend name (BackendRegistry.kindOf): a share is refused before any cloud call. @default the design's kinds */
  backendKind?: (backend: string) => BackendKind;
}

type Change = { [K in keyof ResizeStatus]?: ResizeStatus[K] | undefined };

export class ResizeService implements ResizeOperations {
  private readonly settings: ResizeSettings;
  /** When a node's grow failed, per volume: asked again only `retryMs` later (this term's memory). */
  private readonly failedAt = new Map<string, number>();

  constructor(private readonly deps: ResizeServiceDeps) {
    this.settings = { ...defaultResizeSettings, ...deps.settings };
  }

  async start(volume: string, sizeBytes: number): Promise<ResizeStatus> {
    this.deps.gate?.();
    const record = this.record(volume);
    // A share (EFS, NFS) is refused by its kind before its id reaches any cloud call.
    const kind = (this.deps.backendKind ?? backendKindOf)(record.spec.backend);
    const id = kind === "share" ? undefined : record.status.backendId;
    const cloudBytes = id === undefined ? undefined : (await this.deps.cloud.describe([id]))[0]?.sizeBytes;
    const decision = decideResize({ record, sizeBytes, canResize: true, kind, now: this.deps.clock.now(), ...(cloudBytes === undefined ? {} : { cloudBytes }) });
    if (decision.kind === "refused") throw decision.error;
    if (decision.kind === "unchanged") return record.status.resize ?? this.settled(record, cloudBytes);
    this.deps.gate?.();
    this.failedAt.delete(volume);
    this.deps.broker.forget(volume);
    await this.deps.catalog.put({ ...record, spec: { ...record.spec, sizeBytes: decision.wantedBytes }, status: { ...record.status, resize: decision.resize } });
    this.deps.logger.info({ volume, wantedBytes: decision.wantedBytes, cloudBytes }, "resize asked for");
    this.deps.enqueue(volume);
    return decision.resize;
  }

  get(volume: string): ResizeStatus {
    const resize = this.record(volume).status.resize;
    if (!resize) throw notFound(`volume ${quoted(volume)} was never resized; \`swarmvol resize ${volume} SIZE\` grows it`, { name: volume });
    return resize;
  }

  /** One pass over the volume's resize; the queue calls it after placement's reconcile. */
  async reconcile(volume: string): Promise<{ requeueAfterMs?: number }> {
    const record = this.deps.catalog.get(volume);
    const outcome = this.deps.broker.take(volume);
    if (!record || record.status.phase !== "ready" || !record.status.resize) return {};
    if (record.status.resize.phase === "done" && !outcome) return {};
    const id = record.status.backendId;
    let cloudBytes = id === undefined ? undefined : (await this.deps.cloud.describe([id]))[0]?.sizeBytes;
    let current = outcome ? await this.noteReport(record, outcome) : record;
    for (let pass = 0; pass < 3; pass += 1) {
      const resize = current.status.resize as ResizeStatus;
      const step = nextResizeStep({ resize, wantedBytes: current.spec.sizeBytes, ...(cloudBytes === undefined ? {} : { cloudBytes }), ...this.holderOf(current) });
      if (step.kind !== "growCloud") return this.settle(current, step, cloudBytes);
      const grown = await this.growCloud(current, id as string, step.sizeBytes);
      if (grown.kind === "later") return grown.result;
      cloudBytes = Math.max(cloudBytes ?? 0, grown.sizeBytes);
      current = await this.patch(current, { cloudBytes, error: undefined });
    }
    return { requeueAfterMs: 0 };
  }

  /** What is not the cloud's: ask the holder, wait for a mount, or finish. */
  private async settle(record: VolumeRecord, step: Exclude<ResizeStep, { kind: "growCloud" }>, cloudBytes: number | undefined): Promise<{ requeueAfterMs?: number }> {
    const name = record.spec.name;
    const now = this.deps.clock.now();
    const base: Change = { phase: phaseOf(step), ...(cloudBytes === undefined ? {} : { cloudBytes }) };
    if (step.kind === "done") {
      this.deps.broker.forget(name);
      await this.patch(record, { ...base, error: undefined, doneAt: record.status.resize?.doneAt ?? new Date(now).toISOString() });
      return {};
    }
    if (step.kind === "awaitMount") {
      this.deps.broker.forget(name);
      await this.patch(record, base);
      return {};
    }
    const failed = this.failedAt.get(name);
    if (failed !== undefined && now < failed + this.settings.retryMs) {
      await this.patch(record, base);
      return { requeueAfterMs: failed + this.settings.retryMs - now };
    }
    const ask = this.deps.broker.ask(step.nodeId, name, step.sizeBytes);
    const silent = now - ask.askedAt >= this.settings.reportWaitMs;
    const error = silent ? `node ${this.hostOf(step.nodeId)} has not reported the filesystem grow asked ${Math.round((now - ask.askedAt) / 1000)} s ago (an agent older than resize ignores it: upgrade it)` : undefined;
    await this.patch(record, { ...base, ...(error ? { error } : {}) });
    return { requeueAfterMs: this.settings.pollMs * 5 };
  }

  /** ModifyVolume (journaled) and a bounded wait for the new size to be usable. */
  private async growCloud(record: VolumeRecord, volumeId: string, sizeBytes: number): Promise<{ kind: "grown"; sizeBytes: number } | { kind: "later"; result: { requeueAfterMs?: number } }> {
    const name = record.spec.name;
    let grown: { sizeBytes: number } | undefined;
    try {
      this.deps.gate?.();
      await journaled(this.deps.journal, name, { kind: "resizeCloudVolume", volumeId, sizeBytes }, async () => {
        try {
          grown = await this.deps.resize.grow(volumeId, sizeBytes, this.settings.cloudWaitMs);
        } catch (err) {
          // Still modifying: the request is in, the wait goes on at the next pass.
          if (!isSwarmvolError(err, ErrorCode.Timeout)) throw err;
        }
      });
    } catch (err) {
      const domain = toSwarmvolError(err);
      await this.patch(record, { phase: "cloud", error: `the cloud could not grow the volume to ${formatSize(sizeBytes)}: ${domain.message}` });
      this.deps.logger.warn({ volume: name, volumeId, sizeBytes, code: domain.code, err: domain.message }, "cloud volume not grown");
      // A refusal stands until the operator asks another size; the cloud's "not now" is asked again later.
      if (domain.code === ErrorCode.InvalidArgument) return { kind: "later", result: {} };
      if (domain.code === ErrorCode.Conflict) return { kind: "later", result: { requeueAfterMs: this.settings.retryMs } };
      throw domain;
    }
    if (grown) return { kind: "grown", sizeBytes: grown.sizeBytes };
    if (record.status.resize?.phase !== "cloud") await this.patch(record, { phase: "cloud" });
    return { kind: "later", result: { requeueAfterMs: this.settings.pollMs } };
  }

  /** A node's report of a grow: kept when it came from the volume's holder. */
  private async noteReport(record: VolumeRecord, outcome: GrowOutcome): Promise<VolumeRecord> {
    const name = record.spec.name;
    const { report, nodeId } = outcome;
    if (record.status.grantedTo?.nodeId !== nodeId) {
      this.deps.logger.warn({ volume: name, node: nodeId, holder: record.status.grantedTo?.nodeId }, "filesystem grow reported by a node that does not hold the volume; ignored");
      return record;
    }
    const host = this.hostOf(nodeId);
    const cloud = record.status.resize?.cloudBytes ?? 0;
    if (!report.ok || report.deviceBytes === undefined) {
      this.failedAt.set(name, outcome.at);
      return this.patch(record, { error: `node ${host} could not grow the filesystem: ${report.error?.slice(0, 500) ?? "no reason given"}` });
    }
    this.failedAt.delete(name);
    const change: Change = {
      grownForBytes: report.deviceBytes, grownOn: nodeId, error: undefined,
      ...(report.filesystemBytes === undefined ? {} : { filesystemBytes: report.filesystemBytes }),
    };
    this.deps.logger.info({ volume: name, node: nodeId, deviceBytes: report.deviceBytes, filesystemBytes: report.filesystemBytes }, "filesystem grown");
    if (report.deviceBytes < cloud) {
      // The node does not see the new size yet: ask again soon, not at the long retry.
      this.failedAt.set(name, outcome.at - this.settings.retryMs + this.settings.pollMs * 5);
      change.error = `the device on node ${host} is ${formatSize(report.deviceBytes)}, the cloud volume ${formatSize(cloud)}: the node has not seen it grow yet`;
    }
    return this.patch(record, change);
  }

  /** The node granted the volume, when its agent reports it mounted under a live lease. */
  private holderOf(record: VolumeRecord): { holder?: string } {
    const nodeId = record.status.grantedTo?.nodeId;
    if (nodeId === undefined) return {};
    const live = (this.deps.registry.lease(nodeId)?.expiresAt ?? 0) > this.deps.clock.now();
    return live && this.deps.registry.mountersOf(record.spec.name).includes(nodeId) ? { holder: nodeId } : {};
  }

  private hostOf(nodeId: string): string {
    const hostname = this.deps.registry.lease(nodeId)?.hostname;
    return hostname === undefined || hostname === nodeId ? nodeId : hostname;
  }

  /** Writes resize fields onto the catalog's current record (never an older copy); nothing when nothing changes. */
  private async patch(record: VolumeRecord, change: Change): Promise<VolumeRecord> {
    const current = this.deps.catalog.get(record.spec.name) ?? record;
    const before = current.status.resize;
    if (!before) return current;
    const resize: ResizeStatus = { ...before };
    for (const [key, value] of Object.entries(change) as Array<[keyof ResizeStatus, never]>) {
      if (value === undefined) delete resize[key];
      else resize[key] = value;
    }
    if (JSON.stringify(resize) === JSON.stringify(before)) return current;
    const next = { ...current, status: { ...current.status, resize } };
    await this.deps.catalog.put(next);
    return next;
  }

  private record(volume: string): VolumeRecord {
    const record = this.deps.catalog.get(volume);
    if (!record) throw notFound(`no such volume ${quoted(volume)}: \`swarmvol ls\` lists them`, { name: volume });
    return record;
  }

  /** The answer for a volume never resized asked for the size it has: nothing to do. */
  private settled(record: VolumeRecord, cloudBytes: number | undefined): ResizeStatus {
    return {
      wantedBytes: record.spec.sizeBytes, requestedAt: record.createdAt, phase: "done", doneAt: record.createdAt,
      ...(cloudBytes === undefined ? {} : { cloudBytes, grownForBytes: cloudBytes }),
    };
  }
}
