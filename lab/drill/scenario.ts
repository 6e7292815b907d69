/**
 * One scenario run: wait until both workloads are healthy, note where the target runs,
 * inject the fault at t0, watch until the replacement task runs and a client write is
 * acknowledged by it (t9), read the move's phases, put the lab back, then verify every
 * acknowledged write since the drill began.
 *
 * Scenarios that move no volume (options.ts REPLICA_SCENARIOS: faults on the controller
 * replicas) run their whole fault at t0, then wait for a write acknowledged by the SAME
 * task (t9); no task of either service may have been replaced since t0, and no agent may
 * have fenced itself between t0 and the end of the run (selfFence.ts).
 *
 * With cloud faults (cloudFaults.ts) the emulator's fault profile is on from t0 until the
 * move was measured (t9, before the lab is put back), and the wait for the move is longer.
 * The double-attachment checks cover the EC2 events of this run only (since its start).
 */
import type { Clock, CommandRunner } from "../../core/ports.js";
import { CLOUD_FAULT_EXTRA_WAIT_MS, CLOUD_FAULT_SUMMARY, cloudLogSeq, startCloudFaults, type CloudFaultsOn } from "./cloudFaults.js";
import { findDoubleAttachments } from "./doubleAttach.js";
import type { LabDeps, LabState, NodeState } from "../cluster/index.js";
import { FAULTS, type FaultContext } from "./faults.js";
import { FileLedger, readManifest } from "./jenkinsClient.js";
import { fetchCloudLog, fetchVolume, type ServiceLocator } from "./observe.js";
import { movesVolume, type ScenarioName } from "./options.js";
import { readAllRows } from "./postgresClient.js";
import { readSelfFence, selfFenceViolations } from "./selfFence.js";
import { formatProgress, type Progress } from "./progress.js";
import type { ScenarioResult } from "./report.js";
import { DB_SERVICE, DB_VOLUME, JENKINS_SERVICE, JENKINS_VOLUME } from "./stack.js";
import { labNodeById, serviceTasks } from "./swarm.js";
import { buildTimeline, moveSince, replacementTask, type Timeline } from "./timeline.js";
import { checkFiles, checkRows, parseManifest, rowsFromOldNodeAfter, type FoundRow } from "./verify.js";
import { firstAckAfter, type Writer } from "./writer.js";

export interface DrillWorld {
  state: LabState;
  deps: LabDeps;
  runner: CommandRunner;
  clock: Clock;
  locator: ServiceLocator;
  db: Writer;
  jenkins: Writer;
  ledger: FileLedger;
  progress: Progress;
  settleMs: number;
  /** Longest wait for a move (t0 → t9) before the run counts as failed. */
  moveTimeoutMs: number;
}

function show(world: DrillWorld, label: string, since: number, waitingFor: string): void {
  const { locator } = world;
  world.progress.update(formatProgress({
    label, elapsedMs: world.clock.now() - since, waitingFor,
    db: { node: locator.node(DB_SERVICE), stats: world.db.stats() },
    jenkins: { node: locator.node(JENKINS_SERVICE), stats: world.jenkins.stats() },
  }));
}

/** Waits until both services run and both clients had a write acknowledged after `since`. */
export async function waitHealthy(world: DrillWorld, label: string, since: number, timeoutMs = 180_000): Promise<void> {
  const start = world.clock.now();
  for (;;) {
    const dbOk = (world.db.stats().lastAckAt ?? 0) > since;
    const jenkinsOk = (world.jenkins.stats().lastAckAt ?? 0) > since;
    if (dbOk && jenkinsOk) return;
    if (world.clock.now() - start > timeoutMs) {
      throw new Error(`workloads not healthy after ${timeoutMs / 1000} s (db ${dbOk ? "ok" : world.db.stats().lastError}, jenkins ${jenkinsOk ? "ok" : world.jenkins.stats().lastError})`);
    }
    show(world, label, start, "waiting for both workloads to answer");
    await world.clock.sleep(250);
  }
}

