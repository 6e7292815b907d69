/**
 * What every crash-points step shares: the lab, a ledger of the lines written to each
 * volume (a line is acknowledged when the run that wrote it exited 0, and must then be
 * there forever), arming and restarting the daemons, waiting for the armed one to die,
 * and the checks after convergence (kernel, loops, links, double attachment, mkfs count).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CrashStep } from "../../core/crashPoints.js";
import type { Clock, CommandRunner } from "../../core/ports.js";
import {
  agentPids, BUSYBOX_IMAGE, controllerPids, controllerReplicas, dockerHost, findNode, killController, leaderReplica, nodeSwarmvolPaths, startAgent, startController, stopAgent,
  waitForLeader, type LabDeps, type LabState,
} from "../cluster/index.js";
import { isRunning } from "../cluster/node.js";
import { findDoubleAttachments } from "../drill/doubleAttach.js";
import { fetchCloudLog, fetchVolume } from "../drill/observe.js";
import { kernelProblems, mountExpectation } from "./kernel.js";
import { crashLogged, filesystemsMade, logSize, snapshotLab } from "./observe.js";
import type { CrashOutcome } from "./report.js";

export interface CrashWorld {
  state: LabState;
  deps: LabDeps;
  runner: CommandRunner;
  clock: Clock;
  /** Per volume: lines acknowledged (in order) and every line ever tried. */
  ledger: Map<string, { acked: string[]; tried: Set<string> }>;
  /** Progress for the operator (stderr). */
  note(text: string): void;
}


export function ledgerOf(world: CrashWorld, volume: string): { acked: string[]; tried: Set<string> } {
  let entry = world.ledger.get(volume);
  if (entry === undefined) world.ledger.set(volume, (entry = { acked: [], tried: new Set() }));
  return entry;
}

/** Runs the docker CLI against a lab node; never throws on a non-zero exit. */
export async function docker(world: CrashWorld, node: string, args: readonly string[], timeoutMs = 120_000) {
  return world.runner.run("env", [`DOCKER_HOST=${dockerHost(findNode(world.state, node))}`, "docker", ...args], { timeoutMs });
}

/** The shell a writer runs: prints the volume's log, then appends `line` and syncs. */
export const appendScript = (line: string) => `cat /d/log 2>/dev/null; echo ${line} >> /d/log && sync`;

/** Docker's error in a CLI's stderr, without its usage hint. */
export function dockerError(stderr: string, code: number): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("Run 'docker"));
  return lines.join(" ").slice(0, 400) || `exit ${code}`;
}

export interface Written {
  /** The log as the writer read it before appending (null when the write failed). */
  read: string | null;
  /** The acknowledged lines before this write: what `read` must hold. */
  before: readonly string[];
  error: string;
}

/**
 * `docker run --rm` on `node` that reads `volume`'s log and appends `line`: acknowledged
 * when it exits 0. With `retryMs`, failed runs are tried again (each with its own line)
 * until one works or the time is up: a convergence run may meet the seconds a crash's
 * remains take to clear (a mount review, a lease).
 */
export async function writeByRun(world: CrashWorld, node: string, volume: string, line: string, retryMs = 0): Promise<Written & { attempts: number }> {
  const deadline = world.clock.now() + retryMs;
  for (let attempt = 1; ; attempt += 1) {
    const ledger = ledgerOf(world, volume);
    const tried = attempt === 1 ? line : `${line}-retry${attempt}`;
    ledger.tried.add(tried);
    const before = [...ledger.acked];
    const result = await docker(world, node, ["run", "--rm", "--volume-driver", "swarmvol", "-v", `${volume}:/d`, BUSYBOX_IMAGE, "sh", "-c", appendScript(tried)]);
    if (result.code === 0) {
      ledger.acked.push(tried);
      return { read: result.stdout, before, error: "", attempts: attempt };
    }
    if (world.clock.now() >= deadline) return { read: null, before, error: dockerError(result.stderr, result.code), attempts: attempt };
    await world.clock.sleep(2_000);
  }
}

