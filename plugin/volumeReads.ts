/**
 * Docker's read verbs (Get, List, Path) as the node answers them, and what `docker volume
 * inspect` shows in `Status`: the record's spec and epoch, this node's mounts and fence,
 * and the cluster's view of the volume from the controller: its condition, its holder
 * (the node it is granted to) and its last move with each phase's time after t2 (ADR 0023).
 * When the controller could not be asked, the answer comes from the node's cache and
 * `Status.controller` says so: Get never fails for that (dockerd forgets, at start, every
 * volume Get denies), and the cluster fields are then the last ones known.
 */
import { describeResize } from "../core/resize.js";
import { notFound } from "../core/errors.js";
import type { BlockFilesystem, MountTable, VolumeDirectory } from "../core/ports.js";
import { grantsOf, grantText, validateVolumeName, type MoveTimeline, type VolumeRecord } from "../core/volume.js";
import type { PluginVolume } from "./protocol.js";

/** What only this node knows of a volume, for its Status. */
export interface NodeFacts {
  mountsHere: number;
  /** Why fencing took it from Docker here, until mounted again. */
  fenced?: string;
  /** Where the record came from (VolumeDirectory.readSource); absent: a local catalog (all-in-one). */
  source?: { from: "controller" } | { from: "cache"; reason: string };
}

const phases: ReadonlyArray<[keyof MoveTimeline, string]> = [
  ["t3Fenced", "t3"], ["t4Detached", "t4"], ["t5Attached", "t5"], ["t6Verified", "t6"], ["t7Mounted", "t7"],
];

/** `n1 -> n2 (forced) seen 2026-…Z: t3 +0.50s, t4 +2.60s, …`, or "none". */
export function lastMoveText(move: MoveTimeline | undefined): string {
  if (!move) return "none";
  const reached = phases.filter(([key]) => typeof move[key] === "number").map(([key, label]) => `${label} +${(((move[key] as number) - move.t2Seen) / 1000).toFixed(2)}s`);
  const head = `${move.fromNode ?? "(nowhere)"} -> ${move.toNode}${move.forced ? " (forced)" : ""} seen ${new Date(move.t2Seen).toISOString()}`;
  return reached.length > 0 ? `${head}: ${reached.join(", ")}` : `${head}: under way`;
}

/** The `Status` map of `docker volume inspect`: flat strings and numbers, so `-f '{{.Status.holder}}'` reads one. */
export function volumeStatus(record: VolumeRecord, facts: NodeFacts): Record<string, unknown> {
  const { status } = record;
  const grants = grantsOf(status);
  const condition = status.condition;
  return {
    backend: record.spec.backend,
    size: record.spec.sizeBytes,
    fsType: record.spec.fsType,
    options: record.spec.options,
    uid: record.uid,
    epoch: status.epoch,
    mountsOnThisNode: facts.mountsHere,
    ...(facts.fenced === undefined ? {} : { fenced: facts.fenced }),
    condition: condition ? `${condition.reason}: ${condition.message} (since ${condition.since})` : "OK",
    // A multi-writer share's holders, one after another ("; "): a flat string, as `-f '{{.Status.holder}}'` reads it.
    holder: grants.length > 0 ? grants.map(grantText).join("; ") : "none",
    lastMove: lastMoveText(status.lastMove),
    ...(status.resize ? { resize: `${status.resize.phase}: ${describeResize(status.resize)}` } : {}),
    ...(facts.source === undefined ? {} : {
      controller: facts.source.from === "controller" ? "reachable"
        : `unreachable (${facts.source.reason}): condition, holder and last move are the last this node heard`,
    }),
  };
}

export interface VolumeReadsDeps {
  directory: VolumeDirectory;
  mounts: MountTable;
  filesystem: Pick<BlockFilesystem, "isMounted">;
  /** The volumes fencing took from Docker on this node, with the reason. */
  fenced: ReadonlyMap<string, string>;
}

/** Get, List and Path of the plugin, answered from the cluster-wide catalog and this node's mount table. */
export class VolumeReads {
  constructor(private readonly deps: VolumeReadsDeps) {}

  /** Mountpoint if mounted on this node, else "" (Docker treats that as "not mounted"). */
  async path(rawName: unknown): Promise<string> {
    const name = validateVolumeName(rawName);
    await this.readyRecord(name);
    return this.mountpointOf(name);
  }

  async get(rawName: unknown): Promise<PluginVolume> {
    const name = validateVolumeName(rawName);
    return this.describe(await this.readyRecord(name));
  }

  async list(): Promise<PluginVolume[]> {
    const ready = (await this.deps.directory.list()).filter((record) => record.status.phase === "ready");
    return Promise.all(ready.map((record) => this.describe(record)));
  }

  async readyRecord(name: string): Promise<VolumeRecord> {
    const record = await this.deps.directory.get(name);
    if (!record || record.status.phase !== "ready") {
      throw notFound(`no such volume "${name}": create it first (docker volume create -d swarmvol ${name})`, { name });
    }
    return record;
  }

  /** The data folder where the volume is mounted on this node, or "". */
  async mountpointOf(name: string): Promise<string> {
    const entry = this.deps.mounts.get(name);
    if (!entry || entry.ids.length === 0) return "";
    return (await this.deps.filesystem.isMounted(entry.mountRoot)) ? dataPath(entry.mountRoot) : "";
  }

  private async describe(record: VolumeRecord): Promise<PluginVolume> {
    const name = record.spec.name;
    const mountpoint = await this.mountpointOf(name);
    const fenced = this.deps.fenced.get(name);
    const source = this.deps.directory.readSource?.(name);
    const facts: NodeFacts = { mountsHere: this.deps.mounts.get(name)?.ids.length ?? 0, ...(fenced === undefined ? {} : { fenced }), ...(source ? { source } : {}) };
    return { Name: name, ...(mountpoint ? { Mountpoint: mountpoint } : {}), CreatedAt: record.createdAt, Status: volumeStatus(record, facts) };
  }
}

/**
 * Docker mounts at the volume's `data` folder, not its root: a fresh ext4 root holds
 * lost+found, which PostgreSQL's initdb and similar tools reject as "not empty".
 */
export function dataPath(mountRoot: string): string {
  return `${mountRoot}/data`;
}
