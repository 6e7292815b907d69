import { describe, expect, it } from "vitest";
import type { CloudEvent } from "../cloud/index.js";
import { powerFenceViolations } from "./frozenAgent.js";

const I = "i-0aaaaaaaaaaaaaaa1";
let seq = 0;
const event = (type: CloudEvent["type"], extra: Partial<CloudEvent> = {}): CloudEvent =>
  ({ seq: ++seq, time: "2026-11-22T10:00:00.000Z", type, instanceId: I, ...extra });

describe("powerFenceViolations", () => {
  it("passes a forced stop, then stopped, then the forced detach", () => {
    seq = 10;
    const events = [
      event("stop-requested", { detail: "force" }), event("instance-state", { detail: "stopping" }),
      event("instance-state", { detail: "stopped" }), event("detach-requested", { volumeId: "vol-1", detail: "force" }),
      event("force-detached", { volumeId: "vol-1" }),
    ];
    expect(powerFenceViolations(events, I, 10)).toEqual([]);
  });

  it("reports a missing stop, a stop never finished, and a detach before stopped", () => {
    seq = 0;
    expect(powerFenceViolations([event("force-detached", { volumeId: "vol-1" })], I, 0)).toEqual([
      `the controller never sent StopInstances (Force) for ${I}`,
      `instance ${I} never reached stopped`,
      `volume vol-1 was detached from ${I} (seq 1) before the instance was stopped`,
    ]);
    const early = [event("stop-requested", { detail: "force" }), event("force-detached", { volumeId: "vol-2" }), event("instance-state", { detail: "stopped" })];
    expect(powerFenceViolations(early, I, 0)).toEqual([`volume vol-2 was detached from ${I} (seq 3) before the instance was stopped`]);
  });

  it("looks only after the baseline and only at this instance", () => {
    seq = 0;
    const old = [event("stop-requested", { detail: "force" }), event("instance-state", { detail: "stopped" })];
    const other = event("stop-requested", { detail: "force", instanceId: "i-0bbbbbbbbbbbbbbb3" });
    expect(powerFenceViolations([...old, other], I, 2)).toHaveLength(2);
  });
});