/** What is wrong with a volume's log as a writer read it: an acknowledged line missing, or a line nobody wrote. */
export function contentProblems(world: CrashWorld, volume: string, written: Pick<Written, "read" | "before">): string[] {
  const ledger = ledgerOf(world, volume);
  const lines = (written.read ?? "").split("\n").filter((l) => l !== "");
  const problems: string[] = [];
  const missing = written.before.filter((line) => !lines.includes(line));
  if (missing.length > 0) problems.push(`${volume} lost acknowledged writes: ${missing.join(", ")}`);
  const strange = lines.filter((line) => !ledger.tried.has(line));
  if (strange.length > 0) problems.push(`${volume} holds lines nobody wrote: ${strange.slice(0, 3).join(", ")}`);
  return problems;
}

/** Stops the node's agent (SIGTERM: a clean stop) and starts it again, armed with `crashAt` or not. */
export async function restartAgent(world: CrashWorld, node: string, crashAt: readonly CrashStep[]): Promise<number[]> {
  await stopAgent(findNode(world.state, node), "SIGTERM", world.clock);
  await startAgent(world.state.options.dir, node, { spawner: world.deps.spawner, clock: world.clock, crashAt });
  return agentPids(findNode(world.state, node));
}

/** Stops one controller replica (SIGTERM: a leader hands its lease back) and starts it again, armed or not. */
export async function restartReplica(world: CrashWorld, node: string, crashAt: readonly CrashStep[]): Promise<void> {
  const dir = world.state.options.dir;
  await killController(dir, { node, signal: "SIGTERM", clock: world.clock });
  await startController(dir, { node, crashAt, spawner: world.deps.spawner, clock: world.clock });
}

/** The armed leader of a controller step: which replica, its daemon's PIDs, where its log was before it started. */
export interface ArmedLeader {
  armed: string;
  standby: string;
  pids: number[];
  log: string;
  offset: number;
  /** The armed replica died while taking the lead (a step a new leader reaches at once, like a re-grant). */
  diedTakingOver: boolean;
}

/**
 * Makes the leader a replica armed with `crashAt`: the leader is restarted armed (SIGTERM:
 * the standby takes over), then the standby is stopped so the armed one takes the lead back,
 * and started again unarmed. The leader is the one armed because its own cache already
 * holds what it granted last: a replica taking over from another re-grants what the other
 * granted, and would reach a grant step before the move. Never without a replica that can
 * lead: should the armed one die taking over, the other is started at once.
 */
export async function armLeader(world: CrashWorld, crashAt: readonly CrashStep[]): Promise<ArmedLeader> {
  const dir = world.state.options.dir;
  const replicas = controllerReplicas(world.state).map((r) => r.node);
  const armed = (await leaderReplica(world.state))?.node ?? (replicas[0] as string);
  const standby = replicas.find((node) => node !== armed) as string;
  const log = nodeSwarmvolPaths(findNode(world.state, armed)).controllerLog;
  await killController(dir, { node: armed, signal: "SIGTERM", clock: world.clock });
  await waitForLeader(world.state, { clock: world.clock, timeoutMs: 30_000, intervalMs: 100, exclude: [armed] });
  const offset = await logSize(log);
  await startController(dir, { node: armed, crashAt, spawner: world.deps.spawner, clock: world.clock });
  const pids = await controllerPids(world.state, armed);
  await killController(dir, { node: standby, signal: "SIGTERM", clock: world.clock });
  const deadline = world.clock.now() + 30_000;
  let diedTakingOver = false;
  while ((await leaderReplica(world.state, 500))?.node !== armed) {
    if (!(await Promise.all(pids.map((pid) => isRunning(pid)))).some(Boolean)) {
      diedTakingOver = true;
      break;
    }
    if (world.clock.now() > deadline) break;
    await world.clock.sleep(100);
  }
  await startController(dir, { node: standby, spawner: world.deps.spawner, clock: world.clock });
  return { armed, standby, pids, log, offset, diedTakingOver };
}

export interface CrashWait {
  pids: readonly number[];
  log: string;
  offset: number;
  step: CrashStep;
  /** Settles when the flow is over (the trigger finished, the move is done). */
  settled: Promise<unknown>;
  /** After `settled`, how long the daemon may still take to reach the step. @default 5_000 */
  graceMs?: number;
  /** @default 90_000 */
  timeoutMs?: number;
}

