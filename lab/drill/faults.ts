/**
 * The faults, one per scenario: what is broken at t0 and how the lab is put back after
 * the move was measured. `inject` returns quickly (slow work such as a node restart runs
 * in the background and is awaited by `recover`), so the drill's clock keeps measuring.
 * `recover` returns violations it found on the way (the partition's fencing checks).
 */
import type { Clock, CommandRunner } from "../../core/ports.js";
import {
  engineFor, healLabNode, killLabNode, listSwarmNodes, partitionLabNode, restartLabNode,
  waitForSwarmState, type LabDeps, type LabState, type NodeState,
} from "../cluster/index.js";
import { killLeaderMidMove, REPLICA_FAULTS, restartKilledReplica } from "./controllerFaults.js";
import { FROZEN_AGENT_FAULT } from "./frozenAgent.js";
import { dockerCli } from "./environment.js";
import { fetchVolume } from "./observe.js";
import type { ScenarioName } from "./options.js";
import { psql } from "./postgresClient.js";
import { DB_SERVICE, DB_VOLUME, JENKINS_SERVICE } from "./stack.js";
import { waitForUpdate } from "./swarm.js";
import { CROSS_ZONE_FAULT } from "./crossZone.js";
import { DRAIN_FAULT } from "./drain.js";

export interface FaultContext {
  state: LabState;
  deps: LabDeps;
  runner: CommandRunner;
  clock: Clock;
  /** The node that ran the target service at t0. */
  victim: NodeState;
  service: string;
  t0: number;
  note(message: string): void;
  /** A node kill's witness of Swarm's detection: a manager listed the victim down at `at` (ms). */
  sawSwarmNodeDown(at: number): void;
  /**
   * Nodes whose agent log counts for self-fencing only until the given time (ms): a node
   * the fault killed and restarted boots a fresh agent. Filled by inject.
   */
  fenceWindowEnds: Record<string, number>;
}

export interface Fault {
  /** The service whose move is measured. */
  service: string;
  /** Before the workloads settle ahead of t0 (e.g. the controllers' fence mode); returns notes. */
  prepare?(world: { state: LabState; deps: LabDeps; clock: Clock }): Promise<string[]>;
  inject(ctx: FaultContext): Promise<void>;
  /** Puts the lab back (node restarted, link healed, node active…); returns violations. */
  recover(ctx: FaultContext): Promise<string[]>;
}

const dir = (ctx: FaultContext) => ctx.state.options.dir;

/** Background work started by inject and awaited by recover, per context. */
const pending = new WeakMap<FaultContext, Promise<unknown>>();

async function awaitPending(ctx: FaultContext): Promise<void> {
  await pending.get(ctx);
  pending.delete(ctx);
}

/** Restarts a killed node and waits until Swarm lists it ready with the plugin. */
async function restartVictim(ctx: FaultContext): Promise<string[]> {
  await awaitPending(ctx);
  await restartLabNode(dir(ctx), ctx.victim.name, ctx.deps);
  return [];
}

/** How often, and how long, a node kill watches for Swarm to list the victim down. */
const DOWN_POLL_MS = 200;
const DOWN_WAIT_MS = 90_000;

/** Polls the managers until one lists the victim down; the time seen, or null at the deadline. */
async function swarmListsDown(ctx: FaultContext): Promise<number | null> {
  const deadline = ctx.clock.now() + DOWN_WAIT_MS;
  while (ctx.clock.now() < deadline) {
    const listed = await listSwarmNodes(ctx.state).catch(() => []);
    if (listed.find((node) => node.ID === ctx.victim.nodeId)?.Status.State === "down") return ctx.clock.now();
    await ctx.clock.sleep(DOWN_POLL_MS);
  }
  return null;
}

/** Kills the victim; meanwhile times Swarm's own detection (awaited by recover, so inject returns at once). */
const killNode = (service: string): Fault => ({
  service,
  inject: async (ctx) => {
    await killLabNode(dir(ctx), ctx.victim.name, ctx.deps);
    const watch = swarmListsDown(ctx).then((at) => {
      if (at === null) ctx.note(`Swarm did not list ${ctx.victim.name} down within ${DOWN_WAIT_MS / 1000} s`);
      else {
        ctx.sawSwarmNodeDown(at);
        ctx.note(`Swarm listed ${ctx.victim.name} down at +${((at - ctx.t0) / 1000).toFixed(1)} s`);
      }
    });
    pending.set(ctx, watch.catch(() => undefined));
  },
  recover: restartVictim,
});

