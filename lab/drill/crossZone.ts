/**
 * `cross-zone` (issue 11, ADR 0024): the lab runs in two availability zones (`--zones 2`:
 * node1 us-east-1a, node2 us-east-1b, node3 a…), the database's volume is made with
 * `-o zonePolicy=follow`, and the fault DRAINS the database's node (the `drain` scenario's
 * own fault, drain.ts), as an operator emptying a node for maintenance would. The stack runs
 * the database on workers only, and the drill's two-zone lab has one worker per zone
 * (options.ts refuses more workers than zones for this scenario), so the only node Swarm
 * may put the new task on is in the other zone. The controller must then fence and detach
 * the old volume, snapshot it, create it in the other zone from the snapshot, attach it
 * there and, once mounted, delete the old one; the drill's own verify proves every
 * acknowledged row is in the new zone's copy. The drained node is made active again
 * afterwards (the database stays where it landed: Swarm does not move it back).
 *
 * Checked before the drain: every node's `swarmvol.zone` label is its zone
 * ({@link zoneLabelViolations}). Checked after the move ({@link relocationViolations}, pure): the volume's record names
 * a new cloud volume in the zone where the task now runs, the move crossed zones with its
 * snapshot (t4a) and create (t4b) stamped, and the relocation was finished (the old volume
 * retired).
 */
import type { Clock } from "../../core/ports.js";
import type { VolumeRecord } from "../../core/volume.js";
import type { LabState, NodeState } from "../cluster/index.js";
import { drainVictim, reactivateVictim } from "./drain.js";
import type { Fault, FaultContext } from "./faults.js";
import { fetchVolume } from "./observe.js";
import { DB_SERVICE, DB_VOLUME } from "./stack.js";
import { locateService, nodeZoneLabels } from "./swarm.js";

/**
 * Where the database may land once its node (`victim`) is drained: the other workers (the
 * stack's `node.role == worker`), all of them outside the victim's zone; their zones, or
 * why the lab cannot run the scenario (a one-zone lab, or a worker beside the victim in its
 * zone, where Swarm could put the task without crossing zones).
 */
export function drainLanding(nodes: readonly NodeState[], victim: NodeState): { zones: string[] } | { error: string } {
  const others = nodes.filter((node) => node.role === "worker" && node.name !== victim.name);
  const sameZone = others.filter((node) => node.zone === victim.zone);
  if (others.length === sameZone.length) return { error: `cross-zone needs a worker outside ${victim.zone}: run the drill with --zones 2` };
  if (sameZone.length > 0) {
    return { error: `cross-zone drains ${victim.name}, and Swarm could put the database on ${sameZone.map((n) => n.name).join(", ")} in ${victim.zone} too: the lab needs one worker per zone` };
  }
  return { zones: [...new Set(others.map((node) => node.zone))] };
}

/**
 * Nodes whose Swarm label `swarmvol.zone` (written by the leader from each agent's
 * heartbeat, ADR 0024) is not their lab zone: what stack files constrain on must be right
 * before the move is judged.
 */
export function zoneLabelViolations(nodes: readonly NodeState[], labels: ReadonlyMap<string, string | undefined>): string[] {
  return nodes
    .filter((node) => labels.get(node.nodeId ?? "") !== node.zone)
    .map((node) => `${node.name} is labelled swarmvol.zone=${labels.get(node.nodeId ?? "") ?? "(none)"}, not ${node.zone}`);
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
  zones: string[];
  before: { backendId?: string; zone?: string };
}

const runs = new WeakMap<FaultContext, Run>();

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

/** The relocation's phases for the run's notes (snapshot, create, t2→t7), or null before they are all stamped. */
function relocationNote(record: VolumeRecord | null, zone: string, before: Run["before"]): string | null {
  const move = record?.status.lastMove;
  if (move?.t4Detached === undefined || move.t4aSnapshotted === undefined || move.t4bCreated === undefined) return null;
  const s = (a: number, b: number) => ((b - a) / 1000).toFixed(1);
  return `relocation to ${zone}: snapshot ${s(move.t4Detached, move.t4aSnapshotted)} s, new volume ${s(move.t4aSnapshotted, move.t4bCreated)} s, `
    + `t2->t7 ${move.t7Mounted === undefined ? "-" : s(move.t2Seen, move.t7Mounted)} s (${before.backendId ?? "?"} -> ${record?.status.backendId ?? "?"})`;
}

/** The checks once the database answered in its new place: where it landed, then the volume's record. */
async function checkRelocation(ctx: FaultContext, run: Run): Promise<string[]> {
  const landed = await locateService(ctx.state, DB_SERVICE);
  if (landed === null) return [`${DB_SERVICE} runs nowhere after ${ctx.victim.name} was drained`];
  if (!run.zones.includes(landed.node.zone)) return [`${DB_SERVICE} landed on ${landed.node.name} in ${landed.node.zone}, not in another zone than ${ctx.victim.zone}`];
  const record = await settledRecord(ctx.state, ctx.clock, 30_000);
  const note = relocationNote(record, landed.node.zone, run.before);
  if (note !== null) ctx.note(note);
  return relocationViolations(record, run.before, landed.node.zone, ctx.t0);
}

export const CROSS_ZONE_FAULT: Fault = {
  service: DB_SERVICE,
  inject: async (ctx) => {
    const landing = drainLanding(ctx.state.nodes, ctx.victim);
    if ("error" in landing) throw new Error(landing.error);
    const mislabelled = zoneLabelViolations(ctx.state.nodes, await nodeZoneLabels(ctx.state));
    if (mislabelled.length > 0) throw new Error(`zone labels: ${mislabelled.join("; ")}`);
    const record = await fetchVolume(ctx.state, DB_VOLUME);
    const before = { ...(record?.status.backendId ? { backendId: record.status.backendId } : {}), ...(record?.status.zone ? { zone: record.status.zone } : {}) };
    runs.set(ctx, { zones: landing.zones, before });
    ctx.note(`${ctx.victim.name} (${ctx.victim.zone}, volume ${before.backendId ?? "?"}) drained: the database may only land in ${landing.zones.join(", ")}`);
    await drainVictim(ctx);
  },
  recover: async (ctx) => {
    const run = runs.get(ctx);
    if (run === undefined) return ["cross-zone: the fault was not injected"];
    try {
      return await checkRelocation(ctx, run);
    } finally {
      await reactivateVictim(ctx);
    }
  },
};
