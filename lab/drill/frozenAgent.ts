/**
 * `frozen-agent` (power fencing, ADR 0012): the agent of the node that runs the database
 * gets SIGSTOP, so it neither renews its lease nor fences itself, while PostgreSQL there
 * keeps running with the volume mounted. The replicas run with `--fence-mode=power`
 * (set before the settle, by a rolling restart; back to `self` after the run).
 *
 * A hung agent alone moves nothing: Swarm keeps a task where dockerd is healthy. So the
 * node's link is cut too, and Swarm reschedules the database elsewhere (~10-15 s) while
 * the old PostgreSQL still holds the volume. Only the power fence can stop it then: the
 * controller must StopInstances(Force) the node, the emulator cuts its power (kills its
 * PID namespace), and only then may the volume be force-detached and moved.
 *
 * Checked after the move ({@link powerFenceViolations}, pure): a forced StopInstances of
 * the node's instance, `stopped` logged before any detach from it, and the node really
 * down; the drill's usual checks then prove every acknowledged row survived and that no
 * row was committed on the old node after the new attachment. Recovery thaws the agent
 * (SIGCONT; it died with its node), heals the link, StartInstances, restarts the node.
 */
import type { CloudEvent } from "../cloud/index.js";
import {
  findNode, healLabNode, partitionLabNode, requireState, restartLabNode, setFenceMode, signalAgent, type LabDeps, type LabState,
} from "../cluster/index.js";
import { isNodePid1 } from "../cluster/node.js";
import type { Clock } from "../../core/ports.js";
import type { Fault, FaultContext } from "./faults.js";
import { fetchCloudLog } from "./observe.js";
import { DB_SERVICE } from "./stack.js";

/** The last cloud event seq before the fault, per run (the checks look only after it). */
const baselines = new WeakMap<FaultContext, number>();

/**
 * What the cloud log must show for a power-fenced instance, among events after `since`:
 * a forced StopInstances, then `stopped`, and no detach from it before `stopped`.
 */
export function powerFenceViolations(events: readonly CloudEvent[], instanceId: string, since: number): string[] {
  const mine = events.filter((e) => e.seq > since && e.instanceId === instanceId).sort((a, b) => a.seq - b.seq);
  const stop = mine.find((e) => e.type === "stop-requested" && e.detail === "force");
  const stopped = mine.find((e) => e.type === "instance-state" && e.detail === "stopped");
  const violations: string[] = [];
  if (stop === undefined) violations.push(`the controller never sent StopInstances (Force) for ${instanceId}`);
  if (stopped === undefined) violations.push(`instance ${instanceId} never reached stopped`);
  const early = mine.find((e) => (e.type === "force-detached" || e.type === "detached") && (stopped === undefined || e.seq < stopped.seq));
  if (early !== undefined) violations.push(`volume ${early.volumeId} was detached from ${instanceId} (seq ${early.seq}) before the instance was stopped`);
  return violations;
}

/** Seconds from t0 to a cloud event, for notes. */
const at = (ctx: FaultContext, e: CloudEvent | undefined) => (e === undefined ? "never" : `+${((Date.parse(e.time) - ctx.t0) / 1000).toFixed(1)} s`);

async function freeze(ctx: FaultContext): Promise<void> {
  const log = await fetchCloudLog(ctx.state);
  baselines.set(ctx, log.events.at(-1)?.seq ?? 0);
  const pids = await signalAgent(ctx.victim, "SIGSTOP");
  ctx.note(`agent on ${ctx.victim.name} frozen (SIGSTOP to ${pids.join(",")}); its link cut so Swarm moves the database`);
  await partitionLabNode(ctx.state.options.dir, ctx.victim.name, ctx.deps);
}

/** Sends StartInstances for the node's instance, as the operator would before booting it. */
async function startInstance(state: LabState, instanceId: string): Promise<void> {
  const body = new URLSearchParams({ Action: "StartInstances", Version: "2016-11-15", "InstanceId.1": instanceId });
  const answer = await fetch(`${state.cloud.endpoint}/`, { method: "POST", body, signal: AbortSignal.timeout(10_000) });
  if (answer.status !== 200) throw new Error(`StartInstances ${instanceId}: HTTP ${answer.status}: ${await answer.text()}`);
}

async function checkAndRestore(ctx: FaultContext): Promise<string[]> {
  const { events } = await fetchCloudLog(ctx.state);
  const since = baselines.get(ctx) ?? 0;
  const violations = powerFenceViolations(events, ctx.victim.instanceId, since);
  const mine = events.filter((e) => e.seq > since && e.instanceId === ctx.victim.instanceId);
  ctx.note(`StopInstances at ${at(ctx, mine.find((e) => e.type === "stop-requested"))}, stopped at ${at(ctx, mine.find((e) => e.detail === "stopped"))}`);
  // The state file, not the drill's copy: an earlier scenario may have restarted the node (a new PID 1).
  const victim = findNode(await requireState(ctx.state.options.dir), ctx.victim.name);
  if (await isNodePid1(victim, victim.pid1)) violations.push(`${victim.name} still runs after the move: it was never powered off`);
  await signalAgent(ctx.victim, "SIGCONT");
  const dir = ctx.state.options.dir;
  await healLabNode(dir, ctx.victim.name, ctx.deps);
  await startInstance(ctx.state, ctx.victim.instanceId);
  await restartLabNode(dir, ctx.victim.name, ctx.deps);
  ctx.note(`${ctx.victim.name} started again at +${((ctx.clock.now() - ctx.t0) / 1000).toFixed(1)} s`);
  await setFenceMode(dir, "self", { clock: ctx.clock, spawner: ctx.deps.spawner });
  return violations;
}

/** Before the settle: the replicas to --fence-mode=power (a rolling restart, agents keep their leases). */
async function powerMode(world: { state: LabState; deps: LabDeps; clock: Clock }): Promise<string[]> {
  const steps = await setFenceMode(world.state.options.dir, "power", { clock: world.clock, spawner: world.deps.spawner });
  return [`controller replicas restarted with --fence-mode=power (${steps.map((s) => s.node).join(", ") || "already"})`];
}

export const FROZEN_AGENT_FAULT: Fault = { service: DB_SERVICE, prepare: powerMode, inject: freeze, recover: checkAndRestore };
