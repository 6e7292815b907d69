import { describe, expect, it } from "vitest";
import { isSwarmvolError } from "./errors.js";
import {
  AGENT_CRASH_STEPS, armCrashPoints, CONTROLLER_CRASH_STEPS, CRASH_STEPS, DAEMON_CRASH_STEPS, maxCrashAtLength, parseCrashSteps, type CrashStep,
} from "./crashPoints.js";
import { noCrashPoints } from "./ports.js";

const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (err) {
    if (isSwarmvolError(err, "INVALID_ARGUMENT")) return err.message;
    throw err;
  }
  throw new Error("not refused");
};

describe("parseCrashSteps (SWARMVOL_CRASH_AT)", () => {
  it("nothing armed when the variable is absent or blank", () => {
    expect(parseCrashSteps(undefined, "agent")).toEqual([]);
    expect(parseCrashSteps("", "controller")).toEqual([]);
    expect(parseCrashSteps(" , ", "agent")).toEqual([]);
  });

  it("one step, or several comma-separated with blanks around, each once", () => {
    expect(parseCrashSteps("agent.mount.mounted", "agent")).toEqual(["agent.mount.mounted"]);
    expect(parseCrashSteps(" controller.detach.requested ,controller.grant.written,controller.detach.requested", "controller"))
      .toEqual(["controller.detach.requested", "controller.grant.written"]);
  });

  it("refuses an unknown name, listing every valid one for that daemon", () => {
    const message = refusal(() => parseCrashSteps("agent.mount.mounted,agent.mount.typo", "agent"));
    expect(message).toContain('"agent.mount.typo" is not a crash point');
    for (const step of AGENT_CRASH_STEPS) expect(message).toContain(step);
    expect(message).not.toContain("controller.");
  });

  it("refuses a step of the other daemon: it could never fire, and a drill would count it passed", () => {
    expect(refusal(() => parseCrashSteps("agent.mount.mounted", "controller"))).toContain("is not a step of the controller");
    expect(refusal(() => parseCrashSteps("controller.grant.written", "agent"))).toContain("is not a step of the agent");
    // all-in-one has no controller, so no claim to be granted
    expect(refusal(() => parseCrashSteps("agent.mount.granted", "all-in-one"))).toContain("is not a step of the all-in-one");
  });

  it("bounds what it reads and echoes (hostile input)", () => {
    expect(refusal(() => parseCrashSteps("x".repeat(maxCrashAtLength + 1), "agent"))).toContain(`at most ${maxCrashAtLength}`);
    const echoed = refusal(() => parseCrashSteps("y".repeat(1000), "agent"));
    expect(echoed.length).toBeLessThan(900);
  });

  it("every step listed once is well under the length bound; the daemons' lists split the steps", () => {
    expect(CRASH_STEPS.join(",").length).toBeLessThan(maxCrashAtLength);
    expect(new Set(CRASH_STEPS).size).toBe(AGENT_CRASH_STEPS.length + CONTROLLER_CRASH_STEPS.length);
    expect(parseCrashSteps(DAEMON_CRASH_STEPS.controller.join(","), "controller")).toEqual([...CONTROLLER_CRASH_STEPS]);
  });
});

describe("armCrashPoints", () => {
  it("calls the crash for an armed step only, every time it is reached", () => {
    const crashed: CrashStep[] = [];
    const points = armCrashPoints(["agent.mount.checked"], (step) => crashed.push(step));
    points.reached("agent.mount.attached");
    points.reached("agent.mount.checked");
    points.reached("agent.mount.mounted");
    points.reached("agent.mount.checked");
    expect(crashed).toEqual(["agent.mount.checked", "agent.mount.checked"]);
  });

  it("nothing armed: the shared no-op", () => {
    expect(armCrashPoints([], () => {
      throw new Error("never");
    })).toBe(noCrashPoints);
  });
});
