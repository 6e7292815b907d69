/**
 * `swarmvol drill`: the whole run. Brings a lab up (refusing if any lab is already up on
 * this machine: there is one bridge, and someone else may be testing), deploys the
 * workloads, starts the clients, runs each scenario `repeat` times (with `--soak N`, N
 * seeded random rounds instead: soak.ts), prints each timeline and a summary, writes the
 * JSON report, and always takes the lab down again (also on error, SIGINT or SIGTERM)
 * unless `--keep-lab`.
 */
import { writeFile } from "node:fs/promises";
import { BRIDGE, defaultLabDeps, down, readState, type LabDeps, type LabState, type NodeState } from "../cluster/index.js";
import { bringUpLab, collectLogs, createVolumes, deployStack, dockerCli, ensureHostTools, prePullImages, publishPostgres } from "./environment.js";
import { FileLedger, jenkinsWrite } from "./jenkinsClient.js";
import { checkMoveMetrics, fetchReplicaMetrics } from "./metricsCheck.js";
import { ServiceLocator } from "./observe.js";
import type { DrillOptions } from "./options.js";
import { CREATE_TABLE_SQL, postgresWrite, psql } from "./postgresClient.js";
import { labLogger, Progress } from "./progress.js";
import { buildReport, passed, renderRun, renderSummary, type ScenarioResult } from "./report.js";
import { runScenario, waitHealthy, type DrillWorld } from "./scenario.js";
import { runSoak } from "./soak.js";
import { runCrashPoints } from "../crash/run.js";
import { soakPassed, type SoakSummary } from "./soakReport.js";
import { DB_SERVICE, JENKINS_SERVICE } from "./stack.js";
import { Writer } from "./writer.js";

export interface DrillIo {
  out(text: string): void;
  err: { isTTY?: boolean; write(text: string): unknown };
}


async function createTable(world: Pick<DrillWorld, "runner" | "clock" | "locator">): Promise<void> {
  const deadline = world.clock.now() + 180_000;
  let last = "the database runs nowhere yet";
  while (world.clock.now() < deadline) {
    const address = world.locator.address(DB_SERVICE);
    if (address !== null) {
      const result = await psql(world.runner, address, CREATE_TABLE_SQL);
      if (result.ok) return;
      last = result.error;
    }
    await world.clock.sleep(500);
  }
  throw new Error(`could not create the drill table: ${last}`);
}

/** Deploys the workloads on a fresh lab and starts the clients; returns the drill's world. */
async function prepare(options: DrillOptions, deps: LabDeps, progress: Progress, state: LabState): Promise<DrillWorld> {
  const { runner, clock } = deps;
  const manager = state.nodes[0] as NodeState;
  progress.note(`[drill] PostgreSQL image (rootfs cached in ${options.cacheDir})`);
  await publishPostgres(runner, manager, options.cacheDir);
  if (options.dispatcherHeartbeatSeconds !== null) {
    await dockerCli(runner, manager, ["swarm", "update", "--dispatcher-heartbeat", `${options.dispatcherHeartbeatSeconds}s`]);
    progress.note(`[drill] Swarm's dispatcher heartbeat set to ${options.dispatcherHeartbeatSeconds} s`);
  }
  await prePullImages(runner, state);
  await createVolumes(manager, options.zones);
  await deployStack(runner, state, manager);
  progress.note("[drill] stack deployed; waiting for the workloads");
  const locator = new ServiceLocator(state, [DB_SERVICE, JENKINS_SERVICE], clock);
  locator.start();
  await createTable({ runner, clock, locator });
  const ledger = new FileLedger();
  const refresh = () => locator.refresh();
  const db = new Writer("db", postgresWrite(runner), () => locator.address(DB_SERVICE), clock, 50, refresh);
  const jenkins = new Writer("jenkins", jenkinsWrite(ledger), () => locator.address(JENKINS_SERVICE), clock, 200, refresh);
  db.start();
  jenkins.start();
  return {
    state, deps, runner, clock, locator, db, jenkins, ledger, progress,
    settleMs: options.settleSeconds * 1000, moveTimeoutMs: options.ci ? 180_000 : 240_000,
  };
}

