/**
 * A controller crash point, for real: a one-task service holds the `crash-move` volume on
 * node3 or node4. The leading replica is made one armed with the step (world.armLeader),
 * the service is moved to the other node by a constraint change, the leader SIGKILLs
 * itself at the step, the standby takes over, and the killed replica is started again
 * unarmed. Then the task must run on the new node with the volume mounted there once,
 * granted there, every acknowledged line in it, nothing leaked, no double attachment.
 */
import { BUSYBOX_IMAGE, engineFor, findNode } from "../cluster/index.js";
import { removeVolume } from "../drill/observe.js";
import { locateService } from "../drill/swarm.js";
import { AGENT_NODE, MOVE_SERVICE, MOVE_VOLUME, OTHER_NODE, type PlannedStep } from "./plan.js";
import { crashSite } from "./observe.js";
import { verdictOf, type CrashStepResult } from "./report.js";
import {
  appendScript, armLeader, cloudSeq, contentProblems, docker, dockerError, labProblems, ledgerOf, restartReplica, untilClean, waitForCrash,
  type CrashWorld, type Written,
} from "./world.js";
import { startController, waitForLeader } from "../cluster/index.js";

/** Where the moving service is constrained to now (it starts on node2). */
const placed = new WeakMap<CrashWorld, string>();

/** Waits until the service's running task is on `node`; resolves with its container id there. */
async function runningOn(world: CrashWorld, node: string, ms: number): Promise<string | null> {
  const deadline = world.clock.now() + ms;
  while (world.clock.now() < deadline) {
    const found = await locateService(world.state, MOVE_SERVICE).catch(() => null);
    if (found?.node.name === node) {
      const ps = await docker(world, node, ["ps", "-q", "--filter", `label=com.docker.swarm.service.name=${MOVE_SERVICE}`, "--filter", "status=running"]);
      const id = ps.stdout.trim().split("\n")[0] ?? "";
      if (ps.code === 0 && id !== "") return id;
    }
    await world.clock.sleep(250);
  }
  return null;
}

/** Reads the volume's log in the task's container and appends `line` (acknowledged on exit 0). */
async function writeByExec(world: CrashWorld, node: string, container: string, line: string): Promise<Written> {
  const ledger = ledgerOf(world, MOVE_VOLUME);
  ledger.tried.add(line);
  const before = [...ledger.acked];
  const result = await docker(world, node, ["exec", container, "sh", "-c", appendScript(line)], 30_000);
  if (result.code !== 0) return { read: null, before, error: dockerError(result.stderr, result.code) };
  ledger.acked.push(line);
  return { read: result.stdout, before, error: "" };
}

/** The manager the lab's service commands go to. */
const MANAGER = "node1";

/**
 * Removes the agent steps' volumes (each is detached and deleted: an idle one detached
 * while a controller is armed would reach a detach step outside the move), then creates
 * the moving volume and the service on node3 (controllers unarmed), with a first line written.
 */
export async function prepareMove(world: CrashWorld, leftovers: readonly string[]): Promise<void> {
  const refused = (await Promise.all(leftovers.map((name) => removeVolume(world.state, name)))).filter((why) => why !== undefined);
  if (refused.length > 0) throw new Error(`could not remove the agent steps' volumes: ${refused.join("; ")}`);
  await engineFor(findNode(world.state, MANAGER), 120_000).createVolume({ Name: MOVE_VOLUME, Driver: "swarmvol", DriverOpts: { size: "1" } });
  // It stops at once on SIGTERM (a bare sleep would wait out Docker's 10 s grace at every move).
  const created = await docker(world, MANAGER, [
    "service", "create", "--detach", "--name", MOVE_SERVICE, "--constraint", `node.hostname==${AGENT_NODE}`,
    "--mount", `type=volume,source=${MOVE_VOLUME},target=/d,volume-driver=swarmvol`, BUSYBOX_IMAGE,
    "sh", "-c", 'trap "exit 0" TERM; sleep 100000000 & wait',
  ]);
  if (created.code !== 0) throw new Error(`docker service create ${MOVE_SERVICE} failed: ${created.stderr.trim()}`);
  const container = await runningOn(world, AGENT_NODE, 120_000);
  if (container === null) throw new Error(`${MOVE_SERVICE} did not start on ${AGENT_NODE} within 120 s`);
  const first = await writeByExec(world, AGENT_NODE, container, "service-start");
  if (first.read === null) throw new Error(`could not write to ${MOVE_VOLUME} in ${MOVE_SERVICE}: ${first.error}`);
  placed.set(world, AGENT_NODE);
}

export async function runControllerStep(world: CrashWorld, planned: PlannedStep): Promise<CrashStepResult> {
  const start = world.clock.now();
  const from = placed.get(world) ?? AGENT_NODE;
  const to = from === AGENT_NODE ? OTHER_NODE : AGENT_NODE;
  const at = () => `+${((world.clock.now() - start) / 1000).toFixed(1)} s`;
  const { armed, pids, log, offset, diedTakingOver } = await armLeader(world, [planned.step]);
  const notes = [`moved ${from} → ${to}`, `${armed} ${diedTakingOver ? "died taking the lead" : "leads armed"} ${at()}`];
  const sinceSeq = await cloudSeq(world);
  const moved = await docker(world, MANAGER, [
    "service", "update", "--detach", "--constraint-rm", `node.hostname==${from}`, "--constraint-add", `node.hostname==${to}`, MOVE_SERVICE,
  ]);
  if (moved.code !== 0) throw new Error(`docker service update ${MOVE_SERVICE} failed: ${moved.stderr.trim()}`);
  placed.set(world, to);
  const arrived = runningOn(world, to, 90_000);
  const outcome = await waitForCrash(world, { pids, log, offset, step: planned.step, settled: arrived });
  const site = outcome === "crashed" ? await crashSite(log, offset) : undefined;
  notes.push(`${outcome}${site === undefined ? "" : ` in the ${site}`}${diedTakingOver ? " while taking over" : ""} ${at()}`);
  if (outcome === "not-reached") await restartReplica(world, armed, []);
  else await startController(world.state.options.dir, { node: armed, spawner: world.deps.spawner, clock: world.clock });
  const { leader } = await waitForLeader(world.state, { clock: world.clock, timeoutMs: 30_000, intervalMs: 100 });
  notes.push(`${armed} restarted unarmed, ${leader.node} leads ${at()}`);
  await arrived;
  const container = await runningOn(world, to, 120_000);
  const problems: string[] = [];
  if (container === null) problems.push(`${MOVE_SERVICE} is not running on ${to} 120 s after the controller came back`);
  else {
    const written = await writeByExec(world, to, container, `after-${planned.step.replaceAll(".", "-")}`);
    problems.push(...(written.read === null ? [`could not write in ${MOVE_SERVICE} on ${to}: ${written.error}`] : contentProblems(world, MOVE_VOLUME, written)));
    notes.push(`running on ${to} ${at()}`);
  }
  problems.push(...(await untilClean(world, () => labProblems(world, MOVE_VOLUME, { node: to }, sinceSeq))));
  notes.push(`checked ${at()}`);
  const { verdict, problems: all } = verdictOf(outcome, problems);
  return { step: planned.step, daemon: "controller", flow: planned.flow, verdict, seconds: (world.clock.now() - start) / 1000, problems: all, notes };
}