/** Waits for the armed daemon to die: crashed at the step (its line logged), died otherwise, or never reached it. */
export async function waitForCrash(world: CrashWorld, wait: CrashWait): Promise<CrashOutcome> {
  const start = world.clock.now();
  let settledAt: number | null = null;
  void wait.settled.finally(() => (settledAt = world.clock.now())).catch(() => undefined);
  for (;;) {
    const alive = await Promise.all(wait.pids.map((pid) => isRunning(pid)));
    if (wait.pids.length > 0 && !alive.some(Boolean)) {
      // The line is written before the kill; give the file system a moment to show it.
      for (let i = 0; i < 10; i += 1) {
        if (await crashLogged(wait.log, wait.offset, wait.step)) return "crashed";
        await world.clock.sleep(50);
      }
      return "died-elsewhere";
    }
    const now = world.clock.now();
    if ((settledAt !== null && now - settledAt > (wait.graceMs ?? 5_000)) || now - start > (wait.timeoutMs ?? 90_000)) return "not-reached";
    await world.clock.sleep(100);
  }
}

/** Polls `check` until it finds nothing or `ms` pass; resolves with its last findings. */
export async function untilClean(world: CrashWorld, check: () => Promise<string[]>, ms = 15_000): Promise<string[]> {
  const deadline = world.clock.now() + ms;
  for (;;) {
    const problems = await check().catch((err: unknown) => [`could not look: ${(err as Error).message}`]);
    if (problems.length === 0 || world.clock.now() > deadline) return problems;
    await world.clock.sleep(500);
  }
}

/** The agent's mount table entry for `volume` on `node` (undefined when it has none). */
async function mountEntry(world: CrashWorld, node: string, volume: string): Promise<{ ids: string[] } | undefined> {
  const file = join(nodeSwarmvolPaths(findNode(world.state, node)).agentStateDir, "node-mounts.json");
  const document = JSON.parse(await readFile(file, "utf8").catch(() => "{}")) as { mounts?: Record<string, { ids: string[] }> };
  return document.mounts?.[volume];
}

/**
 * Everything that must hold once a step converged: the kernel, loops and links agree with
 * the emulator; `volume` is mounted once on `expected.node` or nowhere, and the agents'
 * mount tables agree; no double attachment in the cloud log after `sinceSeq`; at most one
 * mkfs of the volume ever.
 */
export async function labProblems(world: CrashWorld, volume: string, expected: { node: string } | "nowhere", sinceSeq: number): Promise<string[]> {
  const record = await fetchVolume(world.state, volume);
  const snapshot = await snapshotLab(world.state, world.runner);
  const problems = [...kernelProblems(snapshot), ...mountExpectation(snapshot, volume, record?.status.backendId, expected)];
  for (const node of world.state.nodes) {
    const entry = await mountEntry(world, node.name, volume);
    const wanted = expected !== "nowhere" && expected.node === node.name;
    if (!wanted && entry !== undefined && entry.ids.length > 0) problems.push(`the agent on ${node.name} still counts ${entry.ids.length} Docker mount(s) of ${volume}`);
    if (wanted && (entry === undefined || entry.ids.length === 0)) problems.push(`the agent on ${node.name} does not know it mounts ${volume}`);
  }
  if (expected !== "nowhere" && record !== null) {
    const nodeId = findNode(world.state, expected.node).nodeId;
    if (record.status.grantedTo?.nodeId !== nodeId) problems.push(`the controller grants ${volume} to ${record.status.grantedTo?.nodeId ?? "nobody"}, not ${expected.node}`);
  }
  const names = new Map(world.state.nodes.map((n) => [n.instanceId, n.name]));
  problems.push(...findDoubleAttachments((await fetchCloudLog(world.state)).events, names, sinceSeq).map((d) => d.message));
  const made = await filesystemsMade(world.state.nodes.map((n) => nodeSwarmvolPaths(n).agentLog), volume);
  if (made > 1) problems.push(`${volume} was formatted ${made} times`);
  return problems;
}

/** The last event's seq in the emulator's log (checks look only after it). */
export async function cloudSeq(world: CrashWorld): Promise<number> {
  return (await fetchCloudLog(world.state)).events.at(-1)?.seq ?? 0;
}
