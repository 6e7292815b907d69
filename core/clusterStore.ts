/**
 * What the controller replicas keep in Swarm's own Raft store, so that any one of them can
 * lead after another dies with its disk: every volume created (spec, options, uid, creation
 * time, whether swarmvol made its filesystem), which instance and zone each Swarm node is,
 * operator fences (node labels), and operators' moves under way (their holds, ADR 0023). Fencing epochs live in the cloud's tags. Each replica's
 * lowdb files are only its journal and cache. The adapter is controller/swarm/swarmStore.ts.
 */
import type { LeaseStore } from "./leadership.js";
import type { MoveHold } from "./moves.js";
import type { StoredResize } from "./resize.js";
import type { VolumeSpec } from "./volume.js";

/** A volume as stored in Swarm: enough to rebuild its catalog entry with its real options. */
export interface StoredVolume {
  uid: string;
  createdAt: string;
  spec: VolumeSpec;
  /** swarmvol made its filesystem (the catalog's `fresh` is the opposite). */
  formatted: boolean;
  /**
   * The latest resize (core/resize.ts, ADR 0026): its wanted size (then also
   * `spec.sizeBytes`) and what the filesystem was grown to fill, so a new leader goes on.
   */
  resize?: StoredResize;
}

export interface VolumeSpecStore {
  listVolumes(): Promise<StoredVolume[]>;
  /**
   * Durable in Raft once it resolves. Creates the entry, or updates `formatted` and `resize`
   * (with `spec.sizeBytes`, its wanted size) of the entry with the same uid; ALREADY_EXISTS
   * when the name is stored with another uid.
   */
  putVolume(volume: StoredVolume): Promise<void>;
  /** Idempotent: removing a name that is not stored succeeds. */
  removeVolume(name: string): Promise<void>;
}

/** Swarm node labels swarmvol writes (only the leader writes them). */
export const nodeLabels = {
  instanceId: "swarmvol.instance-id",
  zone: "swarmvol.zone",
  /** Set by `POST /v1/nodes/{id}/fence` (ISO time); removed by unfence. */
  fenced: "swarmvol.fenced",
  /** The leader drained this fenced node (`<replica>/term-<n>`); removed when it restores it (ADR 0022). */
  drainedBy: "swarmvol.drained-by",
  /** The availability the node had before swarmvol drained it. */
  drainedFrom: "swarmvol.drained-from",
} as const;

export interface NodeLabelStore {
  /**
   * Merges labels into the Swarm node's spec by compare-and-swap on its version (retried on
   * a conflict with Swarm's own updates); an undefined value removes the label.
   */
  setNodeLabels(nodeId: string, labels: Readonly<Record<string, string | undefined>>): Promise<void>;
}

/**
 * Operators' move holds (core/moves.ts), at most one per volume, so that a new leader
 * finishes, or ends at its bound, a move an old leader accepted. A hold's times are epoch
 * ms of the wall clock (`until` is absolute: any leader reads the same deadline). Only the
 * leader writes.
 */
export interface MoveHoldStore {
  /** Every stored hold, standing or ended. */
  listMoveHolds(): Promise<MoveHold[]>;
  /**
   * Durable in Raft once it resolves. A standing hold becomes its volume's hold, replacing
   * another move's; an ended one records the end of the same move only (a newer move's
   * hold stored since is left alone, and one never stored is not written).
   */
  putMoveHold(hold: MoveHold): Promise<void>;
  /** Removes the volume's hold if it is move `id`; idempotent. */
  removeMoveHold(volume: string, id: string): Promise<void>;
}

export interface ClusterStore extends LeaseStore, VolumeSpecStore, NodeLabelStore, MoveHoldStore {}