interface Moved {
  to: NodeState | null;
  t9: number | undefined;
}

/** Polls Swarm and the clients until the replacement task runs and answered a write. */
async function waitForMove(world: DrillWorld, label: string, ctx: FaultContext, writer: Writer): Promise<Moved> {
  let to: NodeState | null = null;
  while (world.clock.now() - ctx.t0 < world.moveTimeoutMs) {
    const tasks = await serviceTasks(world.state, ctx.service).catch(() => []);
    const task = replacementTask(tasks.filter((t) => t.state === "running"), ctx.t0);
    to = labNodeById(world.state, task?.nodeId ?? null) ?? null;
    if (task !== undefined && to !== null) {
      const t9 = firstAckAfter(writer.acks, ctx.t0, to.address, to.name === ctx.victim.name, task.stateAt);
      if (t9 !== undefined) return { to, t9 };
    }
    show(world, label, ctx.t0, to === null ? "waiting for a new task to run" : `waiting for a write on ${to.name}`);
    await world.clock.sleep(250);
  }
  return { to, t9: undefined };
}

/** No volume moves: waits for a write acknowledged after `since` by the service where it ran at t0. */
async function waitForSteadyAck(world: DrillWorld, label: string, ctx: FaultContext, writer: Writer, since: number): Promise<number | undefined> {
  while (world.clock.now() - since < world.moveTimeoutMs) {
    const t9 = firstAckAfter(writer.acks, since, ctx.victim.address, true);
    if (t9 !== undefined) return t9;
    show(world, label, ctx.t0, `waiting for a write on ${ctx.victim.name} after the fault`);
    await world.clock.sleep(250);
  }
  return undefined;
}

/** Violations of a move-less scenario: a replaced task of either workload since t0. */
async function replacedTasks(world: DrillWorld, t0: number): Promise<string[]> {
  const violations: string[] = [];
  for (const service of [DB_SERVICE, JENKINS_SERVICE]) {
    const tasks = await serviceTasks(world.state, service);
    const replacement = replacementTask(tasks, t0);
    if (replacement !== undefined) violations.push(`${service} got a new task at +${((replacement.createdAt - t0) / 1000).toFixed(1)} s: its container did not keep running`);
  }
  return violations;
}

/** Move-less run (faults on the controller replicas): the fault, the same task answering, the lab put back. */
async function runSteady(world: DrillWorld, label: string, ctx: FaultContext, result: ScenarioResult, endFaults: EndFaults): Promise<void> {
  const fault = FAULTS[result.scenario];
  const writer = fault.service === DB_SERVICE ? world.db : world.jenkins;
  await fault.inject(ctx);
  const t9 = await waitForSteadyAck(world, label, ctx, writer, world.clock.now());
  result.toNode = world.locator.node(fault.service);
  result.timeline = t9 === undefined ? { t0: ctx.t0 } : { t0: ctx.t0, t9 };
  await endFaults();
  result.violations.push(...(await replacedTasks(world, ctx.t0)));
  result.violations.push(...(await fault.recover(ctx)));
  await waitHealthy(world, label, world.clock.now());
}

/** Self-fencing between t0 and now: a violation in a move-less scenario, a note otherwise. */
async function checkSelfFence(world: DrillWorld, ctx: FaultContext, result: ScenarioResult): Promise<void> {
  const report = await readSelfFence(world.state, ctx.t0, world.clock.now(), ctx.fenceWindowEnds);
  if (!movesVolume(result.scenario)) {
    result.violations.push(...selfFenceViolations(report));
    if (report.lapses + report.kills === 0) ctx.note("no agent lease lapsed and no container was killed to fence (agent logs)");
  } else if (report.lapses + report.kills > 0) {
    ctx.note(`agent logs: ${report.lapses} lease lapses, ${report.kills} containers killed to fence`);
  }
}

