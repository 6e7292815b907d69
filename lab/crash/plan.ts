/**
 * The crash-points drill's plan (pure): for every named crash point (core/crashPoints.ts),
 * which daemon is armed with it and which flow of the lab reaches it. The plan covers every
 * step exactly once, so a step added to core/ without a flow here fails a unit test rather
 * than being silently skipped by the drill.
 *
 * Flows (all on the lab's EBS emulator, real loop devices and dockerd):
 * - `first-mount`: `docker run` on node2 with a volume never mounted (mkfs happens);
 * - `mount`: `docker run` on node2 with a volume formatted and written before;
 * - `last-unmount`: the same run, the crash when its container exits; it converges by a
 *   run on node3 (the volume must leave node2);
 * - `move`: a one-task service moved between node2 and node3 by a constraint change,
 *   the controller armed.
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

/** The node the agent steps run on, and the one moves and releases go to. */
export const AGENT_NODE = "node2";
export const OTHER_NODE = "node3";

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
