import { describe, expect, it } from "vitest";
import { renderPipeline } from "./swarmPipeline.js";

describe("renderPipeline", () => {
  it("shows first..last of each stage in seconds with its count", () => {
    const text = renderPipeline({
      tasksCreated: { first: 400, last: 3100, count: 50 },
      containersStarted: { first: 20_200, last: 48_000, count: 50 },
      reportedRunning: { first: 21_000, last: 49_349, count: 49 },
    });
    expect(text).toBe("tasks +0.4..+3.1 s (50), containers +20.2..+48.0 s (50), running +21.0..+49.3 s (49)");
  });
});
