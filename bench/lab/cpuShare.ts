import { readdir, readFile } from "node:fs/promises";

/**
 * Who used the machine's CPU during a deploy: a snapshot of every process's CPU time
 * (/proc/PID/stat utime+stime plus the reaped children's cutime+cstime, so mkfs and mount
 * children count toward the agent that ran them), grouped by what the process is, and the
 * difference of two snapshots. On a 2-core machine a burst is CPU-bound; this says how much
 * of it was swarmvol's own (agents, controller replicas), the emulator's (the stand-in for
 * EBS), and Docker's (dockerd, containerd and its shims), beside the same figures for the
 * deploy without volumes.
 */
export type CpuGroup = "agent" | "controller" | "emulator" | "dockerd" | "containerd" | "other";

export interface CpuSnapshot {
  at: number;
  /** pid → group and CPU seconds so far */
  processes: Map<number, { group: CpuGroup; seconds: number }>;
}

const TICKS_PER_SECOND = 100;

/** The group of a process from its command line (arguments joined by spaces). */
export function cpuGroupOf(cmdline: string): CpuGroup {
  if (/dist\/cli\/main\.js (agent|all-in-one)\b/.test(cmdline)) return "agent";
  if (/dist\/cli\/main\.js controller\b/.test(cmdline)) return "controller";
  if (/dist\/lab\/cloud\/main\.js/.test(cmdline)) return "emulator";
  if (/(^|\/)dockerd\b/.test(cmdline)) return "dockerd";
  if (/(^|\/)containerd(-shim\S*)?\b/.test(cmdline)) return "containerd";
  return "other";
}

/** CPU seconds of one /proc/PID/stat line: utime, stime, cutime, cstime (fields 14-17). */
export function cpuSecondsOfStat(stat: string): number {
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index] ?? 0), 0);
  return ticks / TICKS_PER_SECOND;
}

export async function cpuSnapshot(): Promise<CpuSnapshot> {
  const processes = new Map<number, { group: CpuGroup; seconds: number }>();
  for (const entry of await readdir("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const [stat, cmdline] = await Promise.all([readFile(`/proc/${pid}/stat`, "utf8"), readFile(`/proc/${pid}/cmdline`, "utf8")]);
      processes.set(pid, { group: cpuGroupOf(cmdline.split("\0").join(" ")), seconds: cpuSecondsOfStat(stat) });
    } catch {
      // The process ended between readdir and read: its time is in its parent's cutime.
    }
  }
  return { at: Date.now(), processes };
}

export interface CpuUse {
  wallSeconds: number;
  /** CPU seconds per group between the snapshots. */
  groups: Record<CpuGroup, number>;
}

/** CPU seconds per group between two snapshots; a process new in `after` counts in full. */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuUse {
  const groups: Record<CpuGroup, number> = { agent: 0, controller: 0, emulator: 0, dockerd: 0, containerd: 0, other: 0 };
  for (const [pid, now] of after.processes) {
    const earlier = before.processes.get(pid);
    groups[now.group] += Math.max(0, now.seconds - (earlier?.seconds ?? 0));
  }
  return { wallSeconds: (after.at - before.at) / 1000, groups };
}

/** `cpu 120.3 s in 66.0 s: dockerd 40.1, containerd 30.2, agent 10.0, …` for a round's note. */
export function renderCpu(use: CpuUse): string {
  const total = Object.values(use.groups).reduce((a, b) => a + b, 0);
  const parts = Object.entries(use.groups).sort((a, b) => b[1] - a[1]).map(([group, seconds]) => `${group} ${seconds.toFixed(1)}`);
  return `cpu ${total.toFixed(1)} s in ${use.wallSeconds.toFixed(1)} s: ${parts.join(", ")}`;
}
