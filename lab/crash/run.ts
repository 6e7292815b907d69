/**
 * `swarmvol drill --crash-points`: brings a lab up (4 nodes, 2 managers with a controller
 * replica each; `--ci`: near-zero EC2 latencies), runs every step of the plan
 * (lab/crash/plan.ts) one after the other, prints one line per step as it ends and a
 * table at the end, writes the JSON report when asked, and always takes the lab down
 * (unless `--keep-lab`). Exit code 0 only when every step passed.
 */
import { writeFile } from "node:fs/promises";
import { BRIDGE, defaultLabDeps, down, readState, up, type LabDeps } from "../cluster/index.js";
import { collectLogs, ensureHostTools } from "../drill/environment.js";
import type { DrillOptions } from "../drill/options.js";
import type { DrillIo } from "../drill/drill.js";
import { labLogger, Progress } from "../drill/progress.js";
import { runAgentStep } from "./agentSteps.js";
import { prepareMove, runControllerStep } from "./controllerSteps.js";
import { AGENT_NODE, crashPlan, LAB_NODES, MANAGERS, OTHER_NODE, type PlannedStep } from "./plan.js";
import { crashPointsPassed, renderCrashSummary, renderCrashTable, renderStepLine, type CrashStepResult } from "./report.js";
import { docker, type CrashWorld } from "./world.js";
import { BUSYBOX_IMAGE } from "../cluster/index.js";

/** Where the run writes: the drill's own output and progress streams. */
export type CrashIo = DrillIo;


/** One step; an error of the harness itself (not of swarmvol) is that step's FAIL, and the run goes on. */
async function runStep(world: CrashWorld, planned: PlannedStep, moveReady: { done: boolean }): Promise<CrashStepResult> {
  const start = world.clock.now();
  try {
    if (planned.daemon === "agent") return await runAgentStep(world, planned);
    if (!moveReady.done) {
      await prepareMove(world, [...world.ledger.keys()]);
      moveReady.done = true;
    }
    return await runControllerStep(world, planned);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { step: planned.step, daemon: planned.daemon, flow: planned.flow, verdict: "FAIL", seconds: (world.clock.now() - start) / 1000, problems: [`the drill could not run this step: ${message}`], notes: [] };
  }
}

async function runAll(world: CrashWorld, plan: readonly PlannedStep[], io: CrashIo): Promise<CrashStepResult[]> {
  await Promise.all([AGENT_NODE, OTHER_NODE].map((node) => docker(world, node, ["pull", "-q", BUSYBOX_IMAGE], 300_000)));
  const results: CrashStepResult[] = [];
  const moveReady = { done: false };
  for (const planned of plan) {
    world.note(`[crash] ${planned.step}: arming the ${planned.daemon} (${planned.flow})`);
    const result = await runStep(world, planned, moveReady);
    results.push(result);
    io.out(`${renderStepLine(result)}\n`);
  }
  return results;
}

export async function runCrashPoints(options: DrillOptions, io: CrashIo, deps: LabDeps = defaultLabDeps()): Promise<number> {
  const progress = new Progress(io.err, Date.now);
  const lab = { ...deps, logger: labLogger(progress) };
  const startedAt = Date.now();
  const plan = crashPlan();
  let results: CrashStepResult[] = [];
  let setupError: string | null = null;
  let labStarted = false;
  const cleanup = once(async () => {
    if (!labStarted) return;
    await collectLogs(options.dir, [...LAB_NODES], options.logsDir).catch(() => undefined);
    progress.note(`[crash] logs copied to ${options.logsDir}`);
    if (!options.keepLab) await down(options.dir, lab).catch((err: unknown) => progress.note(`[crash] lab down failed: ${String(err)}`));
  });
  const onSignal = (signal: NodeJS.Signals) => {
    progress.note(`[crash] ${signal}: taking the lab down`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    if ((await lab.runner.run("ip", ["link", "show", "dev", BRIDGE])).code === 0 || (await readState(options.dir)) !== null) {
      io.err.write(`swarmvol drill: a lab is already up on this machine (${BRIDGE} or ${options.dir}/lab.json exists); wait for it or run \`swarmvol lab down\` if it is yours\n`);
      return 1;
    }
    await ensureHostTools(lab.runner, lab.logger);
    progress.note(`[crash] lab up: ${LAB_NODES.length} nodes, ${MANAGERS} managers with a controller replica each, EC2 emulator with ${options.ci ? "fast" : "EBS-like"} latencies; ${plan.length} crash points`);
    labStarted = true;
    const { state } = await up({ dir: options.dir, nodes: LAB_NODES.length, managers: MANAGERS, fastCloud: options.ci }, lab);
    const world: CrashWorld = { state, deps: lab, runner: lab.runner, clock: lab.clock, ledger: new Map(), note: (text) => progress.note(text) };
    results = await runAll(world, plan, io);
  } catch (err) {
    setupError = err instanceof Error ? err.message : String(err);
    io.out(`FAIL      the crash-points drill could not run: ${setupError}\n`);
  } finally {
    await cleanup();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
  const seconds = (Date.now() - startedAt) / 1000;
  io.out(`\n${renderCrashTable(results)}\n\n${renderCrashSummary(results, plan.length, seconds)}\n`);
  const passed = setupError === null && crashPointsPassed(results, plan.length);
  if (options.jsonFile !== null) {
    await writeFile(options.jsonFile, `${JSON.stringify({ kind: "crash-points", startedAt: new Date(startedAt).toISOString(), seconds, passed, setupError, results }, null, 2)}\n`);
  }
  return passed ? 0 : 1;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => (running ??= fn());
}