/** Every scenario `repeat` times, or the soak's rounds; resolves with the soak's summary (null without --soak). */
async function runAll(world: DrillWorld, options: DrillOptions, io: DrillIo, results: ScenarioResult[]): Promise<SoakSummary | null> {
  await waitHealthy(world, "start", 0);
  if (options.soak !== null) return runSoak(world, options, io.out, results);
  for (let i = 1; i <= options.repeat; i++) {
    for (const scenario of options.scenarios) {
      const result = await runScenario(world, scenario, i, { cloudFaults: options.cloudFaults });
      results.push(result);
      io.out(renderRun(result));
      if (options.repeat > 1) world.progress.note(`[drill] ${results.filter(passed).length}/${results.length} runs passed so far`);
    }
  }
  return null;
}

/** After the runs, with the lab still up: did the controllers' metrics count the moves? */
async function checkMetrics(world: DrillWorld, results: readonly ScenarioResult[], io: DrillIo): Promise<string[]> {
  const check = checkMoveMetrics(await fetchReplicaMetrics(world.state), results);
  for (const note of check.notes) world.progress.note(`[drill] ${note}`);
  for (const problem of check.problems) io.out(`FAIL metrics: ${problem}\n`);
  return check.problems;
}

/** Whether any lab (ours or anyone's) is up on this machine: the bridge is the lab's lock. */
async function labIsUp(deps: LabDeps): Promise<boolean> {
  return (await deps.runner.run("ip", ["link", "show", "dev", BRIDGE])).code === 0;
}

/** Runs the drill; resolves with the process exit code (0 only when every run passed). */
export async function runDrill(options: DrillOptions, io: DrillIo): Promise<number> {
  if (options.crashPoints) return runCrashPoints(options, io);
  const progress = new Progress(io.err, Date.now);
  const deps = defaultLabDeps({ logger: labLogger(progress) });
  const startedAt = Date.now();
  const results: ScenarioResult[] = [];
  let soak: SoakSummary | null = null;
  let world: DrillWorld | null = null;
  let setupError: string | null = null;
  let metricsProblems: string[] = [];
  let labStarted = false;
  let upStarted = false;
  const cleanup = once(async () => {
    // `up` writes the state file only after it made the bridge: a refused `up` (someone
    // else's lab) leaves none, and then nothing here may run `down`.
    labStarted ||= upStarted && (await readState(options.dir).catch(() => null)) !== null;
    await world?.db.stop();
    await world?.jenkins.stop();
    await world?.locator.stop();
    if (labStarted) {
      const names = Array.from({ length: options.nodes }, (_, i) => `node${i + 1}`);
      await collectLogs(options.dir, names, options.logsDir).catch(() => undefined);
      progress.note(`[drill] logs copied to ${options.logsDir}`);
    }
    if (labStarted && !options.keepLab) {
      progress.note("[drill] lab down");
      await down(options.dir, deps).catch((err: unknown) => progress.note(`[drill] lab down failed: ${String(err)}`));
    }
  });
  const onSignal = (signal: NodeJS.Signals) => {
    progress.note(`[drill] ${signal}: stopping and taking the lab down`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    if (await labIsUp(deps)) {
      io.err.write(`swarmvol drill: a lab is already up on this machine (${BRIDGE} exists); wait for it or run \`swarmvol lab down\` if it is yours\n`);
      return 1;
    }
    await ensureHostTools(deps.runner, deps.logger);
    progress.note(`[drill] lab up: ${options.nodes} nodes${options.zones > 1 ? ` in ${options.zones} zones` : ""} (${options.managers} managers with a controller replica each), EC2 emulator with ${options.ci ? "fast" : "EBS-like"} latencies${options.cloudFaults ? " and cloud faults during every run" : ""}`);
    upStarted = true;
    const state = await bringUpLab({ dir: options.dir, nodes: options.nodes, managers: options.managers, zones: options.zones, fastCloud: options.ci }, deps);
    labStarted = true;
    world = await prepare(options, deps, progress, state);
    soak = await runAll(world, options, io, results);
    metricsProblems = await checkMetrics(world, results, io);
  } catch (err) {
    setupError = err instanceof Error ? err.message : String(err);
    progress.note(`[drill] failed: ${setupError}`);
  } finally {
    await cleanup();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
  const report = { ...buildReport({ startedAt, finishedAt: Date.now(), options, results, setupError, metricsProblems }), ...(soak === null ? {} : { soak }) };
  io.out(renderSummary(results));
  if (options.jsonFile !== null) await writeFile(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  return report.passed && (soak === null || soakPassed(soak)) ? 0 : 1;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => (running ??= fn());
}
