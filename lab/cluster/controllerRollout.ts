/**
 * A rolling restart of the lab's controller replicas, the way an operator upgrades them
 * (`docker service update` of a global service, one manager at a time): each replica in
 * node order is stopped (SIGTERM by default: a graceful handover), then the rollout waits
 * until a replica other than the stopped one says it leads, starts the stopped one again
 * and waits for its health before the next. Each step reports `leader gone → new leader`.
 */
import type { Clock } from "../../core/ports.js";
import { systemClock } from "../cloud/clock.js";
import { requireState } from "./state.js";
import { killController, startController, type ControllerDeps } from "./swarmvolController.js";
import { controllerReplicas, leaderReplica, waitForLeader } from "./swarmvolReplicas.js";

/** One replica's restart in a rollout. */
export interface RolloutStep {
  node: string;
  /** Whether this replica led when it was stopped. */
  wasLeader: boolean;
  /** The replica that led once it was gone. */
  newLeader: string;
  /** Signal sent → a replica other than `node` said it leads (ms). */
  takeoverMs: number;
  /** Signal sent → the replica answered its health again after its start (ms). */
  restartMs: number;
}

export interface RestartControllersOptions extends Partial<ControllerDeps> {
  /** @default "SIGTERM" */
  signal?: "SIGTERM" | "SIGKILL";
  /** Poll period of the leader wait. @default 100 */
  intervalMs?: number;
  /** Called after each step (progress, notes). */
  onStep?(step: RolloutStep): void;
}

/**
 * Restarts every replica in turn (see the module header). A lab with one replica has no
 * one to take over: its step waits for the restarted replica itself to lead again.
 */
export async function restartControllers(dir: string, options: RestartControllersOptions = {}): Promise<RolloutStep[]> {
  const clock: Clock = options.clock ?? systemClock;
  const state = await requireState(dir);
  const replicas = controllerReplicas(state);
  const steps: RolloutStep[] = [];
  for (const replica of replicas) {
    const wasLeader = (await leaderReplica(state))?.node === replica.node;
    const { signalledAt } = await killController(dir, { node: replica.node, signal: options.signal ?? "SIGTERM", clock });
    const exclude = replicas.length > 1 ? [replica.node] : [];
    if (exclude.length === 0) await startController(dir, { node: replica.node, clock, spawner: options.spawner });
    const { leader, at } = await waitForLeader(state, { clock, exclude, intervalMs: options.intervalMs ?? 100 });
    if (exclude.length > 0) await startController(dir, { node: replica.node, clock, spawner: options.spawner });
    const step = { node: replica.node, wasLeader, newLeader: leader.node, takeoverMs: Math.max(0, at - signalledAt), restartMs: clock.now() - signalledAt };
    steps.push(step);
    options.onStep?.(step);
  }
  return steps;
}
