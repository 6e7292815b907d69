import { cloudTags, type CloudVolume, type CloudVolumes } from "../../core/cloud.js";
import { internal, isSwarmvolError } from "../../core/errors.js";
import type { EventSink } from "../../core/events.js";
import type { Journal } from "../../core/journal.js";
import type { ControllerMetrics } from "../../core/metrics.js";
import { decide, type NodeLookup, type NodeView, type PlacementAction, type PlacementDecision, type PlacementPolicy, type Want } from "../../core/placement.js";
import { noCrashPoints, type Catalog, type Clock, type CrashPoints, type Logger } from "../../core/ports.js";
import type { SwarmNode, SwarmTask } from "../../core/swarm.js";
import { taskWants } from "../../core/wants.js";
import { releasedFrom, withHolder, type VolumeRecord, type VolumeStatus } from "../../core/volume.js";
import type { ClaimBook } from "../claims.js";
import type { NodeRegistry } from "../nodeRegistry.js";
import type { CloudVolumeCache } from "../cloudCache.js";
import type { MoveHolds } from "../moves/moveHolds.js";
import type { PowerFencer } from "../powerFence.js";
import { advanceMove, earlierMovesAfter, fenceMove, mergeMove, startMove } from "./moveTimeline.js";
import { performRelocation } from "./relocation.js";
import { TransitionAges } from "./transitionAges.js";

/** The informer's read side, as much of it as placement needs. */
export interface PlacementView {
  node(id: string): SwarmNode | undefined;
  /** Every Swarm node (the same array until one changes), for the instance labels. */
  nodes?(): readonly SwarmNode[];
  tasksForVolume(volume: string): readonly SwarmTask[];
}

export interface ReconcilerDeps {
  catalog: Catalog;
  cloud: CloudVolumes;
  journal: Journal;
  registry: NodeRegistry;
  claims: ClaimBook;
  /** Operators' moves (controller/moves/moveHolds.ts): each standing one is a want on its target (ADR 0023). */
  holds?: Pick<MoveHolds, "wants" | "nextLapse" | "arrived">;
  view: PlacementView;
  clock: Clock;
  metrics: ControllerMetrics;
  policy: PlacementPolicy;
  /** Called after a volume is granted, so waiting claim calls answer at once. */
  onGrant?: (volume: string) => void;
  /** Volumes a resync described in bulk; absent means describe each volume alone. */
  cache?: CloudVolumeCache;
  /** Throws unless this replica may act now (the leader's gate, ADR 0010); run before every action. */
  gate?: () => void;
  /** Stops lapsed nodes' instances; required when `policy.fenceMode` is "power" (ADR 0012). */
  fencer?: Pick<PowerFencer, "fence">;
  /** Told once per lease when a node holding a volume is seen lapsed (status events come from the catalog). */
  events?: EventSink;
  /** The snapshot a clone (`-o from=`) is made from, taken now if the record does not know it (SnapshotService.cloneSource). */
  cloneSource?: (record: VolumeRecord) => Promise<string>;
  /** The snapshot of a detached volume that moves to another zone (SnapshotService.forRelocation); absent: zonePolicy=follow cannot move. */
  relocationSnapshot?: (record: VolumeRecord, volumeId: string, key: string) => Promise<string>;
  /** Since when attachments are `attaching`/`detaching`, for `policy.stuckTransitionMs`. @default one per Reconciler (per term) */
  transitions?: TransitionAges;
  /** The move's named steps (core/crashPoints.ts); the EC2 requests' own are in storage/ebs/crashPointClient.ts. */
  crashPoints?: CrashPoints;
}

export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** Steps per reconcile before yielding (each step is decide → act on fresh knowledge). */
const maxSteps = 8;

/**
 * reconcile(name) = observe → decide() → act, level-based: it reads everything afresh,
 * so it does not matter which event queued the name or how often. After each action it
 * updates what it knows locally and decides again, so a whole move costs one Describe.
 */
export class Reconciler {
  private readonly transitions: TransitionAges;
  private readonly crash: CrashPoints;

  constructor(private readonly deps: ReconcilerDeps) {
    this.transitions = deps.transitions ?? new TransitionAges();
    this.crash = deps.crashPoints ?? noCrashPoints;
  }

