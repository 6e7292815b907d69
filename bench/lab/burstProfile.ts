import type { VolumeRecord } from "../../core/volume.js";
import type { LabState } from "../../lab/cluster/index.js";
import { fetchCloudLog, fetchVolumes, removeVolume } from "../../lab/drill/observe.js";

/** Where each burst volume spent its time, in ms after the deploy started (medians and maxima). */
export interface BurstProfile {
  /** The plugin's Create reached the controller (the catalog record's createdAt). */
  recorded: Spread;
  /** The controller saw the volume wanted on a node (t2). */
  placed: Spread;
  /** EBS reported the volume created (emulator log). */
  cloudCreated: Spread;
  /** AttachVolume reached EBS (emulator log). */
  attachRequested: Spread;
  /** EBS reported it attached (emulator log). */
  cloudAttached: Spread;
  /** The controller saw the attach finish (t5). */
  attachSeen: Spread;
  /** The agent reported it mounted (t7). */
  mounted: Spread;
}

export interface Spread {
  p50: number;
  max: number;
}

function spread(values: number[]): Spread {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN };
}

/**
 * Removes the `stack` volumes through the controller (detach and delete, in parallel), as an
 * operator would after `docker stack rm`: the next burst then starts on empty nodes. A
 * volume still mounted while its containers stop is refused and asked again; what is still
 * refused at the deadline is returned as `name: last answer`, for the round's notes.
 */
export async function removeBurstVolumes(state: LabState, stack: string, timeoutMs = 120_000): Promise<string[]> {
  const volumes = await fetchVolumes(state);
  let left = new Map(volumes.map((volume) => volume.spec.name).filter((name) => name.startsWith(`${stack}_`)).map((name) => [name, ""]));
  const deadline = Date.now() + timeoutMs;
  while (left.size > 0) {
    const answers = await Promise.all([...left.keys()].map(async (name) => [name, await removeVolume(state, name)] as const));
    left = new Map(answers.filter((answer): answer is readonly [string, string] => answer[1] !== undefined));
    if (left.size === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return [...left.entries()].map(([name, why]) => `${name}: ${why}`);
}

/** The volume of `stack` mounted last, with its phases in ms after the deploy started. */
export interface SlowestVolume {
  name: string;
  node: string;
  phases: Record<string, number>;
  condition?: string;
}

/** The burst's slowest volume (latest t7, or any never mounted), from the controller's catalog. */
export async function slowestVolume(state: LabState, stack: string, startedAt: number): Promise<SlowestVolume | undefined> {
  const ours = (await fetchVolumes(state)).filter((volume) => volume.spec.name.startsWith(`${stack}_`));
  const mountedAt = (volume: VolumeRecord) => volume.status.lastMove?.t7Mounted ?? Number.POSITIVE_INFINITY;
  const slowest = [...ours].sort((a, b) => mountedAt(b) - mountedAt(a))[0];
  if (slowest === undefined) return undefined;
  const move = slowest.status.lastMove;
  const phases: Record<string, number> = { recorded: Date.parse(slowest.createdAt) - startedAt };
  for (const key of ["t2Seen", "t3Fenced", "t4Detached", "t5Attached", "t6Verified", "t7Mounted"] as const) {
    const value = move?.[key];
    if (value !== undefined) phases[key] = value - startedAt;
  }
  const condition = slowest.status.condition;
  return { name: slowest.spec.name, node: move?.toNode ?? "", phases, ...(condition ? { condition: `${condition.reason}: ${condition.message}` } : {}) };
}

/** `name on node: phase +s, …` for the round's notes. */
export function renderSlowest(slowest: SlowestVolume): string {
  const phases = Object.entries(slowest.phases).map(([phase, ms]) => `${phase} +${(ms / 1000).toFixed(1)} s`).join(", ");
  return `${slowest.name}${slowest.node ? ` on ${slowest.node}` : ""}: ${phases}${slowest.condition ? ` (${slowest.condition})` : ""}`;
}

/**
 * Reads the controller's catalog and the emulator's log after a burst and reports the
 * phases of the `stack` volumes: what the burst waited on, for the bench's notes.
 */
export async function profileBurst(state: LabState, stack: string, startedAt: number): Promise<BurstProfile> {
  const volumes = await fetchVolumes(state);
  const { events } = await fetchCloudLog(state);
  const ours = volumes.filter((volume) => volume.spec.name.startsWith(`${stack}_`));
  const at = (time: number | string | undefined) => (time === undefined ? Number.NaN : (typeof time === "string" ? Date.parse(time) : time) - startedAt);
  const eventAt = (type: string, volumeId: string | undefined) => at(events.find((event) => event.type === type && event.volumeId === volumeId)?.time);
  const column = (pick: (volume: VolumeRecord) => number) => spread(ours.map(pick));
  return {
    recorded: column((volume) => at(volume.createdAt)),
    placed: column((volume) => at(volume.status.lastMove?.t2Seen)),
    cloudCreated: column((volume) => eventAt("volume-created", volume.status.backendId)),
    attachRequested: column((volume) => eventAt("attach-requested", volume.status.backendId)),
    cloudAttached: column((volume) => eventAt("attached", volume.status.backendId)),
    attachSeen: column((volume) => at(volume.status.lastMove?.t5Attached)),
    mounted: column((volume) => at(volume.status.lastMove?.t7Mounted)),
  };
}

/** One line: `phase p50/max` for each phase, in seconds. */
export function renderProfile(profile: BurstProfile): string {
  const s = (ms: number) => (ms / 1000).toFixed(1);
  return Object.entries(profile).map(([phase, value]) => `${phase} ${s(value.p50)}/${s(value.max)} s`).join(", ");
}
