/**
 * The crash-points drill's plan (pure): for every named crash point (core/crashPoints.ts),
 * which daemon is armed with it and which flow of the lab reaches it. The plan covers every
 * step exactly once, so a step added to core/ without a flow here fails a unit test rather
 * than being silently skipped by the drill.
 *
 * The lab: node1 and node2 are managers, each with a controller replica (a standby takes
 * over when the leader dies, as in production: with one replica every restart longer than
 * the agents' 6 s lease fences every node); node3 and node4 are workers. Flows (all on the
 * EBS emulator, real loop devices and dockerd):
 * - `first-mount`: `docker run` on node3 with a volume never mounted (mkfs happens);
 * - `mount`: `docker run` on node3 with a volume formatted and written before;
 * - `last-unmount`: the same run, the crash when its container exits; it converges by a
 *   run on node4 (the volume must leave node3);
 * - `move`: a one-task service moved between node3 and node4 by a constraint change,
 *   the leading controller replica armed.
 */
import { CRASH_STEPS, type CrashStep } from "../../core/crashPoints.js";

export type CrashFlow = "first-mount" | "mount" | "last-unmount" | "move";

export interface PlannedStep {
  step: CrashStep;
  daemon: "agent" | "controller";
  flow: CrashFlow;
  /** The swarmvol volume this step uses (one per agent step; the moving service's for all controller steps). */
  volume: string;
}

/** The one volume every controller step moves, and the service that holds it. */
export const MOVE_VOLUME = "crash-move";
export const MOVE_SERVICE = "crash-move";

/** The lab's managers (a controller replica each) and nodes. */
export const MANAGERS = 2;
export const LAB_NODES = ["node1", "node2", "node3", "node4"] as const;
/** The node the agent steps run on, and the one moves and releases go to. */
export const AGENT_NODE = "node3";
export const OTHER_NODE = "node4";

export function flowOf(step: CrashStep): CrashFlow {
  if (step.startsWith("controller.")) return "move";
  if (step === "agent.mount.formatted") return "first-mount";
  return step.startsWith("agent.unmount.") ? "last-unmount" : "mount";
}

/** Every step in CRASH_STEPS order (the agent's, then the controller's), or the ones asked for. */
export function crashPlan(only?: readonly CrashStep[]): PlannedStep[] {
  return CRASH_STEPS.map((step, index): PlannedStep => {
    const daemon = step.startsWith("controller.") ? "controller" : "agent";
    return { step, daemon, flow: flowOf(step), volume: daemon === "controller" ? MOVE_VOLUME : `crash-${index + 1}` };
  }).filter((planned) => only === undefined || only.includes(planned.step));
}
