/**
 * What the kernel and the EC2 emulator say after a crash-points step, and what is wrong
 * with it (pure; lab/crash/observe.ts gathers the inputs):
 *
 * - every loop device backed by a file under the lab dir belongs to one emulator volume
 *   that is attached (at most one loop per volume): anything else is a leaked loop device
 *   (a deferred `losetup -d` under a mount nobody unmounts is one too);
 * - each node's device links (/dev/disk/by-id) name exactly the volumes attached to its
 *   instance, pointing at that volume's loop;
 * - a volume's filesystem (its loop device with root `/` in a node's mountinfo) is mounted
 *   at most once in the whole lab, and only on the node it is attached to: a second mount
 *   of one image is what "not adopted" looks like.
 */

/** One line of /proc/PID/mountinfo, with the node whose namespace it came from. */
export interface MountSeen {
  node: string;
  /** major:minor of the mounted device. */
  device: string;
  /** The root of the mount within its filesystem (`/` for the filesystem itself, `/data` for a bind of that folder). */
  root: string;
  mountPoint: string;
}

export interface LoopSeen {
  name: string;
  backFile: string;
  device: string;
}

export interface VolumeSeen {
  volumeId: string;
  attachments: Array<{ instanceId: string; state: string }>;
}

export interface LabSnapshot {
  mounts: MountSeen[];
  loops: LoopSeen[];
  volumes: VolumeSeen[];
  /** Device links in each node's by-id dir: node → volume id → link target. */
  links: Array<{ node: string; volumeId: string; target: string }>;
  /** Instance id → node name. */
  instances: ReadonlyMap<string, string>;
  /** The lab dir (loops backed below it are the lab's) and the emulator's volume images dir. */
  labDir: string;
  volumesDir: string;
}

