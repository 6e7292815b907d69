/**
 * Faults on the controller replicas themselves (docs/drill.md): no volume moves, the
 * workloads must keep running on their workers, and no agent may fence itself while the
 * leadership changes hands. Each step measures `leader gone → new leader`: from the
 * moment the leader was killed or signalled until another replica's own /v1/health says
 * `role: leader` (polled every 100 ms), and reports it in the run's notes.
 *
 * - `kill-leader`: the manager NODE whose replica leads is killed (killLabNode: its
 *   dockerd, agent and replica die at once), then restarted after the checks.
 * - `upgrade-controllers`: a rolling restart; each replica in turn gets SIGTERM, the drill
 *   waits until a leader answers again, and starts it again before the next one.
 * - `kill-controller`'s mid-move kill: the LEADER replica gets SIGKILL once the controller
 *   saw the new assignment; with several replicas it stays down until the move is done
 *   (a standby must finish the move), with one it is started again 2 s later (as before HA).
 */
import {
  controllerReplicas, killController, killLabNode, leaderReplica, restartControllers, restartLabNode, startController, waitForLeader,
} from "../cluster/index.js";
import type { Fault, FaultContext } from "./faults.js";
import { fetchVolume } from "./observe.js";
import { DB_SERVICE, DB_VOLUME } from "./stack.js";

const dir = (ctx: FaultContext) => ctx.state.options.dir;
const at = (ctx: FaultContext, ms = ctx.clock.now()) => `+${((ms - ctx.t0) / 1000).toFixed(1)} s`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Replicas stopped by inject that recover must bring back, per context. */
const stopped = new WeakMap<FaultContext, { node: string; restartNode: boolean }>();

/** The leading replica's node; UNAVAILABLE-like error when none leads or the lab has one replica only. */
async function requireLeader(ctx: FaultContext, minReplicas: number): Promise<string> {
  const replicas = controllerReplicas(ctx.state);
  if (replicas.length < minReplicas) throw new Error(`this scenario needs ${minReplicas} controller replicas; the lab has ${replicas.length} (use --managers ${minReplicas})`);
  const leader = await leaderReplica(ctx.state);
  if (leader === null) throw new Error("no controller replica says it leads before the fault");
  return leader.node;
}

/** Waits for a leader other than `gone` and notes the takeover time since `since`. */
async function noteTakeover(ctx: FaultContext, what: string, gone: string, since: number): Promise<number> {
  const { leader, at: seen } = await waitForLeader(ctx.state, { clock: ctx.clock, exclude: [gone], intervalMs: 100, timeoutMs: 60_000 });
  ctx.note(`${what}: leader gone → new leader ${leader.node} in ${seconds(seen - since)} (at ${at(ctx, seen)})`);
  return seen - since;
}

async function killLeaderNode(ctx: FaultContext): Promise<void> {
  const node = await requireLeader(ctx, 2);
  const since = ctx.clock.now();
  await killLabNode(dir(ctx), node, ctx.deps);
  // The killed node's agent boots afresh on restart (and may report a lapse before its first
  // heartbeat): its own log counts only up to the kill.
  ctx.fenceWindowEnds[node] = since;
  stopped.set(ctx, { node, restartNode: true });
  await noteTakeover(ctx, `manager ${node} (the leader) killed`, node, since);
}

async function rollingRestart(ctx: FaultContext): Promise<void> {
  await requireLeader(ctx, 2);
  await restartControllers(dir(ctx), {
    signal: "SIGTERM", clock: ctx.clock, spawner: ctx.deps.spawner, intervalMs: 100,
    onStep: (step) => {
      ctx.note(`${step.node} (${step.wasLeader ? "leader" : "standby"}) stopped with SIGTERM: leader gone → new leader ${step.newLeader} in ${seconds(step.takeoverMs)}; healthy again after ${seconds(step.restartMs)} (at ${at(ctx)})`);
      if (!step.wasLeader && step.takeoverMs > 1_000) ctx.note(`stopping standby ${step.node} left the cluster without a leader for ${seconds(step.takeoverMs)}`);
    },
  });
}

/** Restarts what inject stopped: the killed manager node (with its agent and replica). */
async function restartStopped(ctx: FaultContext): Promise<string[]> {
  const what = stopped.get(ctx);
  stopped.delete(ctx);
  if (what?.restartNode === true) {
    await restartLabNode(dir(ctx), what.node, ctx.deps);
    ctx.note(`manager ${what.node} restarted at ${at(ctx)}`);
  }
  return [];
}

/** The two replica scenarios; inject runs the whole sequence (the drill measures no move). */
export const REPLICA_FAULTS: Readonly<Record<"kill-leader" | "upgrade-controllers", Fault>> = {
  "kill-leader": { service: DB_SERVICE, inject: killLeaderNode, recover: restartStopped },
  "upgrade-controllers": { service: DB_SERVICE, inject: rollingRestart, recover: restartStopped },
};

/**
 * `kill-controller`, after the db node was killed: SIGKILL to the leader once it saw the
 * new assignment (t2) and, with EBS latencies, before the attach finished. One replica:
 * started again 2 s later. Several: left down; a standby must take over and finish.
 */
export async function killLeaderMidMove(ctx: FaultContext): Promise<void> {
  const deadline = ctx.t0 + 45_000;
  for (;;) {
    const move = (await fetchVolume(ctx.state, DB_VOLUME))?.status.lastMove;
    if ((move !== undefined && move.t2Seen >= ctx.t0) || ctx.clock.now() > deadline) break;
    await ctx.clock.sleep(100);
  }
  const move = (await fetchVolume(ctx.state, DB_VOLUME))?.status.lastMove;
  const replicas = controllerReplicas(ctx.state);
  const node = replicas.length === 1 ? replicas[0]?.node : undefined; // one replica: it is the controller, leader or not
  const killed = await killController(dir(ctx), { node, signal: "SIGKILL", clock: ctx.clock });
  ctx.note(`leader ${killed.node} killed (-9) at ${at(ctx, killed.signalledAt)}, move phases seen: ${move === undefined ? "none" : Object.keys(move).join(",")}`);
  if (replicas.length > 1) {
    stopped.set(ctx, { node: killed.node, restartNode: false });
    await noteTakeover(ctx, `leader ${killed.node} killed mid-move`, killed.node, killed.signalledAt);
    return;
  }
  await ctx.clock.sleep(2_000);
  await startController(dir(ctx), { spawner: ctx.deps.spawner, clock: ctx.clock });
  ctx.note(`controller started again at ${at(ctx)}`);
}

/** After the move (kill-controller with several replicas): the killed leader's replica back. */
export async function restartKilledReplica(ctx: FaultContext): Promise<void> {
  const what = stopped.get(ctx);
  stopped.delete(ctx);
  if (what === undefined) return;
  await startController(dir(ctx), { node: what.node, spawner: ctx.deps.spawner, clock: ctx.clock });
  ctx.note(`replica ${what.node} started again after the move, at ${at(ctx)}`);
}
