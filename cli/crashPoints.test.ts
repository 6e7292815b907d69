import { afterEach, describe, expect, it, vi } from "vitest";
import type { CrashDaemon, CrashStep } from "../core/crashPoints.js";
import { isSwarmvolError } from "../core/errors.js";
import { noCrashPoints, type Logger } from "../core/ports.js";
import { crashPointsFromEnv, killThisProcess } from "./crashPoints.js";

function recordingLogger() {
  const warnings: Array<{ obj: object; msg: string }> = [];
  const logger: Logger = {
    debug() {}, info() {}, error() {},
    warn: (obj, msg) => void warnings.push({ obj, msg }),
    child: () => logger,
  };
  return { logger, warnings };
}

describe("crashPointsFromEnv", () => {
  it("without SWARMVOL_CRASH_AT: no-op, and nothing logged", () => {
    const { logger, warnings } = recordingLogger();
    expect(crashPointsFromEnv({}, "agent", logger, () => {
      throw new Error("never");
    })).toBe(noCrashPoints);
    expect(warnings).toEqual([]);
  });

  it("armed: warns once at start naming the steps, and dies at a listed step only", () => {
    const { logger, warnings } = recordingLogger();
    const deaths: Array<[CrashStep, CrashDaemon]> = [];
    const points = crashPointsFromEnv({ SWARMVOL_CRASH_AT: "controller.detach.requested" }, "controller", logger, (step, daemon) => void deaths.push([step, daemon]));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.obj).toEqual({ steps: ["controller.detach.requested"], variable: "SWARMVOL_CRASH_AT" });
    expect(warnings[0]?.msg).toMatch(/crash points armed/);
    points.reached("controller.move.fenced");
    expect(deaths).toEqual([]);
    points.reached("controller.detach.requested");
    expect(deaths).toEqual([["controller.detach.requested", "controller"]]);
    expect(warnings).toHaveLength(1);
  });

  it("an unknown step stops the daemon at start (INVALID_ARGUMENT, exit 2) naming the valid ones", () => {
    const { logger } = recordingLogger();
    let error: unknown;
    try {
      crashPointsFromEnv({ SWARMVOL_CRASH_AT: "agent.mount.nope" }, "agent", logger);
    } catch (err) {
      error = err;
    }
    expect(isSwarmvolError(error, "INVALID_ARGUMENT")).toBe(true);
    expect((error as Error).message).toContain("agent.mount.granted");
  });
});

describe("killThisProcess", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes one log line the drill can find, then SIGKILLs this very process", () => {
    const order: string[] = [];
    const kill = vi.spyOn(process, "kill").mockImplementation(((pid: number, signal: string) => {
      order.push(`kill ${pid} ${signal}`);
      return true;
    }) as typeof process.kill);
    killThisProcess("agent.mount.mounted", "agent", (text) => void order.push(text));
    expect(kill).toHaveBeenCalledTimes(1);
    expect(order[1]).toBe(`kill ${process.pid} SIGKILL`);
    const line = JSON.parse(order[0] ?? "") as Record<string, unknown>;
    expect(line).toMatchObject({ step: "agent.mount.mounted", name: "swarmvol-agent", pid: process.pid, msg: "crash point reached: SIGKILL to this process" });
  });

  it("kills even when the log cannot be written", () => {
    const kill = vi.spyOn(process, "kill").mockImplementation((() => true) as typeof process.kill);
    expect(() => killThisProcess("controller.grant.written", "controller", () => {
      throw new Error("EPIPE");
    })).toThrow("EPIPE");
    expect(kill).toHaveBeenCalledWith(process.pid, "SIGKILL");
  });
});
