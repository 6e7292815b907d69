/**
 * `cross-zone` (issue 11, ADR 0024): the lab runs in two availability zones (`--zones 2`:
 * node1 us-east-1a, node2 us-east-1b, node3 a…), the database's volume is made with
 * `-o zonePolicy=follow`, and the fault constrains the database to the zone its node is
 * not in: `node.labels.swarmvol.zone==<other zone>`. The label is the one the leader
 * writes from each agent's heartbeat, so Swarm can only place the new task if that works.
 * The controller must then fence and detach the old volume, snapshot it, create it in the
 * other zone from the snapshot, attach it there and, once mounted, delete the old one;
 * the drill's own verify proves every acknowledged row is in the new zone's copy.
 *
 * Checked after the move ({@link relocationViolations}, pure): the volume's record names
 * a new cloud volume in the target zone, the move crossed zones with its snapshot (t4a)
 * and create (t4b) stamped, and the relocation was finished (the old volume retired).
 */
import type { Clock } from "../../core/ports.js";
import type { VolumeRecord } from "../../core/volume.js";
import type { LabState, NodeState } from "../cluster/index.js";
import { dockerCli } from "./environment.js";
import type { Fault, FaultContext } from "./faults.js";
import { fetchVolume } from "./observe.js";
import { DB_SERVICE, DB_VOLUME } from "./stack.js";
import { waitForUpdate } from "./swarm.js";

/** A zone other than the victim's with a worker to run the database in, or undefined (a one-zone lab). */
export function targetZone(nodes: readonly NodeState[], victim: NodeState): string | undefined {
  return nodes.find((node) => node.role === "worker" && node.zone !== victim.zone)?.zone;
}

/** What must hold of the database's volume once its task runs in `zone`: moved by a relocation begun after t0, finished. */
export function relocationViolations(record: VolumeRecord | null, before: { backendId?: string; zone?: string }, zone: string, t0: number): string[] {
  if (record === null) return ["could not read the database volume's record from the controller"];
  const { status } = record;
  const violations: string[] = [];
  if (status.zone !== zone) violations.push(`the volume is in ${status.zone ?? "no zone"}, not in ${zone} where its task runs`);
  if (status.backendId === undefined || status.backendId === before.backendId) violations.push(`the volume still names its old cloud volume ${before.backendId ?? "-"}`);
  const move = status.lastMove;
  if (!move || move.t2Seen < t0 || move.toZone !== zone || move.fromZone !== before.zone) {
    violations.push(`the last move is not the relocation from ${before.zone ?? "?"} to ${zone}`);
  } else {
    if (move.t4aSnapshotted === undefined) violations.push("the relocation has no snapshot (t4a) of the old volume");
    if (move.t4bCreated === undefined) violations.push("the relocation has no volume created in the new zone (t4b)");
  }
  if (status.relocation !== undefined) violations.push(`the old cloud volume ${status.relocation.fromVolumeId} was not retired after the new one was mounted`);
  return violations;
}

interface Run {
  zone: string;
  constraint: string;
  before: { backendId?: string; zone?: string };
}

const runs = new WeakMap<FaultContext, Run>();
const manager = (state: LabState) => state.nodes.find((node) => node.role === "manager") as NodeState;

/** The record once its relocation is finished (the old volume retired), or as it is after `waitMs`. */
async function settledRecord(state: LabState, clock: Clock, waitMs: number): Promise<VolumeRecord | null> {
  const until = clock.now() + waitMs;
  let record = await fetchVolume(state, DB_VOLUME);
  while (record?.status.relocation !== undefined && clock.now() < until) {
    await clock.sleep(500);
    record = await fetchVolume(state, DB_VOLUME);
  }
  return record;
}

export const CROSS_ZONE_FAULT: Fault = {
  service: DB_SERVICE,
  inject: async (ctx) => {
    const zone = targetZone(ctx.state.nodes, ctx.victim);
    if (zone === undefined) throw new Error(`cross-zone needs a worker outside ${ctx.victim.zone}: run the drill with --zones 2`);
    const record = await fetchVolume(ctx.state, DB_VOLUME);
    const before = { ...(record?.status.backendId ? { backendId: record.status.backendId } : {}), ...(record?.status.zone ? { zone: record.status.zone } : {}) };
    const constraint = `node.labels.swarmvol.zone==${zone}`;
    runs.set(ctx, { zone, constraint, before });
    ctx.note(`database constrained to ${constraint} (it ran on ${ctx.victim.name} in ${ctx.victim.zone}, volume ${before.backendId ?? "?"})`);
    await dockerCli(ctx.runner, manager(ctx.state), ["service", "update", "--detach", "--constraint-add", constraint, DB_SERVICE]);
  },
  recover: async (ctx) => {
    const run = runs.get(ctx);
    if (run === undefined) return ["cross-zone: the fault was not injected"];
    const record = await settledRecord(ctx.state, ctx.clock, 30_000);
    const move = record?.status.lastMove;
    if (move?.t4Detached !== undefined && move.t4aSnapshotted !== undefined && move.t4bCreated !== undefined) {
      const s = (a: number, b: number) => ((b - a) / 1000).toFixed(1);
      ctx.note(`relocation to ${run.zone}: snapshot ${s(move.t4Detached, move.t4aSnapshotted)} s, new volume ${s(move.t4aSnapshotted, move.t4bCreated)} s, `
        + `t2->t7 ${move.t7Mounted === undefined ? "-" : s(move.t2Seen, move.t7Mounted)} s (${run.before.backendId ?? "?"} -> ${record?.status.backendId ?? "?"})`);
    }
    const violations = relocationViolations(record, run.before, run.zone, ctx.t0);
    await dockerCli(ctx.runner, manager(ctx.state), ["service", "update", "--detach", "--constraint-rm", run.constraint, DB_SERVICE]);
    await waitForUpdate(ctx.state, DB_SERVICE, ctx.clock, ctx.note);
    return violations;
  },
};
