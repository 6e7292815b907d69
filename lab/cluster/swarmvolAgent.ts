/**
 * One node's swarmvol agent alone, while its dockerd keeps running: stopped with a signal
 * and started again inside the node (`nsenter -t <PID 1> -n -m -u -p`, the namespaces the
 * node's supervisor started it in), optionally with crash points armed for that one start
 * (the crash-points drill, lab/crash/). A restart of the whole node (restartLabNode) brings
 * back the agent the supervisor runs; this is the agent restarted by itself, as systemd
 * restarts a crashed `swarmvol agent` on a real machine.
 */
import { connect } from "node:net";
import { join } from "node:path";
import type { Clock } from "../../core/ports.js";
import { timeout, unavailable } from "../../core/errors.js";
import { pollUntil } from "./engine.js";
import { signal, type DetachedSpawner } from "./host.js";
import { isNodePid1, isRunning, nodeExecArgs } from "./node.js";
import { agentPids } from "./powerFencing.js";
import { findNode, requireState, type NodeState } from "./state.js";
import { logTail } from "./swarmvolCloud.js";
import { AGENT_METRICS_PORT, agentArgv, controllerHosts, nodeSwarmvolPaths, PLUGIN_NAME, repoArtifacts } from "./swarmvolPlan.js";

export interface AgentDeps {
  spawner: DetachedSpawner;
  clock: Clock;
}

/** Sends `sig` to the node's agent and resolves once it is gone (none running: at once). */
export async function stopAgent(node: NodeState, sig: "SIGTERM" | "SIGKILL", clock: Clock, timeoutMs = 40_000): Promise<number[]> {
  const pids = await agentPids(node);
  for (const pid of pids) signal(pid, sig);
  const deadline = clock.now() + timeoutMs;
  for (const pid of pids) {
    while (await isRunning(pid)) {
      if (clock.now() > deadline) throw timeout(`the swarmvol agent on ${node.name} outlived ${sig}`, { node: node.name, pid });
      await clock.sleep(25);
    }
  }
  return pids;
}

/** Whether something accepts connections on the Unix socket at `path`. */
export function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

/** Successful lease renewals in an agent's /metrics text (0 when absent). */
export function renewalsOk(exposition: string): number {
  const line = exposition.split("\n").find((l) => l.startsWith('swarmvol_agent_lease_renewals_total{result="ok"}'));
  return line === undefined ? 0 : Number(line.split(" ").pop());
}

async function renewedLease(node: NodeState): Promise<boolean> {
  try {
    const answer = await fetch(`http://${node.address}:${AGENT_METRICS_PORT}/metrics`, { signal: AbortSignal.timeout(1_000) });
    return answer.status === 200 && renewalsOk(await answer.text()) > 0;
  } catch {
    return false;
  }
}

export interface StartAgentOptions extends AgentDeps {
  /** Crash points this one start arms (SWARMVOL_CRASH_AT); never kept: the next start is unarmed. */
  crashAt?: readonly string[];
  /** Until it serves its plugin socket and renewed its lease once. @default 30_000 */
  timeoutMs?: number;
}

/**
 * Starts the node's agent inside the node (none may be running: stop it first) and
 * resolves once it serves the plugin socket dockerd already knows and its lease was
 * renewed, so a Mount sent now is not refused for want of a lease. UNAVAILABLE when the
 * node is down, when it exits early or does not get ready (with its log's tail).
 */
export async function startAgent(dir: string, name: string, options: StartAgentOptions): Promise<number> {
  const state = await requireState(dir);
  const node = findNode(state, name);
  const swarmvol = state.swarmvol;
  if (swarmvol === undefined || swarmvol === null) throw unavailable("this lab runs without swarmvol (--bare)", { dir });
  if (!(await isNodePid1(node, node.pid1))) throw unavailable(`${name} is not running; cannot start its agent`, { node: name });
  if ((await agentPids(node)).length > 0) throw unavailable(`an agent already runs on ${name}; stop it first`, { node: name });
  const paths = nodeSwarmvolPaths(node);
  const argv = agentArgv(node, controllerHosts(state.nodes), {
    labDir: dir, logLevel: swarmvol.logLevel, artifacts: repoArtifacts(), ...(options.crashAt === undefined ? {} : { crashAt: options.crashAt }),
  });
  const launcher = options.spawner.spawnDetached("nsenter", nodeExecArgs(node.pid1 as number, argv), join(node.paths.dir, "pre-dockerd.log"));
  const socket = join(node.paths.pluginDir, `${PLUGIN_NAME}.sock`);
  const timeoutMs = options.timeoutMs ?? 30_000;
  let outcome: "ready" | "exited" | "timeout" = "timeout";
  let cause: unknown;
  try {
    outcome = await pollUntil(options.clock, timeoutMs, `the swarmvol agent on ${name}`, async () => {
      if (!(await isRunning(launcher))) return "exited" as const;
      return (await socketAnswers(socket)) && (await renewedLease(node)) ? ("ready" as const) : null;
    }, 100);
  } catch (err) {
    cause = err;
  }
  if (outcome === "ready") return launcher;
  const why = outcome === "exited" ? "exited during startup" : `did not get ready within ${timeoutMs} ms`;
  throw unavailable(`the swarmvol agent on ${name} ${why}; log ${paths.agentLog}:\n${await logTail(paths.agentLog)}`, { node: name }, cause);
}
