/**
 * Self-fencing evidence from the agents' own logs. An agent whose lease with the controller
 * lapsed logs "lease with the controller lapsed: …" and, for each container it kills to
 * fence its swarmvol volumes, "container killed to fence its volumes" (pino JSON lines:
 * `time` in epoch ms, `msg` the constant message). A takeover between controller replicas
 * must cause neither, so the drill's controller scenarios and the `lab-takeover` benchmark
 * count them in a time window on every node.
 *
 * {@link countSelfFence} is pure (unit-tested); {@link readSelfFence} reads the lab's logs.
 */
import { readFile } from "node:fs/promises";
import { nodeSwarmvolPaths, type LabState } from "../cluster/index.js";

/** The two messages, as the agent logs them (plugin/cluster/leaseKeeper.ts); matched as prefixes. */
export const SELF_FENCE_MESSAGES = {
  lapse: "lease with the controller lapsed",
  kill: "container killed to fence its volumes",
} as const;

export interface SelfFenceCount {
  /** Lease lapses logged in the window. */
  lapses: number;
  /** Containers killed to fence their volumes in the window. */
  kills: number;
}

/** Per node, and the sum over the nodes. */
export interface SelfFenceReport extends SelfFenceCount {
  byNode: Record<string, SelfFenceCount>;
}

/**
 * Counts the two messages among the JSON lines of `log` whose `time` is in [from, to].
 * Lines that are not JSON (a stack trace, a half-written last line) are skipped.
 */
export function countSelfFence(log: string, from: number, to: number): SelfFenceCount {
  const count: SelfFenceCount = { lapses: 0, kills: 0 };
  for (const line of log.split("\n")) {
    if (!line.includes(SELF_FENCE_MESSAGES.lapse) && !line.includes(SELF_FENCE_MESSAGES.kill)) continue;
    let entry: { time?: unknown; msg?: unknown };
    try {
      entry = JSON.parse(line) as { time?: unknown; msg?: unknown };
    } catch {
      continue;
    }
    if (typeof entry.time !== "number" || typeof entry.msg !== "string" || entry.time < from || entry.time > to) continue;
    if (entry.msg.startsWith(SELF_FENCE_MESSAGES.lapse)) count.lapses += 1;
    else if (entry.msg.startsWith(SELF_FENCE_MESSAGES.kill)) count.kills += 1;
  }
  return count;
}

/** Adds up per-node counts. */
export function sumSelfFence(byNode: Record<string, SelfFenceCount>): SelfFenceReport {
  const values = Object.values(byNode);
  return {
    lapses: values.reduce((n, c) => n + c.lapses, 0),
    kills: values.reduce((n, c) => n + c.kills, 0),
    byNode,
  };
}

/** Violations to report for a window that must have no self-fencing (empty when clean). */
export function selfFenceViolations(report: SelfFenceReport): string[] {
  if (report.lapses === 0 && report.kills === 0) return [];
  const where = Object.entries(report.byNode)
    .filter(([, c]) => c.lapses + c.kills > 0)
    .map(([node, c]) => `${node} ${c.lapses} lapses/${c.kills} kills`)
    .join(", ");
  return [`agents self-fenced during the scenario: ${report.lapses} lease lapses, ${report.kills} containers killed (${where})`];
}

/**
 * Reads every node's agent.log and counts the messages logged in [from, to]; a node in
 * `ends` counts only until its own end (a node killed then: its restarted agent boots
 * afresh). A missing log counts as empty.
 */
export async function readSelfFence(
  state: LabState, from: number, to: number, ends: Readonly<Record<string, number>> = {},
): Promise<SelfFenceReport> {
  const byNode: Record<string, SelfFenceCount> = {};
  for (const node of state.nodes) {
    const text = await readFile(nodeSwarmvolPaths(node).agentLog, "utf8").catch(() => "");
    byNode[node.name] = countSelfFence(text, from, Math.min(to, ends[node.name] ?? to));
  }
  return sumSelfFence(byNode);
}
