import { AttachVolumeCommand, DescribeVolumesCommand, DetachVolumeCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { noCrashPoints } from "../../core/ports.js";
import { RecordingCrashPoints } from "../../test/fakes/recordingCrashPoints.js";
import { withCrashPoints } from "./crashPointClient.js";
import type { Ec2Api } from "./ec2Api.js";

function client(fail: boolean) {
  const sent: string[] = [];
  const api = {
    send: async (command: object) => {
      sent.push(command.constructor.name);
      if (fail) throw Object.assign(new Error("VolumeInUse"), { name: "VolumeInUse" });
      return { ok: command.constructor.name };
    },
  } as unknown as Ec2Api;
  return { api, sent };
}

describe("withCrashPoints (the EC2 request steps)", () => {
  it("reaches attach.requested and detach.requested after EC2 accepted the request, with its answer passed on", async () => {
    const crash = new RecordingCrashPoints();
    const { api, sent } = client(false);
    const wrapped = withCrashPoints(api, crash);
    expect(await wrapped.send(new DescribeVolumesCommand({}))).toEqual({ ok: "DescribeVolumesCommand" });
    expect(crash.steps).toEqual([]);
    await wrapped.send(new AttachVolumeCommand({ VolumeId: "vol-1", InstanceId: "i-1", Device: "/dev/xvdf" }));
    await wrapped.send(new DetachVolumeCommand({ VolumeId: "vol-1", InstanceId: "i-1" }));
    expect(crash.steps).toEqual(["controller.attach.requested", "controller.detach.requested"]);
    expect(sent).toEqual(["DescribeVolumesCommand", "AttachVolumeCommand", "DetachVolumeCommand"]);
  });

  it("a refused request reaches no step (nothing changed in the cloud)", async () => {
    const crash = new RecordingCrashPoints();
    const wrapped = withCrashPoints(client(true).api, crash);
    await expect(wrapped.send(new AttachVolumeCommand({ VolumeId: "vol-1", InstanceId: "i-1", Device: "/dev/xvdf" }))).rejects.toThrow("VolumeInUse");
    expect(crash.steps).toEqual([]);
  });

  it("the step is reached before the caller sees the answer (a crash there leaves the request sent, unobserved)", async () => {
    const { api } = client(false);
    const order: string[] = [];
    const wrapped = withCrashPoints(api, { reached: (step) => order.push(step) });
    await wrapped.send(new AttachVolumeCommand({ VolumeId: "vol-1", InstanceId: "i-1", Device: "/dev/xvdf" })).then(() => order.push("answered"));
    expect(order).toEqual(["controller.attach.requested", "answered"]);
  });

  it("no crash points: the client itself", () => {
    const { api } = client(false);
    expect(withCrashPoints(api, undefined)).toBe(api);
    expect(withCrashPoints(api, noCrashPoints)).toBe(api);
  });
});
