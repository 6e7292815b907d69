/**
 * The `drain` fault, shared by the `drain` and `cross-zone` scenarios: at t0 the victim
 * (the node that runs the database) gets `docker node update --availability drain` through
 * a manager (the lab's own verb, drainLabNode), so Swarm stops its tasks and places them on
 * the other nodes its constraints allow; afterwards the node is made `active` again, so the
 * next scenario finds every node schedulable, as the drill found it. Swarm does not move
 * tasks back to a node made active, so putting it back moves nothing.
 */
import { drainLabNode } from "../cluster/index.js";
import type { Fault, FaultContext } from "./faults.js";
import { DB_SERVICE } from "./stack.js";
import { setNodeAvailability } from "./swarm.js";

/** Drains the victim; resolves once a manager accepted the update (the tasks move after). */
export async function drainVictim(ctx: FaultContext): Promise<void> {
  await drainLabNode(ctx.state.options.dir, ctx.victim.name, ctx.deps);
}

/** Makes the victim `active` again; no violations of its own. */
export async function reactivateVictim(ctx: FaultContext): Promise<string[]> {
  await setNodeAvailability(ctx.state, ctx.victim, "active");
  return [];
}

/** The `drain` scenario's fault: the database's node drained at t0, made active afterwards. */
export const DRAIN_FAULT: Fault = { service: DB_SERVICE, inject: drainVictim, recover: reactivateVictim };
