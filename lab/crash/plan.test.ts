import { describe, expect, it } from "vitest";
import { AGENT_CRASH_STEPS, CONTROLLER_CRASH_STEPS, CRASH_STEPS } from "../../core/crashPoints.js";
import { crashPlan, flowOf, MOVE_VOLUME } from "./plan.js";

describe("crash-points plan", () => {
  it("covers every named step exactly once, each on the daemon that reaches it", () => {
    const plan = crashPlan();
    expect(plan.map((p) => p.step)).toEqual([...CRASH_STEPS]);
    expect(plan.filter((p) => p.daemon === "agent").map((p) => p.step)).toEqual([...AGENT_CRASH_STEPS]);
    expect(plan.filter((p) => p.daemon === "controller").map((p) => p.step)).toEqual([...CONTROLLER_CRASH_STEPS]);
  });

  it("gives each agent step a volume of its own; the controller steps move one", () => {
    const plan = crashPlan();
    const agentVolumes = plan.filter((p) => p.daemon === "agent").map((p) => p.volume);
    expect(new Set(agentVolumes).size).toBe(AGENT_CRASH_STEPS.length);
    expect(agentVolumes).not.toContain(MOVE_VOLUME);
    expect(new Set(plan.filter((p) => p.daemon === "controller").map((p) => p.volume))).toEqual(new Set([MOVE_VOLUME]));
  });

  it("reaches mkfs only on a fresh volume's first mount, the unmount steps at the last unmount, the controller's in a move", () => {
    expect(flowOf("agent.mount.formatted")).toBe("first-mount");
    expect(flowOf("agent.mount.checked")).toBe("mount");
    expect(flowOf("agent.mount.granted")).toBe("mount");
    expect(flowOf("agent.unmount.released")).toBe("last-unmount");
    expect(flowOf("controller.attach.requested")).toBe("move");
  });

  it("runs only the steps asked for", () => {
    expect(crashPlan(["controller.grant.written", "agent.mount.mounted"]).map((p) => p.step)).toEqual(["agent.mount.mounted", "controller.grant.written"]);
  });
});