  async reconcile(name: string, logger: Logger): Promise<ReconcileResult> {
    let record = this.deps.catalog.get(name);
    if (!record || record.status.phase !== "ready") return {};
    let cloud = await this.describe(record);
    const wants = this.wantsOf(name);
    const nodes = await this.nodeLookup(cloud);
    for (let step = 0; step < maxSteps; step += 1) {
      const now = this.deps.clock.now();
      const decision = decide({ volume: record, cloud, wants, nodes, now, policy: this.deps.policy });
      record = await this.record(record, decision, now);
      if (decision.actions.length === 0) return this.untilClaimsLapse(name, resultOf(decision));
      for (const action of decision.actions) {
        logger.info({ action: action.kind, ...action }, "placement action");
        ({ record, cloud } = await this.act(record, cloud, action));
      }
      if ((decision.requeueAfterMs ?? 0) > 0) return this.untilClaimsLapse(name, resultOf(decision));
    }
    return { requeueAfterMs: 0 };
  }

  /** Decides again when a claim or a move's hold the decision counted lapses (nextLapse), if that comes first. */
  private untilClaimsLapse(name: string, result: ReconcileResult): ReconcileResult {
    const lapses = [this.deps.claims.nextLapse(name, this.stillMounted(name)), this.deps.holds?.nextLapse(name)].filter((at): at is number => at !== undefined);
    const lapse = lapses.length === 0 ? undefined : Math.min(...lapses);
    if (lapse === undefined) return result;
    const after = Math.max(1, lapse - this.deps.clock.now());
    return result.requeueAfterMs !== undefined && result.requeueAfterMs <= after ? result : { requeueAfterMs: after };
  }

  /** Nodes whose agent reports the volume mounted under a live lease: their claims hold while the mount does. */
  private stillMounted(name: string): (nodeId: string) => boolean {
    const now = this.deps.clock.now();
    const mounters = new Set(this.deps.registry.mountersOf(name).filter((id) => (this.deps.registry.lease(id)?.expiresAt ?? 0) > now));
    return (nodeId) => mounters.has(nodeId);
  }

  /** The cloud volume, its attachments in transition stamped with since when (ADR 0013). */
  private async describe(record: VolumeRecord): Promise<CloudVolume | undefined> {
    const id = record.status.backendId;
    if (id === undefined) return undefined;
    const volume = this.deps.cache?.take(id, this.deps.clock.now()) ?? (await this.deps.cloud.describe([id]))[0];
    return volume === undefined ? undefined : this.transitions.stamp(volume, this.deps.clock.now());
  }

  /** The workload's wants and an operator's move, if its hold still stands beside them (core/moves.ts holdEnding). */
  wantsOf(name: string): Want[] {
    const workload = this.workloadWants(name);
    return [...workload, ...(this.deps.holds?.wants(name, workload) ?? [])];
  }

  /**
   * Tasks Swarm placed (desired running, not yet finished) plus agents' claims. A task's
   * driverless mount of `name` counts only while the catalog holds `name` (core/wants.ts).
   */
  workloadWants(name: string): Want[] {
    const tasks = taskWants(name, this.deps.view.tasksForVolume(name), this.deps.catalog.get(name) !== undefined);
    // A claim outlives its renewals only while its node mounts the volume under a live
    // lease: a dead node's last report must not keep the volume there.
    return [...tasks, ...this.deps.claims.wants(name, this.stillMounted(name))];
  }

  /**
   * Node lookup for decide(); asks EC2 for the state of any instance that holds this volume
   * from a node whose lease has lapsed, since a stopped instance is fenced at once. Views
   * are built on demand, so the states learned here are seen by decide().
   */
  private async nodeLookup(cloud: CloudVolume | undefined): Promise<NodeLookup> {
    const lookup = this.deps.registry.lookup((id) => this.deps.view.node(id), () => this.deps.view.nodes?.() ?? []);
    const now = this.deps.clock.now();
    const lapsed = (cloud?.attachments ?? [])
      .map((attachment) => lookup.nodeOfInstance(attachment.instanceId))
      .filter((node): node is NodeView => node?.leaseExpiresAt !== undefined && node.leaseExpiresAt <= now && node.instanceId !== undefined);
    if (lapsed.length === 0) return lookup;
    for (const node of lapsed) this.tellLapsed(node);
    for (const instance of await this.deps.cloud.describeInstances(lapsed.map((node) => node.instanceId as string))) {
      this.deps.registry.setInstanceState(instance.id, instance.state);
    }
    return lookup;
  }

