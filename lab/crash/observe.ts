/**
 * The crash-points drill's reads of the running lab: each node's mountinfo (read from the
 * host through the node's PID 1), the host's loop devices, each node's device links, the
 * emulator's volumes and event log, and the daemons' log lines since an offset. Read-only.
 */
import { readdir, readFile, readlink, stat } from "node:fs/promises";
import { join } from "node:path";
import { DescribeVolumesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { crashLogMessage, type CrashStep } from "../../core/crashPoints.js";
import type { CommandRunner } from "../../core/ports.js";
import { CLOUD_ENDPOINT, REGION, swarmvolPaths, type LabState } from "../cluster/index.js";
import { isNodePid1 } from "../cluster/node.js";
import { parseLoops, parseMountinfo, type LabSnapshot, type VolumeSeen } from "./kernel.js";

let ec2: EC2Client | undefined;

async function describeVolumes(): Promise<VolumeSeen[]> {
  ec2 ??= new EC2Client({ endpoint: CLOUD_ENDPOINT, region: REGION, maxAttempts: 3, credentials: { accessKeyId: "lab", secretAccessKey: "lab" } });
  const answer = await ec2.send(new DescribeVolumesCommand({}));
  return (answer.Volumes ?? []).map((v) => ({
    volumeId: v.VolumeId ?? "",
    attachments: (v.Attachments ?? []).map((a) => ({ instanceId: a.InstanceId ?? "", state: a.State ?? "" })),
  }));
}

const linkPrefix = "nvme-Amazon_Elastic_Block_Store_vol";

async function deviceLinks(state: LabState): Promise<LabSnapshot["links"]> {
  const links: LabSnapshot["links"] = [];
  for (const node of state.nodes) {
    const names = await readdir(node.paths.deviceDir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.startsWith(linkPrefix) && !n.endsWith(".tmp"))) {
      const target = await readlink(join(node.paths.deviceDir, name)).catch(() => "");
      links.push({ node: node.name, volumeId: `vol-${name.slice(linkPrefix.length)}`, target });
    }
  }
  return links;
}

/** One consistent-enough look at the lab (the callers poll until it is clean or time is up). */
export async function snapshotLab(state: LabState, runner: CommandRunner): Promise<LabSnapshot> {
  const volumes = await describeVolumes();
  const loops = await runner.run("losetup", ["--list", "--json", "--output", "NAME,BACK-FILE,MAJ:MIN"], { timeoutMs: 10_000 });
  if (loops.code !== 0) throw new Error(`losetup --list failed: ${loops.stderr.trim()}`);
  const mounts = [];
  for (const node of state.nodes) {
    if (!(await isNodePid1(node, node.pid1))) continue;
    mounts.push(...parseMountinfo(await readFile(`/proc/${node.pid1 as number}/mountinfo`, "utf8"), node.name));
  }
  return {
    mounts, loops: parseLoops(loops.stdout), volumes, links: await deviceLinks(state),
    instances: new Map(state.nodes.map((n) => [n.instanceId, n.name])),
    labDir: state.options.dir, volumesDir: join(swarmvolPaths(state.options.dir).cloudDir, "volumes"),
  };
}

/** A log file's size now: where to read from for what a daemon writes next. */
export async function logSize(path: string): Promise<number> {
  return stat(path).then((s) => s.size, () => 0);
}

/** The JSON lines (pino's) a log got after `offset`; other lines are skipped. */
export async function logLinesSince(path: string, offset: number): Promise<Array<Record<string, unknown>>> {
  const text = (await readFile(path).catch(() => Buffer.alloc(0))).subarray(offset).toString("utf8");
  return text.split("\n").flatMap((line) => {
    if (!line.startsWith("{")) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** Whether the daemon logged its crash at `step` after `offset` (cli/crashPoints.ts writes it just before SIGKILL). */
export async function crashLogged(path: string, offset: number, step: CrashStep): Promise<boolean> {
  return (await logLinesSince(path, offset)).some((line) => line.msg === crashLogMessage && line.step === step);
}

/** How many times any agent of the lab logged making a filesystem on `volume` (invariant 2: at most once). */
export async function filesystemsMade(agentLogs: readonly string[], volume: string): Promise<number> {
  let made = 0;
  for (const log of agentLogs) made += (await logLinesSince(log, 0)).filter((line) => line.msg === "filesystem created" && line.volume === volume).length;
  return made;
}

/** The last `placement action` a controller logged before its crash line after `offset`: what it was doing there. */
export async function crashSite(path: string, offset: number): Promise<string | undefined> {
  let last: Record<string, unknown> | undefined;
  for (const line of await logLinesSince(path, offset)) {
    if (line.msg === crashLogMessage) break;
    if (line.msg === "placement action") last = line;
  }
  return last === undefined ? undefined : `${String(last.action)} of ${String(last.volume)}${last.reason === undefined ? "" : ` (${String(last.reason)})`}`;
}
