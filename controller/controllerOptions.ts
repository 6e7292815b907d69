/**
 * What a term's Controller (controller/controller.ts) is built from: the informer it
 * drives, the ports and settings of every part, and the power fencer a power-mode term
 * gets. Kept apart so the controller's file holds its behaviour.
 */
import type { BackendKind } from "../core/backends.js";
import type { CloudResize, CloudSnapshots, CloudVolumes, InstancePower } from "../core/cloud.js";
import type { MoveHoldStore, NodeLabelStore } from "../core/clusterStore.js";
import { invalidArgument } from "../core/errors.js";
import type { EventSink } from "../core/events.js";
import type { Journal } from "../core/journal.js";
import type { ControllerMetrics } from "../core/metrics.js";
import type { PlacementPolicy } from "../core/placement.js";
import type { Catalog, Clock, CrashPoints, Logger, NodeAvailability, SwarmServices } from "../core/ports.js";
import type { SwarmNode } from "../core/swarm.js";
import type { VolumeSpec } from "../core/volume.js";
import type { Scheduler } from "./informer/scheduler.js";
import type { NodeRegistry } from "./nodeRegistry.js";
import { PowerFencer, type PowerFenceSettings } from "./powerFence.js";
import type { Timers } from "./queue.js";
import type { PlacementView } from "./reconcile/reconciler.js";
import type { ResizeSettings } from "./resize/resizeService.js";
import type { FreezeSettings } from "./snapshots/freezeBroker.js";

/** The informer as the controller drives it. */
export interface ControllerInformer extends PlacementView {
  nodes(): readonly SwarmNode[];
  start(): void;
  stop(): Promise<void>;
  waitForSync(): Promise<void>;
  onVolumeDirty(handler: (volume: string) => void): () => void;
  onResync(handler: () => void): () => void;
}

export interface ControllerOptions {
  informer: ControllerInformer;
  /** Swarm's services, for operators' moves `withService` (ADR 0023); absent: those are refused. */
  services?: SwarmServices;
  /** How long an operator's move keeps wanting the volume on its target at most. @default 10 minutes */
  moveHoldMs?: number;
  catalog: Catalog;
  cloud: CloudVolumes;
  journal: Journal;
  clock: Clock;
  logger: Logger;
  metrics: ControllerMetrics;
  policy: PlacementPolicy;
  leaseTtlMs: number;
  claimTtlMs: number;
  buildSpec: (name: string, options: Readonly<Record<string, unknown>> | null) => VolumeSpec;
  /** Whether a backend is a block device or a share (BackendRegistry.kindOf); absent: the design's kinds (core/backends.ts backendKindOf). */
  backendKind?: (backend: string) => BackendKind;
  workers?: number;
  timers?: Timers;
  /**
   * False when a replica keeps the informer running across terms of leadership (warm
   * standby): this controller then neither starts nor stops it. @default true
   */
  ownsInformer?: boolean;
  /** Throws unless this replica may act now (ADR 0010); absent: always may (a lone controller). */
  gate?: () => void;
  /** Where node identity and operator fences are kept for the next leader (Swarm node labels). */
  nodeLabels?: NodeLabelStore;
  /** Where operators' moves under way are kept for the next leader (Swarm configs); absent: in this term's memory. */
  moveHolds?: MoveHoldStore;
  /** Stops instances; required with `policy.fenceMode: "power"` (ADR 0012). */
  power?: InstancePower;
  powerFence?: Partial<PowerFenceSettings>;
  /** Where the term tells what it changed (core/events.ts); catalog writes are told by RecordingCatalog. */
  events?: EventSink;
  /** Snapshots of the cloud's volumes (the EBS backend); absent: none are taken. */
  snapshots?: CloudSnapshots;
  freeze?: Partial<FreezeSettings>;
  /** Grows cloud volumes in place (the EBS backend); absent: resizes are refused (ADR 0026). */
  resize?: CloudResize;
  resizeSettings?: Partial<ResizeSettings>;
  /** node-cron: ticks the snapshot schedules (with `snapshots`); absent: no scheduled snapshots. */
  cron?: Scheduler;
  /**
   * The term's lease registry when it was born before the term (a replica's takeover makes
   * it first, so heartbeats during the restore renew leases). @default a new one, born now
   */
  registry?: NodeRegistry;
  /** The reconciler's named steps of a move (core/crashPoints.ts). */
  crashPoints?: CrashPoints;
  /**
   * Drain fenced nodes that hold volumes in Swarm, and restore them once back (ADR 0022):
   * through `availability`, marked `marker` (replica and term). Absent: nodes are never touched.
   */
  drain?: { availability: NodeAvailability; marker: string };
}

/** The term's power fencer in power mode (none in self mode); INVALID_ARGUMENT without a way to stop instances. */
export function powerFencerFor(options: ControllerOptions, registry: NodeRegistry): PowerFencer | undefined {
  if (options.policy.fenceMode !== "power") return undefined;
  if (!options.power) throw invalidArgument("--fence-mode=power needs a cloud that can stop instances (the EBS backend)");
  return new PowerFencer({
    power: options.power, registry, clock: options.clock, logger: options.logger.child({ component: "power-fence" }), metrics: options.metrics,
    ...(options.powerFence ? { settings: options.powerFence } : {}),
  });
}
