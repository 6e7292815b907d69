/**
 * Named crash points: the instants of a mount and of a move where a kill -9 hurts most
 * (invariant 3: "a controller killed at any point resumes and converges"; the agent's
 * twin for Mount). Product code calls `CrashPoints.reached(step)` (core/ports.ts) at each;
 * the daemons arm a few from `SWARMVOL_CRASH_AT=step[,step]` (cli/crashPoints.ts) and kill
 * themselves with SIGKILL there, which is how the lab's crash-points drill proves every
 * step converges with real processes (docs/drill.md). Unarmed, `reached` does nothing.
 *
 * Each name says what is already done, and the comment what is not yet: the gap a crash
 * leaves for the next process to find. Pure: parsing and arming, no I/O.
 */
import { clipped, invalidArgument } from "./errors.js";
import { noCrashPoints, type CrashPoints } from "./ports.js";

/** The node agent's steps of a Mount and of the last Unmount, in the order a mount reaches them. */
export const AGENT_CRASH_STEPS = [
  /** The controller granted the claim (the volume is attached here); its device not yet seen. */
  "agent.mount.granted",
  /** The device is on this node and verified, the epoch accepted; no filesystem work yet. */
  "agent.mount.attached",
  /** mkfs made the filesystem of a fresh volume; the fresh mark is not cleared yet. */
  "agent.mount.formatted",
  /** fsck passed on a volume formatted before; not mounted yet. */
  "agent.mount.checked",
  /** mount(8) is done; the data folder is not made and the mount table does not know it. */
  "agent.mount.mounted",
  /** Mounted with its data folder; the mount table is not written yet. */
  "agent.mount.beforeRecord",
  /** The mount table has it; Docker has not had the answer yet. */
  "agent.mount.recorded",
  /** The last user gone, umount(8) is done; the controller not told yet, the table entry kept. */
  "agent.unmount.unmounted",
  /** The controller was told (release); the mount table entry is not deleted yet. */
  "agent.unmount.released",
] as const;

/** The controller's steps of a move from one node to another, in order. */
export const CONTROLLER_CRASH_STEPS = [
  /** t3 written: the old holder is safe to detach from (it released, or it is fenced); DetachVolume not sent. */
  "controller.move.fenced",
  /** EC2 accepted DetachVolume; the detach is not seen finished. */
  "controller.detach.requested",
  /** The volume is detached from the old holder; its grant not cleared, the journal entry open. */
  "controller.detach.observed",
  /** The raised epoch is in the catalog and the cloud tag; AttachVolume not sent. */
  "controller.attach.epochRaised",
  /** EC2 accepted AttachVolume; the attachment is not seen attached. */
  "controller.attach.requested",
  /** Attached to the new node; t5 not written, the journal entry open. */
  "controller.attach.observed",
  /** The grant to the new node is decided; not written. */
  "controller.grant.beforeWrite",
  /** The grant is written; waiting claims not answered, the journal entry open. */
  "controller.grant.written",
] as const;

export type AgentCrashStep = (typeof AGENT_CRASH_STEPS)[number];
export type ControllerCrashStep = (typeof CONTROLLER_CRASH_STEPS)[number];
export type CrashStep = AgentCrashStep | ControllerCrashStep;

/** Every step, agent's first. */
export const CRASH_STEPS: readonly CrashStep[] = [...AGENT_CRASH_STEPS, ...CONTROLLER_CRASH_STEPS];

/** The steps each daemon can reach: all-in-one runs the agent's driver (its Mount has no claim). */
export const DAEMON_CRASH_STEPS = {
  agent: AGENT_CRASH_STEPS,
  "all-in-one": AGENT_CRASH_STEPS.filter((step) => step !== "agent.mount.granted"),
  controller: CONTROLLER_CRASH_STEPS,
} as const satisfies Record<string, readonly CrashStep[]>;
export type CrashDaemon = keyof typeof DAEMON_CRASH_STEPS;

/** Longest SWARMVOL_CRASH_AT read: every step listed once is about 450 characters. */
export const maxCrashAtLength = 2048;

export function isCrashStep(name: string): name is CrashStep {
  return (CRASH_STEPS as readonly string[]).includes(name);
}

/**
 * `SWARMVOL_CRASH_AT`'s steps for `daemon`: comma-separated, blanks ignored, duplicates
 * once. Undefined or blank: none. INVALID_ARGUMENT for a name that is no step, or a step
 * this daemon never reaches (it would never fire: the drill would believe it passed),
 * listing the valid names.
 */
export function parseCrashSteps(raw: string | undefined, daemon: CrashDaemon): CrashStep[] {
  if (raw === undefined) return [];
  const valid: readonly CrashStep[] = DAEMON_CRASH_STEPS[daemon];
  if (raw.length > maxCrashAtLength) {
    throw invalidArgument(`SWARMVOL_CRASH_AT holds ${raw.length} characters (at most ${maxCrashAtLength}); list step names like ${valid[0]}`, { length: raw.length });
  }
  const steps: CrashStep[] = [];
  for (const name of raw.split(",").map((part) => part.trim()).filter((part) => part !== "")) {
    if (!isCrashStep(name) || !valid.includes(name)) {
      const why = isCrashStep(name) ? `is not a step of the ${daemon}` : "is not a crash point";
      throw invalidArgument(`SWARMVOL_CRASH_AT: "${clipped(name)}" ${why}; valid for the ${daemon}: ${valid.join(", ")}`, { daemon, step: clipped(name) });
    }
    if (!steps.includes(name)) steps.push(name);
  }
  return steps;
}

/**
 * The armed points: `crash(step)` runs when an armed step is reached (the daemons' crash
 * kills the process, so it runs once; a test's may record or throw). Unarmed steps and an
 * empty list do nothing.
 */
export function armCrashPoints(steps: readonly CrashStep[], crash: (step: CrashStep) => void): CrashPoints {
  if (steps.length === 0) return noCrashPoints;
  const armed = new Set(steps);
  return {
    reached(step) {
      if (armed.has(step)) crash(step);
    },
  };
}

/** The log line's message a daemon writes as it kills itself at a step (the drill looks for it, with `step`). */
export const crashLogMessage = "crash point reached: SIGKILL to this process";
