/**
 * The domain objects the API sends (a volume's record, a node's view, an event) as
 * schemas. The types stay core's (core/volume.ts, core/placement.ts, core/events.ts); the
 * checks at the end make the compiler fail when a core type and its schema part ways (a
 * field added on one side only, a new value of a union), so a change to the domain
 * changes the wire on purpose.
 *
 * Clients read answers tolerantly: unknown fields are dropped, not refused, and the
 * unions a newer controller may grow (`known`) accept any string, so an agent older than
 * its controller keeps working during an upgrade.
 */
import { z } from "zod";
import type { EventType, SwarmvolEvent } from "../../core/events.js";
import type { PowerFenceView } from "../../core/fencing.js";
import type { NodeView } from "../../core/placement.js";
import type { MoveTimeline, Relocation, VolumeCondition, VolumeRecord, VolumeSpec, VolumeStatus } from "../../core/volume.js";
import { known } from "./fields.js";
import { resizeStatus } from "./resize.js";

export const volumeSpec = z.object({
  name: z.string(),
  backend: z.string(),
  sizeBytes: z.number(),
  fsType: known(["ext4", "xfs"]),
  /** The options as given at create. */
  options: z.record(z.string(), z.string()),
}).meta({ description: "What the user asked for (core/volume.ts VolumeSpec)." });

export const volumeCondition = z.object({
  reason: known(["HolderAlive", "Conflict", "ZoneMismatch", "Relocating", "NodeUnknown", "CloudError", "Fencing", "FenceFailed"]),
  message: z.string(),
  since: z.string(),
}).meta({ description: "Why the volume is not where it is wanted, in words an operator can act on." });

export const moveTimeline = z.object({
  fromNode: z.string().optional(),
  toNode: z.string(),
  t2Seen: z.number(),
  t3Fenced: z.number().optional(),
  t4Detached: z.number().optional(),
  t4aSnapshotted: z.number().optional(),
  t4bCreated: z.number().optional(),
  t5Attached: z.number().optional(),
  t6Verified: z.number().optional(),
  t7Mounted: z.number().optional(),
  forced: z.boolean(),
  fromZone: z.string().optional(),
  toZone: z.string().optional(),
}).meta({ description: "A move's phase times in epoch ms (t2 seen, t3 fenced, t4 detached, t4a snapshot taken and t4b volume created when it crosses zones, t5 attached, t6 device verified, t7 mounted)." });

export const relocation = z.object({
  fromVolumeId: z.string(),
  fromZone: z.string(),
  toZone: z.string(),
  epoch: z.number(),
  snapshotId: z.string().optional(),
  toVolumeId: z.string().optional(),
}).meta({ description: "A move to another zone not finished yet (zonePolicy=follow): the old cloud volume is deleted once the new one is mounted." });

export const grant = z.object({
  nodeId: z.string(),
  instanceId: z.string(),
  device: z.string(),
  epoch: z.number(),
  since: z.string(),
});

export const volumeStatus = z.object({
  phase: known(["creating", "ready"]),
  fresh: z.boolean(),
  epoch: z.number(),
  backendId: z.string().optional(),
  zone: z.string().optional(),
  grantedTo: grant.optional().meta({ description: "The node a single-writer volume is granted to." }),
  holders: z.array(grant).optional().meta({ description: "A multi-writer share's grants, one per node that holds it at once (grantedTo is then unset)." }),
  condition: volumeCondition.optional(),
  lastMove: moveTimeline.optional(),
  earlierMoves: z.array(moveTimeline).optional().meta({ description: "The moves before lastMove, newest first (at most 4), each with its phase times." }),
  idleSince: z.number().optional(),
  replicated: z.boolean().optional(),
  sourceSnapshot: z.string().optional().meta({ description: "A clone's content: the snapshot taken of its source for it." }),
  relocation: relocation.optional(),
  resize: resizeStatus.optional(),
});

