import { describe, expect, it } from "vitest";
import { burstStack, countTaskErrors } from "./burst.js";

describe("countTaskErrors", () => {
  it("counts failed and rejected tasks and groups their texts, without the age", () => {
    const lines = [
      "Running 2 minutes ago ",
      "Failed 3 minutes ago task: non-zero exit (137)",
      "Rejected About a minute ago create burst3_v28: missing volume name",
      "Failed 40 seconds ago task: non-zero exit (137)",
      "Shutdown 1 second ago ",
      "Failed Less than a second ago ",
    ];
    expect(countTaskErrors(lines)).toEqual({
      errors: 4,
      taskErrors: ["2× task: non-zero exit (137)", "1× create burst3_v28: missing volume name", "1× (no error text)"],
    });
  });

  it("finds nothing in a clean round", () => {
    expect(countTaskErrors(["Running 5 seconds ago ", ""])).toEqual({ errors: 0, taskErrors: [] });
  });
});

describe("burstStack", () => {
  it("gives each service its own new volume, or none for the baseline", () => {
    expect(burstStack(2)).toContain('volumes: ["v1:/data"]');
    expect(burstStack(2)).toContain("driver: swarmvol");
    expect(burstStack(2, false)).not.toContain("volumes");
  });
});