/** Parses /proc/PID/mountinfo. */
export function parseMountinfo(text: string, node: string): MountSeen[] {
  return text.split("\n").filter((line) => line.trim() !== "").map((line) => {
    const fields = line.split(" ");
    return { node, device: fields[2] ?? "", root: unescapeMount(fields[3] ?? ""), mountPoint: unescapeMount(fields[4] ?? "") };
  });
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Parses `losetup --list --json --output NAME,BACK-FILE,MAJ:MIN` (its maj:min is padded). */
export function parseLoops(json: string): LoopSeen[] {
  if (json.trim() === "") return [];
  const parsed = JSON.parse(json) as { loopdevices?: Array<{ name: string; "back-file"?: string | null; "maj:min"?: string }> };
  return (parsed.loopdevices ?? []).map((loop) => ({
    name: loop.name, backFile: loop["back-file"] ?? "", device: (loop["maj:min"] ?? "").replace(/\s+/g, ""),
  }));
}

/** The emulator volume an image path belongs to (`<volumesDir>/vol-x.img`, maybe `(deleted)`), else undefined. */
export function volumeOfImage(backFile: string, volumesDir: string): string | undefined {
  const match = /^(vol-[0-9a-f]+)\.img$/.exec(backFile.replace(/ \(deleted\)$/, "").slice(volumesDir.length + 1));
  return backFile.startsWith(`${volumesDir}/`) && match !== null && !backFile.endsWith(" (deleted)") ? match[1] : undefined;
}

const holding = new Set(["attaching", "attached", "detaching", "busy"]);

/** The node a volume is attached to (any state that keeps a device there), or undefined. */
export function attachedNode(snapshot: LabSnapshot, volumeId: string): string | undefined {
  const attachment = snapshot.volumes.find((v) => v.volumeId === volumeId)?.attachments.find((a) => holding.has(a.state));
  return attachment === undefined ? undefined : snapshot.instances.get(attachment.instanceId) ?? attachment.instanceId;
}

/** Loop devices of each emulator volume, and the problems of loops that belong to none. */
function loopProblems(snapshot: LabSnapshot): { byVolume: Map<string, LoopSeen[]>; problems: string[] } {
  const byVolume = new Map<string, LoopSeen[]>();
  const problems: string[] = [];
  for (const loop of snapshot.loops.filter((l) => l.backFile.startsWith(`${snapshot.labDir}/`))) {
    const volumeId = volumeOfImage(loop.backFile, snapshot.volumesDir);
    if (volumeId === undefined) {
      problems.push(`leaked loop device ${loop.name} backed by ${loop.backFile}`);
      continue;
    }
    byVolume.set(volumeId, [...(byVolume.get(volumeId) ?? []), loop]);
  }
  for (const [volumeId, loops] of byVolume) {
    if (attachedNode(snapshot, volumeId) === undefined) problems.push(`leaked loop device ${loops.map((l) => l.name).join(", ")} of ${volumeId}, attached nowhere`);
    else if (loops.length > 1) problems.push(`${volumeId} has ${loops.length} loop devices (${loops.map((l) => l.name).join(", ")})`);
  }
  return { byVolume, problems };
}

function linkProblems(snapshot: LabSnapshot, byVolume: ReadonlyMap<string, LoopSeen[]>): string[] {
  const problems: string[] = [];
  for (const link of snapshot.links) {
    const node = attachedNode(snapshot, link.volumeId);
    if (node !== link.node) problems.push(`stale device link for ${link.volumeId} on ${link.node} (attached ${node === undefined ? "nowhere" : `to ${node}`})`);
    else if (!(byVolume.get(link.volumeId) ?? []).some((loop) => loop.name === link.target)) problems.push(`device link for ${link.volumeId} on ${link.node} points at ${link.target}, not its loop device`);
  }
  for (const volume of snapshot.volumes) {
    const node = attachedNode(snapshot, volume.volumeId);
    const state = volume.attachments.find((a) => holding.has(a.state))?.state;
    if (node !== undefined && state === "attached" && !snapshot.links.some((l) => l.volumeId === volume.volumeId && l.node === node)) {
      problems.push(`${volume.volumeId} is attached to ${node} but has no device there`);
    }
  }
  return problems;
}

/** The mounts (root `/`) of each volume's filesystem, across every node. */
export function volumeMounts(snapshot: LabSnapshot, byVolume: ReadonlyMap<string, LoopSeen[]> = loopProblems(snapshot).byVolume): Map<string, MountSeen[]> {
  const devices = new Map<string, string>();
  for (const [volumeId, loops] of byVolume) for (const loop of loops) devices.set(loop.device, volumeId);
  const mounts = new Map<string, MountSeen[]>();
  for (const mount of snapshot.mounts) {
    const volumeId = devices.get(mount.device);
    if (volumeId === undefined || mount.root !== "/") continue;
    mounts.set(volumeId, [...(mounts.get(volumeId) ?? []), mount]);
  }
  return mounts;
}

/** Every problem the snapshot shows, whatever step ran (see the module header). */
export function kernelProblems(snapshot: LabSnapshot): string[] {
  const { byVolume, problems } = loopProblems(snapshot);
  problems.push(...linkProblems(snapshot, byVolume));
  for (const [volumeId, mounts] of volumeMounts(snapshot, byVolume)) {
    const where = mounts.map((m) => `${m.node}:${m.mountPoint}`).join(", ");
    if (mounts.length > 1) problems.push(`${volumeId} is mounted ${mounts.length} times (${where}): a mount was not adopted`);
    const node = attachedNode(snapshot, volumeId);
    const strangers = mounts.filter((m) => m.node !== node);
    if (strangers.length > 0) problems.push(`${volumeId} is mounted on ${strangers.map((m) => m.node).join(", ")} but attached ${node === undefined ? "nowhere" : `to ${node}`}`);
  }
  return problems;
}

/**
 * What the step's volume should look like now: mounted exactly once, on `node`, or (its
 * last user gone) mounted nowhere.
 */
export function mountExpectation(snapshot: LabSnapshot, name: string, volumeId: string | undefined, expected: { node: string } | "nowhere"): string[] {
  if (volumeId === undefined) return [`${name} has no EBS volume in the controller's record`];
  const mounts = volumeMounts(snapshot).get(volumeId) ?? [];
  const where = mounts.map((m) => `${m.node}:${m.mountPoint}`).join(", ");
  if (expected === "nowhere") return mounts.length === 0 ? [] : [`${name} (${volumeId}) is still mounted after its last user left (${where})`];
  if (mounts.length === 1 && mounts[0]?.node === expected.node) return [];
  return [`${name} (${volumeId}) should be mounted once on ${expected.node}, is mounted ${mounts.length === 0 ? "nowhere" : `at ${where}`}`];
}