export const volumeRecord = z.object({
  uid: z.string(),
  createdAt: z.string(),
  spec: volumeSpec,
  status: volumeStatus,
}).meta({
  description: "One volume, cluster-wide (core/volume.ts VolumeRecord).",
  examples: [{
    uid: "0b9d7c1e-5f3a-4e2b-9c8d-7a6b5c4d3e2f", createdAt: "2026-11-22T10:00:00.000Z",
    spec: { name: "jenkins_home", backend: "ebs", sizeBytes: 21474836480, fsType: "ext4", options: { size: "20" } },
    status: {
      phase: "ready", fresh: false, epoch: 3, backendId: "vol-0abc1234def567890", zone: "eu-west-1a",
      grantedTo: { nodeId: "x7k2m9q4w1e8r5t3y6u0i2o4p", instanceId: "i-0123456789abcdef0", device: "/dev/xvdba", epoch: 3, since: "2026-11-22T10:05:00.000Z" },
      lastMove: { fromNode: "a1b2c3d4e5f6g7h8i9j0k1l2m", toNode: "x7k2m9q4w1e8r5t3y6u0i2o4p", t2Seen: 1795341900000, t3Fenced: 1795341900500, t4Detached: 1795341903100, t5Attached: 1795341905200, t7Mounted: 1795341907900, forced: true },
    },
  }],
});

export const powerFence = z.object({
  state: known(["stopping", "failed"]),
  lapse: z.number(),
  since: z.number(),
  error: z.string().optional(),
});

export const nodeView = z.object({
  nodeId: z.string(),
  hostname: z.string(),
  instanceId: z.string().optional(),
  zone: z.string().optional(),
  swarmState: known(["unknown", "down", "ready", "disconnected", "absent"]),
  leaseExpiresAt: z.number().optional(),
  instanceState: known(["pending", "running", "stopping", "stopped", "shutting-down", "terminated", "unknown"]).optional(),
  mounted: z.array(z.string()).readonly(),
  operatorFenced: z.boolean().optional(),
  unheard: z.boolean().optional(),
  powerFence: powerFence.optional(),
}).meta({ description: "What the leader knows of one node (core/placement.ts NodeView); leaseExpiresAt in the leader's epoch ms." });

const eventTypes = [
  "volume.created", "volume.removed", "volume.placed", "move.phase", "move.done", "condition.changed",
  "node.lapsed", "node.fenced", "node.unfenced", "node.drained", "node.restored", "leader.changed", "snapshot.created", "snapshot.deleted",
  "snapshot.failed", "resize.phase", "resize.failed", "stream.gap",
] as const;

export const swarmvolEvent = z.object({
  id: z.string(),
  time: z.string(),
  type: known(eventTypes),
  volume: z.string().optional(),
  node: z.string().optional(),
  data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).readonly(),
  message: z.string(),
}).meta({
  description: "One event (core/events.ts); ids are <term>-<seq>.",
  examples: [{ id: "7-42", time: "2026-11-22T10:05:07.900Z", type: "move.phase", volume: "jenkins_home", node: "x7k2m9q4w1e8r5t3y6u0i2o4p", data: { phase: "t7_mounted", seconds: 7.9 }, message: "jenkins_home mounted on node2 (t7, 7.9 s after t2)" }],
});

/**
 * True when the schema's output and the core type have the same keys and each is
 * assignable to the other: what the server sends type-checks as the schema, and what a
 * client parsed is a core value.
 */
export type Mirrors<Out, Core> = [Exclude<keyof Out, keyof Core> | Exclude<keyof Core, keyof Out>] extends [never]
  ? [Out] extends [Core] ? [Core] extends [Out] ? true : false : false
  : false;
export type Holds<T extends true> = T;

export type _SchemasMirrorCore = [
  Holds<Mirrors<z.output<typeof volumeSpec>, VolumeSpec>>,
  Holds<Mirrors<z.output<typeof volumeCondition>, VolumeCondition>>,
  Holds<Mirrors<z.output<typeof moveTimeline>, MoveTimeline>>,
  Holds<Mirrors<z.output<typeof relocation>, Relocation>>,
  Holds<Mirrors<z.output<typeof grant>, NonNullable<VolumeStatus["grantedTo"]>>>,
  Holds<Mirrors<z.output<typeof volumeStatus>, VolumeStatus>>,
  Holds<Mirrors<z.output<typeof volumeRecord>, VolumeRecord>>,
  Holds<Mirrors<z.output<typeof powerFence>, PowerFenceView>>,
  Holds<Mirrors<z.output<typeof nodeView>, NodeView>>,
  Holds<Mirrors<(typeof eventTypes)[number], EventType>>,
  Holds<Mirrors<z.output<typeof swarmvolEvent>, SwarmvolEvent>>,
];
