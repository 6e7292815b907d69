import { afterEach, describe, expect, it, vi } from "vitest";
import type { Logger } from "../core/ports.js";
import { stopWithin } from "./runtime.js";

function recordingLogger(): { logger: Logger; warnings: unknown[] } {
  const warnings: unknown[] = [];
  const logger: Logger = { debug() {}, info() {}, error() {}, warn: (fields: unknown) => void warnings.push(fields), child: () => logger };
  return { logger, warnings };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("stopWithin: a daemon's shutdown is bounded", () => {
  it("returns at the bound, with a warning, when the work never ends (a Docker call stuck on a dead device)", async () => {
    vi.useFakeTimers();
    const { logger, warnings } = recordingLogger();
    let returned = false;
    const stopping = stopWithin(10_000, logger, () => new Promise<void>(() => undefined)).then(() => void (returned = true));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(returned).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect([returned, warnings]).toEqual([true, [{ ms: 10_000 }]]);
  });

  it("returns as soon as the work ends, without a warning, and leaves no timer behind", async () => {
    vi.useFakeTimers();
    const { logger, warnings } = recordingLogger();
    await stopWithin(10_000, logger, async () => undefined);
    expect([warnings, vi.getTimerCount()]).toEqual([[], 0]);
  });
});
