/**
 * The lab's controller replicas as the outside sees them: one per manager, each answering
 * `GET /v1/health` (no token) with its own role (api/contract.ts HealthResponse). Which
 * replica leads is never recorded by the lab: it is asked, every time, of the replicas.
 *
 * Rules (pure, in {@link leadersOf}):
 * - a replica leads when its own health answer says `role: "leader"`;
 * - a replica that answers without a `role` field is a controller from before HA, which
 *   always acts: it counts as a leader (so a one-manager lab has its one leader);
 * - a replica that does not answer (stopped, its node killed or partitioned) is no leader.
 * Two leaders at once are reported as such (a drill or benchmark treats it as a violation).
 */
import type { HealthResponse } from "../../api/contract.js";
import type { Clock } from "../../core/ports.js";
import { timeout } from "../../core/errors.js";
import type { LabState, NodeState } from "./state.js";
import { controllerHosts, controllerUrl } from "./swarmvolPlan.js";

/** One controller replica: the manager node it runs in and its base URL. */
export interface ControllerReplica {
  node: string;
  url: string;
}

/** A replica and what its /v1/health said (null: no answer, or not a 200 JSON body). */
export interface ReplicaHealth extends ControllerReplica {
  health: HealthResponse | null;
}

/** Every replica of the lab (one per manager, node order); empty for a bare lab. */
export function controllerReplicas(state: LabState): ControllerReplica[] {
  if (state.swarmvol === undefined || state.swarmvol === null) return [];
  return controllerHosts(state.nodes).map((n) => ({ node: n.name, url: controllerUrl(n) }));
}

/** The manager node that hosts the replica on `node`; NOT a replica host → undefined. */
export function replicaHost(state: LabState, node: string): NodeState | undefined {
  return controllerHosts(state.nodes).find((n) => n.name === node);
}

/** The role a replica's answer gives it: its own `role`, "leader" for a pre-HA answer, null for none. */
export function roleOf(health: HealthResponse | null): "leader" | "standby" | null {
  if (health === null || health.status !== "ok") return null;
  return health.role ?? "leader";
}

/** The replicas that lead by their own answer (see the module header), in replica order. */
export function leadersOf(answers: readonly ReplicaHealth[]): ReplicaHealth[] {
  return answers.filter((a) => roleOf(a.health) === "leader");
}

/** GET /v1/health of one replica within `timeoutMs`; null on any failure. */
export async function fetchHealth(url: string, timeoutMs = 1_000): Promise<HealthResponse | null> {
  try {
    const answer = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(timeoutMs) });
    if (answer.status !== 200) return null;
    return (await answer.json()) as HealthResponse;
  } catch {
    return null;
  }
}

/** Every replica's health, asked in parallel. */
export async function replicaHealth(state: LabState, timeoutMs = 1_000): Promise<ReplicaHealth[]> {
  return Promise.all(controllerReplicas(state).map(async (r) => ({ ...r, health: await fetchHealth(r.url, timeoutMs) })));
}

/** The replica that leads now (the first, should two claim it), or null when none does. */
export async function leaderReplica(state: LabState, timeoutMs = 1_000): Promise<ReplicaHealth | null> {
  return leadersOf(await replicaHealth(state, timeoutMs))[0] ?? null;
}

export interface WaitForLeaderOptions {
  clock: Clock;
  /** Replicas (node names) whose claim does not count, e.g. the one just stopped. */
  exclude?: readonly string[];
  /** @default 50 */
  intervalMs?: number;
  /** @default 60_000 */
  timeoutMs?: number;
  /** How the replicas are asked; default {@link replicaHealth} (tests pass a fake). */
  ask?: (state: LabState, timeoutMs: number) => Promise<ReplicaHealth[]>;
}

/**
 * Polls every replica's health until one not in `exclude` says it leads; resolves with it
 * and the time it was seen (clock ms). TIMEOUT names the replicas' last answers.
 */
export async function waitForLeader(state: LabState, options: WaitForLeaderOptions): Promise<{ leader: ReplicaHealth; at: number }> {
  const { clock, exclude = [], intervalMs = 50, timeoutMs = 60_000, ask = replicaHealth } = options;
  const start = clock.now();
  let last: ReplicaHealth[] = [];
  for (;;) {
    last = await ask(state, Math.max(200, Math.min(1_000, intervalMs * 10)));
    const leader = leadersOf(last).find((r) => !exclude.includes(r.node));
    if (leader !== undefined) return { leader, at: clock.now() };
    if (clock.now() - start > timeoutMs) {
      throw timeout(`no controller replica took the lead within ${timeoutMs} ms`, {
        replicas: last.map((r) => ({ node: r.node, role: roleOf(r.health) })),
      });
    }
    await clock.sleep(intervalMs);
  }
}