  private tellLapsed(node: NodeView): void {
    if (!this.deps.registry.firstLapseOf(node.nodeId, node.leaseExpiresAt ?? 0)) return;
    const unheard = node.unheard === true;
    this.deps.events?.record({
      type: "node.lapsed", node: node.nodeId, data: { leaseExpiredAt: new Date(node.leaseExpiresAt ?? 0).toISOString(), unheard, instanceId: node.instanceId ?? null },
      message: unheard ? `node ${node.nodeId} not heard since this leader took over; its volumes are moved once the fence grace has passed` : `lease of node ${node.nodeId} lapsed; its volumes are moved once the fence grace has passed`,
    });
  }

  /** Persists the condition and the move timeline when they change. */
  private async record(record: VolumeRecord, decision: PlacementDecision, now: number): Promise<VolumeRecord> {
    const change: Partial<VolumeStatus> = {};
    const move = startMove(record, decision, now);
    if (move) change.lastMove = move;
    const condition = decision.condition;
    if ((condition?.message ?? null) !== (record.status.condition?.message ?? null)) {
      change.condition = condition ? { ...condition, since: new Date(now).toISOString() } : undefined;
    }
    if (decision.idleSince !== record.status.idleSince) change.idleSince = decision.idleSince;
    return Object.keys(change).length === 0 ? record : this.patch(record, change);
  }

  /**
   * Writes status fields onto the catalog's current record, not onto this reconcile's copy:
   * the API may have changed the record meanwhile (t7 from a heartbeat, the fresh mark
   * from an agent's mkfs), and an older copy must never undo that.
   */
  private async patch(record: VolumeRecord, change: Partial<VolumeStatus>): Promise<VolumeRecord> {
    const current = this.deps.catalog.get(record.spec.name) ?? record;
    const status: VolumeStatus = { ...current.status, ...change };
    if (change.lastMove) {
      const earlierMoves = earlierMovesAfter(current.status, change.lastMove);
      status.lastMove = mergeMove(current.status.lastMove, change.lastMove);
      if (earlierMoves) status.earlierMoves = earlierMoves;
    }
    for (const key of ["condition", "idleSince", "grantedTo", "holders", "relocation"] as const) if (key in change && change[key] === undefined) delete status[key];
    const next = { ...current, status };
    await this.deps.catalog.put(next);
    return next;
  }

  private async act(record: VolumeRecord, cloud: CloudVolume | undefined, action: PlacementAction): Promise<{ record: VolumeRecord; cloud: CloudVolume | undefined }> {
    const entry = await this.deps.journal.begin(record.spec.name, action);
    this.markChanged(record);
    try {
      const fenced = fenceMove(record.status.lastMove, action, this.deps.clock.now(), this.deps.metrics);
      const before = fenced === record.status.lastMove || !fenced ? record : await this.patch(record, { lastMove: fenced });
      if (action.kind === "detach") this.crash.reached("controller.move.fenced");
      const result = await this.perform(before, cloud, action);
      await this.deps.journal.finish(entry);
      this.markChanged(result.record);
      const lastMove = advanceMove(result.record.status.lastMove, action, this.deps.clock.now(), this.deps.metrics);
      const next = lastMove === result.record.status.lastMove || !lastMove ? result.record : await this.patch(result.record, { lastMove });
      if (action.kind === "grant") this.deps.onGrant?.(record.spec.name);
      this.deps.metrics.action(action.kind, undefined);
      return { record: next, cloud: result.cloud };
    } catch (err) {
      this.markChanged(record);
      await this.deps.journal.finish(entry, err instanceof Error ? err.message : String(err));
      this.deps.metrics.action(action.kind, isSwarmvolError(err) ? err.code : "INTERNAL");
      throw err;
    }
  }

  private creationOptions(record: VolumeRecord): ReturnType<typeof cloneOptions> {
    return cloneOptions(record, this.deps.cloneSource);
  }

  /** A bulk describe begun before now must not prime this volume (cloudCache.ts). */
  private markChanged(record: VolumeRecord): void {
    const id = record.status.backendId;
    if (id !== undefined) this.deps.cache?.changed(id, this.deps.clock.now());
  }