/** When the db container on the partitioned node stopped (its agent fencing it), from that node's own engine. */
export async function containerStoppedAt(node: NodeState, service: string): Promise<{ running: boolean; finishedAt: number | null }> {
  const engine = engineFor(node, 5_000);
  const containers = await engine.listContainers({ all: true, filters: { label: [`com.docker.swarm.service.name=${service}`] } });
  let finishedAt: number | null = null;
  let running = false;
  for (const c of containers) {
    const info = await engine.getContainer(c.Id).inspect();
    if (info.State.Running) running = true;
    const at = Date.parse(info.State.FinishedAt);
    if (at > 0 && (finishedAt === null || at > finishedAt)) finishedAt = at;
  }
  return { running, finishedAt };
}

/**
 * After the move: the partitioned node must have stopped its db container by itself
 * (lease lapsed) before the volume was attached elsewhere; then heal, and the old node
 * must not serve the database again.
 */
async function healPartition(ctx: FaultContext): Promise<string[]> {
  const violations: string[] = [];
  const attachedAt = (await fetchVolume(ctx.state, DB_VOLUME))?.status.lastMove?.t5Attached;
  const old = await containerStoppedAt(ctx.victim, DB_SERVICE).catch(() => null);
  if (old === null) violations.push(`could not inspect the db container on ${ctx.victim.name} during the partition`);
  else if (old.running) violations.push(`the db container on partitioned ${ctx.victim.name} was still running after the move`);
  else if (attachedAt !== undefined && old.finishedAt !== null && old.finishedAt > attachedAt) {
    violations.push(`old db container stopped at +${(old.finishedAt - ctx.t0) / 1000} s, after the new attach at +${(attachedAt - ctx.t0) / 1000} s`);
  } else if (old.finishedAt !== null) {
    ctx.note(`partitioned node stopped its db container at +${((old.finishedAt - ctx.t0) / 1000).toFixed(1)} s (self-fencing)`);
  }
  await healLabNode(dir(ctx), ctx.victim.name, ctx.deps);
  await waitForSwarmState(ctx.state, ctx.victim, ["ready"], ctx.clock, 90_000);
  await ctx.clock.sleep(3_000);
  const answer = await psql(ctx.runner, ctx.victim.address, "SELECT 1");
  if (answer.ok) violations.push(`after heal, ${ctx.victim.address} (old node) still answers as the database`);
  return violations;
}

async function constraint(ctx: FaultContext, flag: "--constraint-add" | "--constraint-rm"): Promise<void> {
  const manager = ctx.state.nodes.find((n) => n.role === "manager") as NodeState;
  await dockerCli(ctx.runner, manager, ["service", "update", "--detach", flag, `node.hostname!=${ctx.victim.name}`, ctx.service]);
}


/** The fault behind each scenario name. */
export const FAULTS: Readonly<Record<ScenarioName, Fault>> = {
  "kill-db": killNode(DB_SERVICE),
  "kill-jenkins": killNode(JENKINS_SERVICE),
  "restart-dockerd": {
    service: DB_SERVICE,
    inject: async (ctx) => {
      const restart = restartLabNode(dir(ctx), ctx.victim.name, ctx.deps);
      restart.catch(() => undefined);
      pending.set(ctx, restart);
    },
    recover: async (ctx) => {
      await awaitPending(ctx);
      return [];
    },
  },
  partition: {
    service: DB_SERVICE,
    inject: (ctx) => partitionLabNode(dir(ctx), ctx.victim.name, ctx.deps),
    recover: healPartition,
  },
  "kill-controller": {
    service: DB_SERVICE,
    inject: async (ctx) => {
      await killLabNode(dir(ctx), ctx.victim.name, ctx.deps);
      const midMove = killLeaderMidMove(ctx);
      midMove.catch(() => undefined);
      pending.set(ctx, midMove);
    },
    recover: async (ctx) => {
      const violations = await restartVictim(ctx);
      await restartKilledReplica(ctx);
      return violations;
    },
  },
  drain: DRAIN_FAULT,
  update: {
    service: DB_SERVICE,
    inject: (ctx) => constraint(ctx, "--constraint-add"),
    recover: async (ctx) => {
      await constraint(ctx, "--constraint-rm");
      await waitForUpdate(ctx.state, ctx.service, ctx.clock, ctx.note);
      return [];
    },
  },
  "frozen-agent": FROZEN_AGENT_FAULT,
  "cross-zone": CROSS_ZONE_FAULT,
  ...REPLICA_FAULTS,
};
