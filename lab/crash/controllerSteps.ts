/**
 * A controller crash point, for real: a one-task service holds the `crash-move` volume on
 * node2 or node3. The controller is restarted armed with the step, the service is moved
 * to the other node by a constraint change, the controller SIGKILLs itself at the step
 * and is started again unarmed. Then the task must run on the new node with the volume
 * mounted there once, granted there, every acknowledged line in it, nothing leaked, no
 * double attachment.
 */
import { BUSYBOX_IMAGE, engineFor, findNode, nodeSwarmvolPaths } from "../cluster/index.js";
import { locateService } from "../drill/swarm.js";
import { AGENT_NODE, MOVE_SERVICE, MOVE_VOLUME, OTHER_NODE, type PlannedStep } from "./plan.js";
import { logSize } from "./observe.js";
import { verdictOf, type CrashStepResult } from "./report.js";
import {
  appendScript, cloudSeq, contentProblems, CONTROLLER_NODE, docker, labProblems, ledgerOf, restartController, startControllerUntilLeading,
  untilClean, waitForCrash, type CrashWorld,
} from "./world.js";
import { controllerPids } from "../cluster/index.js";

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
async function writeByExec(world: CrashWorld, node: string, container: string, line: string): Promise<{ read: string | null; error: string }> {
  const ledger = ledgerOf(world, MOVE_VOLUME);
  ledger.tried.add(line);
  const result = await docker(world, node, ["exec", container, "sh", "-c", appendScript(line)], 30_000);
  if (result.code !== 0) return { read: null, error: result.stderr.trim() };
  ledger.acked.push(line);
  return { read: result.stdout, error: "" };
}

/** Creates the volume and the service on node2 (controller unarmed), with a first line written. */
export async function prepareMove(world: CrashWorld): Promise<void> {
  await engineFor(findNode(world.state, CONTROLLER_NODE), 120_000).createVolume({ Name: MOVE_VOLUME, Driver: "swarmvol", DriverOpts: { size: "1" } });
  const created = await docker(world, CONTROLLER_NODE, [
    "service", "create", "--detach", "--name", MOVE_SERVICE, "--constraint", `node.hostname==${AGENT_NODE}`,
    "--mount", `type=volume,source=${MOVE_VOLUME},target=/d,volume-driver=swarmvol`, BUSYBOX_IMAGE, "sleep", "100000000",
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
  const log = nodeSwarmvolPaths(findNode(world.state, CONTROLLER_NODE)).controllerLog;
  await restartController(world, [planned.step]);
  const pids = await controllerPids(world.state, CONTROLLER_NODE);
  const offset = await logSize(log);
  const sinceSeq = await cloudSeq(world);
  const moved = await docker(world, CONTROLLER_NODE, [
    "service", "update", "--detach", "--constraint-rm", `node.hostname==${from}`, "--constraint-add", `node.hostname==${to}`, MOVE_SERVICE,
  ]);
  if (moved.code !== 0) throw new Error(`docker service update ${MOVE_SERVICE} failed: ${moved.stderr.trim()}`);
  placed.set(world, to);
  const arrived = runningOn(world, to, 90_000);
  const outcome = await waitForCrash(world, { pids, log, offset, step: planned.step, settled: arrived });
  const notes = [`moved ${from} → ${to}`];
  if (outcome === "not-reached") await restartController(world, []);
  else await startControllerUntilLeading(world);
  await arrived;
  const container = await runningOn(world, to, 120_000);
  const problems: string[] = [];
  if (container === null) problems.push(`${MOVE_SERVICE} is not running on ${to} 120 s after the controller came back`);
  else {
    const written = await writeByExec(world, to, container, `after-${planned.step.replaceAll(".", "-")}`);
    problems.push(...(written.read === null ? [`could not write in ${MOVE_SERVICE} on ${to}: ${written.error}`] : contentProblems(world, MOVE_VOLUME, written.read)));
  }
  problems.push(...(await untilClean(world, () => labProblems(world, MOVE_VOLUME, { node: to }, sinceSeq))));
  const { verdict, problems: all } = verdictOf(outcome, problems);
  return { step: planned.step, daemon: "controller", flow: planned.flow, verdict, seconds: (world.clock.now() - start) / 1000, problems: all, notes };
}
