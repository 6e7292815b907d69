/**
 * An agent crash point, for real: node3's agent is restarted armed with the step, a
 * `docker run` with the step's volume is started on node3, the agent SIGKILLs itself at
 * the step, and is started again unarmed (as systemd would). Then a run on node4 (the
 * volume must be able to leave: a mount the crash left behind would keep its device busy)
 * and, for a mount step, one back on node3 (what the crash left must have been cleaned or
 * be adopted, never mounted twice) must work and find every acknowledged line; afterwards
 * the volume must be mounted nowhere, with no leaked loop device, no stale link, no double
 * attachment, one mkfs.
 */
import { engineFor, findNode, nodeSwarmvolPaths, startAgent } from "../cluster/index.js";
import { AGENT_NODE, OTHER_NODE, type PlannedStep } from "./plan.js";
import { logSize } from "./observe.js";
import { verdictOf, type CrashStepResult } from "./report.js";
import { cloudSeq, contentProblems, labProblems, restartAgent, untilClean, waitForCrash, writeByRun, type CrashWorld } from "./world.js";

/** How long a convergence run may keep failing before it counts as not converged. */
const convergeMs = 45_000;

export async function runAgentStep(world: CrashWorld, planned: PlannedStep): Promise<CrashStepResult> {
  const start = world.clock.now();
  const at = () => `+${((world.clock.now() - start) / 1000).toFixed(1)} s`;
  const notes: string[] = [];
  const node = findNode(world.state, AGENT_NODE);
  const log = nodeSwarmvolPaths(node).agentLog;
  await engineFor(node, 120_000).createVolume({ Name: planned.volume, Driver: "swarmvol", DriverOpts: { size: "1" } });
  if (planned.flow !== "first-mount") {
    const warm = await writeByRun(world, AGENT_NODE, planned.volume, "warm-up");
    if (warm.read === null) throw new Error(`the warm-up run of ${planned.volume} failed before arming: ${warm.error}`);
  }
  const pids = await restartAgent(world, AGENT_NODE, [planned.step]);
  notes.push(`armed ${at()}`);
  const offset = await logSize(log);
  const sinceSeq = await cloudSeq(world);
  const trigger = writeByRun(world, AGENT_NODE, planned.volume, `armed-${planned.step.replaceAll(".", "-")}`);
  const outcome = await waitForCrash(world, { pids, log, offset, step: planned.step, settled: trigger });
  notes.push(`${outcome} ${at()}`);
  if (outcome === "not-reached") await restartAgent(world, AGENT_NODE, []);
  else await startAgent(world.state.options.dir, AGENT_NODE, { spawner: world.deps.spawner, clock: world.clock });
  notes.push(`restarted ${at()}`);
  const first = await trigger;
  notes.push(first.read === null ? `the armed run failed: ${first.error}` : "the armed run succeeded");
  const problems: string[] = [];
  for (const where of planned.flow === "last-unmount" ? [OTHER_NODE] : [OTHER_NODE, AGENT_NODE]) {
    const next = await writeByRun(world, where, planned.volume, `after-${planned.step.replaceAll(".", "-")}-on-${where}`, convergeMs);
    notes.push(`run on ${where} ${next.read === null ? "failed" : "worked"} ${at()}${next.attempts > 1 ? ` (attempt ${next.attempts})` : ""}`);
    problems.push(...(next.read === null ? [`the run after the crash failed on ${where} for ${convergeMs / 1000} s: ${next.error}`] : contentProblems(world, planned.volume, next)));
  }
  problems.push(...(await untilClean(world, () => labProblems(world, planned.volume, "nowhere", sinceSeq))));
  notes.push(`checked ${at()}`);
  const { verdict, problems: all } = verdictOf(outcome, problems);
  return { step: planned.step, daemon: "agent", flow: planned.flow, verdict, seconds: (world.clock.now() - start) / 1000, problems: all, notes };
}