/**
 * How long the timeline waits for the new holder's heartbeat to bring t6/t7: it comes up to
 * one renewal after the mount, and a client write can be acknowledged before that.
 */
const MOUNT_REPORT_WAIT_MS = 10_000;

async function measure(world: DrillWorld, ctx: FaultContext, t9: number | undefined): Promise<Timeline> {
  const volume = ctx.service === DB_SERVICE ? DB_VOLUME : JENKINS_VOLUME;
  const until = world.clock.now() + MOUNT_REPORT_WAIT_MS;
  let record = await fetchVolume(world.state, volume);
  for (;;) {
    const move = moveSince(record?.status.lastMove, ctx.t0);
    if (move === undefined || move.t7Mounted !== undefined || world.clock.now() >= until) break;
    await world.clock.sleep(250);
    record = await fetchVolume(world.state, volume);
  }
  const tasks = await serviceTasks(world.state, ctx.service).catch(() => []);
  return buildTimeline({ t0: ctx.t0, tasks, move: record?.status.lastMove, firstAckAfterT0: t9 });
}

/** Reads every row and file back and compares with everything acknowledged so far; EC2 events after `sinceSeq`. */
async function verify(world: DrillWorld, result: ScenarioResult, victim: NodeState, sinceSeq: number): Promise<void> {
  const dbAddress = world.locator.address(DB_SERVICE);
  const jenkinsAddress = world.locator.address(JENKINS_SERVICE);
  if (dbAddress === null || jenkinsAddress === null) throw new Error("a workload is not running: cannot verify");
  // The clients pause while the drill reads back, so every answer they had is in the
  // ledgers and nothing changes under the read (a rewrite landing mid-read is not a loss).
  await Promise.all([world.db.stop(), world.jenkins.stop()]);
  try {
    const found = await readAllRows(world.runner, dbAddress);
    result.rows = checkRows(world.db.acks.map((a) => Number(a.key)), found);
    result.files = checkFiles(world.ledger.snapshot(), parseManifest(await readManifest(jenkinsAddress)));
    checkOldNodeRows(result, found, victim);
  } finally {
    world.db.start();
    world.jenkins.start();
  }
  const log = await fetchCloudLog(world.state);
  result.overlaps = log.overlaps.filter((o) => o.seq > sinceSeq);
  const names = new Map(world.state.nodes.map((n) => [n.instanceId, n.name]));
  result.doubleAttachments = findDoubleAttachments(log.events, names, sinceSeq);
}

/** Partition, frozen agent: nothing the fenced node committed may be newer than the volume's new attachment. */
function checkOldNodeRows(result: ScenarioResult, found: readonly FoundRow[], victim: NodeState): void {
  if ((result.scenario !== "partition" && result.scenario !== "frozen-agent") || result.timeline.t5 === undefined) return;
  const late = rowsFromOldNodeAfter(found, victim.address, result.timeline.t5);
  if (late.length > 0) result.violations.push(`${late.length} rows committed on the fenced node after the move (ids ${late.slice(0, 10).join(",")})`);
}

function emptyResult(scenario: ScenarioName, iteration: number, service: string): ScenarioResult {
  return {
    scenario, iteration, service, fromNode: null, toNode: null, timeline: { t0: 0 }, rows: null, files: null,
    overlaps: [], violations: [], notes: [], writes: { db: { acked: 0, failed: 0 }, jenkins: { acked: 0, failed: 0 } }, error: null,
  };
}

/** The move of a moving scenario: fault, replacement task answering, phases, lab put back. */
async function runMove(world: DrillWorld, label: string, ctx: FaultContext, result: ScenarioResult, endFaults: EndFaults): Promise<void> {
  const fault = FAULTS[result.scenario];
  await fault.inject(ctx);
  const writer = fault.service === DB_SERVICE ? world.db : world.jenkins;
  const moved = await waitForMove(world, label, ctx, writer);
  result.toNode = moved.to?.name ?? null;
  result.timeline = await measure(world, ctx, moved.t9);
  await endFaults();
  result.violations.push(...(await fault.recover(ctx)));
  await waitHealthy(world, label, world.clock.now());
}