  private async perform(record: VolumeRecord, cloud: CloudVolume | undefined, action: PlacementAction): Promise<{ record: VolumeRecord; cloud: CloudVolume | undefined }> {
    this.deps.gate?.();
    switch (action.kind) {
      case "createCloudVolume": {
        const { options, sourceSnapshot } = await this.creationOptions(record);
        const created = await this.deps.cloud.create({
          uid: record.uid, backend: record.spec.backend, name: record.spec.name, sizeBytes: record.spec.sizeBytes, zone: action.zone, options,
          fsType: record.spec.fsType, createdAt: record.createdAt,
        });
        return { record: await this.patch(record, { backendId: created.id, zone: created.zone, ...(sourceSnapshot ? { sourceSnapshot } : {}) }), cloud: created };
      }
      case "detach": {
        const volume = cloud as CloudVolume;
        await this.deps.cloud.detach(volume.id, action.instanceId, { force: action.force });
        this.crash.reached("controller.detach.observed");
        // A grant to an instance the volume has left means nothing any more (a share's other holders keep theirs).
        const released = releasedFrom(record.status, action.instanceId);
        const next = released ? await this.patch(record, released) : record;
        return { record: next, cloud: { ...volume, attachments: volume.attachments.filter((a) => a.instanceId !== action.instanceId) } };
      }
      case "attach": {
        const volume = cloud as CloudVolume;
        // Attached again where a relocation began (the task came back to its zone): that relocation is over.
        const stale = record.status.relocation?.fromVolumeId === volume.id;
        const raised = await this.patch(record, { epoch: action.epoch, ...(stale ? { relocation: undefined } : {}) });
        await this.deps.cloud.setTags(volume.id, { [cloudTags.epoch]: String(action.epoch) });
        this.crash.reached("controller.attach.epochRaised");
        const attachment = await this.deps.cloud.attach(volume.id, action.instanceId);
        this.crash.reached("controller.attach.observed");
        return { record: raised, cloud: { ...volume, state: "in-use", attachments: [...volume.attachments, attachment] } };
      }
      case "powerOff": {
        // Waits (bounded) for the stop; the outcome is in the registry, where the next decide() reads it.
        if (!this.deps.fencer) throw internal("fence mode power without a power fencer: the controller was wired wrong");
        await this.deps.fencer.fence({ nodeId: action.nodeId, instanceId: action.instanceId, lapse: action.lapse });
        return { record, cloud };
      }
      case "grant": {
        const since = new Date(this.deps.clock.now()).toISOString();
        const grantedTo = { nodeId: action.nodeId, instanceId: action.instanceId, device: action.device, epoch: action.epoch, since };
        this.crash.reached("controller.grant.beforeWrite");
        const granted = await this.patch(record, action.shared ? { epoch: action.epoch, holders: withHolder(record.status, grantedTo) } : { epoch: action.epoch, grantedTo });
        this.crash.reached("controller.grant.written");
        this.deps.holds?.arrived(record.spec.name, action.nodeId);
        return { record: granted, cloud };
      }
      case "snapshotForRelocation":
      case "createRelocated":
      case "retireCloudVolume":
        return performRelocation({ cloud: this.deps.cloud, snapshot: this.deps.relocationSnapshot, patch: (r, change) => this.patch(r, change) }, record, cloud, action);
    }
  }
}

/** What CreateVolume is given: a clone is a restore of its source snapshot (`from` itself means nothing to the cloud). */
async function cloneOptions(record: VolumeRecord, cloneSource: ReconcilerDeps["cloneSource"]): Promise<{ options: Readonly<Record<string, string>>; sourceSnapshot?: string }> {
  const { from, ...options } = record.spec.options;
  if (from === undefined) return { options };
  if (!cloneSource && record.status.sourceSnapshot === undefined) throw internal(`volume ${record.spec.name} is a clone but this controller takes no snapshots`);
  const sourceSnapshot = record.status.sourceSnapshot ?? await (cloneSource as NonNullable<typeof cloneSource>)(record);
  return { options: { ...options, snapshot: sourceSnapshot }, sourceSnapshot };
}

function resultOf(decision: PlacementDecision): ReconcileResult {
  return decision.requeueAfterMs === undefined ? {} : { requeueAfterMs: decision.requeueAfterMs };
}