/** Waits for healthy workloads and the settle time; the context of a fault at t0 = now. */
async function prepareFault(world: DrillWorld, label: string, result: ScenarioResult): Promise<FaultContext> {
  const prepare = FAULTS[result.scenario].prepare;
  if (prepare !== undefined) result.notes.push(...(await prepare(world)));
  await waitHealthy(world, label, world.clock.now());
  await world.clock.sleep(world.settleMs);
  const victim = world.state.nodes.find((n) => n.name === world.locator.node(result.service));
  if (victim === undefined) throw new Error(`${result.service} runs nowhere before the fault`);
  result.fromNode = victim.name;
  const note = (message: string) => {
    result.notes.push(message);
    world.progress.note(`[${label}] ${message}`);
  };
  return {
    state: world.state, deps: world.deps, runner: world.runner, clock: world.clock, victim, service: result.service,
    t0: world.clock.now(), note, fenceWindowEnds: {}, sawSwarmNodeDown: (at) => void (result.swarmNodeDownAt = at),
  };
}

/** Turns the cloud faults off (once; later calls do nothing). */
type EndFaults = () => Promise<void>;

export interface RunOptions {
  /** The EC2 emulator's fault profile (cloudFaults.ts) on from t0 until the move was measured. */
  cloudFaults?: boolean;
}

/** Cloud faults on at t0 when asked; the world to run in (a longer move wait) and how to end them. */
async function cloudFaultsAt(world: DrillWorld, ctx: FaultContext, on: boolean): Promise<{ world: DrillWorld; end: EndFaults }> {
  if (!on) return { world, end: async () => {} };
  let active: CloudFaultsOn | null = await startCloudFaults(world.state);
  ctx.note(`cloud faults on: ${CLOUD_FAULT_SUMMARY}`);
  const end = async () => {
    const ending = active;
    active = null;
    if (ending !== null) ctx.note(await ending.end());
  };
  return { world: { ...world, moveTimeoutMs: world.moveTimeoutMs + CLOUD_FAULT_EXTRA_WAIT_MS }, end };
}

/** Runs one scenario; never throws (errors are recorded in the result). */
export async function runScenario(world: DrillWorld, scenario: ScenarioName, iteration: number, options: RunOptions = {}): Promise<ScenarioResult> {
  const result = emptyResult(scenario, iteration, FAULTS[scenario].service);
  if (options.cloudFaults === true) result.cloudFaults = true;
  const label = `${scenario}${options.cloudFaults === true ? "+cloud" : ""} #${iteration}`;
  const before = { db: world.db.stats(), jenkins: world.jenkins.stats() };
  let endFaults: EndFaults = async () => {};
  try {
    const sinceSeq = await cloudLogSeq(world.state);
    const ctx = await prepareFault(world, label, result);
    const cloud = await cloudFaultsAt(world, ctx, options.cloudFaults === true);
    endFaults = cloud.end;
    await (movesVolume(scenario) ? runMove(cloud.world, label, ctx, result, endFaults) : runSteady(cloud.world, label, ctx, result, endFaults));
    await checkSelfFence(world, ctx, result);
    await verify(world, result, ctx.victim, sinceSeq);
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
  }
  // A run that failed before its measurement must not leave the profile on for the next one.
  await endFaults().catch((err: unknown) => {
    result.error ??= `could not turn the cloud faults off: ${err instanceof Error ? err.message : String(err)}`;
  });
  world.progress.clear();
  const after = { db: world.db.stats(), jenkins: world.jenkins.stats() };
  result.writes = {
    db: { acked: after.db.acked - before.db.acked, failed: after.db.failed - before.db.failed },
    jenkins: { acked: after.jenkins.acked - before.jenkins.acked, failed: after.jenkins.failed - before.jenkins.failed },
  };
  return result;
}
