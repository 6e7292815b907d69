/**
 * StopInstances / StartInstances through the real SDK: the wire shape (instancesSet of
 * InstanceStateChange), the state machine on the emulator's manual clock, the PowerHost
 * cut before `stopped`, AWS's errors, and volumes staying attached to a stopped instance.
 */
import {
  AttachVolumeCommand, CreateVolumeCommand, DescribeInstancesCommand, DescribeVolumesCommand, DetachVolumeCommand,
  StartInstancesCommand, StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterEach, describe, expect, it } from "vitest";
import type { PowerHost } from "./power.js";
import { labInstances, RecordingDeviceHost, startTestCloud, type TestCloud } from "./testing.js";
import type { InstanceSpec } from "./types.js";

const [A, B] = labInstances.map((i) => i.instanceId!) as [string, string];

/** Records power calls; `failOff` makes powerOff throw while set. */
class RecordingPower implements PowerHost {
  readonly calls: string[] = [];
  failOff = false;
  async powerOff(instance: InstanceSpec, options: { force: boolean }) {
    this.calls.push(`off ${instance.instanceId}${options.force ? " force" : ""}`);
    if (this.failOff) throw new Error("power cut failed");
  }
  async powerOn(instance: InstanceSpec) {
    this.calls.push(`on ${instance.instanceId}`);
  }
}

let t: TestCloud;
let power: RecordingPower;
afterEach(async () => {
  await t.close();
});

async function setup(latencyMs: { stop?: number; start?: number } = { stop: 4_000, start: 3_000 }) {
  power = new RecordingPower();
  t = await startTestCloud({ faults: { latencyMs }, power });
}
const stateOf = async (id: string) =>
  (await t.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0]?.State;
const errorName = (p: Promise<unknown>) => p.then(() => "no error", (err: Error) => err.name);
/** Moves emulated time and lets the woken transition run. */
async function advance(ms: number) {
  t.clock.advance(ms);
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe("StopInstances", () => {
  it("answers an InstanceStateChange, goes stopping then stopped, and cuts the power before stopped", async () => {
    await setup();
    const out = await t.ec2.send(new StopInstancesCommand({ InstanceIds: [A], Force: true }));
    expect(out.StoppingInstances).toEqual([{ InstanceId: A, CurrentState: { Code: 64, Name: "stopping" }, PreviousState: { Code: 16, Name: "running" } }]);
    expect(await stateOf(A)).toEqual({ Code: 64, Name: "stopping" });
    expect(power.calls).toEqual([]);
    await advance(4_000);
    expect(power.calls).toEqual([`off ${A} force`]);
    expect(await stateOf(A)).toEqual({ Code: 80, Name: "stopped" });
    expect(await stateOf(B)).toEqual({ Code: 16, Name: "running" });
    const types = t.cloud.events().filter((e) => e.instanceId === A).map((e) => `${e.type}${e.detail ? `:${e.detail}` : ""}`);
    expect(types).toEqual(["stop-requested:force", "instance-state:stopping", "instance-state:stopped"]);
  });

  it("is idempotent: stopping or stopped again answers the state, with one power cut", async () => {
    await setup();
    await t.ec2.send(new StopInstancesCommand({ InstanceIds: [A] }));
    const again = await t.ec2.send(new StopInstancesCommand({ InstanceIds: [A], Force: true }));
    expect(again.StoppingInstances?.[0]).toMatchObject({ CurrentState: { Name: "stopping" }, PreviousState: { Name: "stopping" } });
    await advance(4_000);
    const stopped = await t.ec2.send(new StopInstancesCommand({ InstanceIds: [A], Force: true }));
    expect(stopped.StoppingInstances?.[0]).toMatchObject({ CurrentState: { Code: 80, Name: "stopped" }, PreviousState: { Code: 80, Name: "stopped" } });
    expect(power.calls).toEqual([`off ${A} force`]);
  });

  it("stays stopping while the power cannot be cut, and stops once it can", async () => {
    await setup();
    power.failOff = true;
    await t.ec2.send(new StopInstancesCommand({ InstanceIds: [A], Force: true }));
    await advance(4_000);
    expect((await stateOf(A))?.Name).toBe("stopping");
    power.failOff = false;
    await advance(500);
    expect((await stateOf(A))?.Name).toBe("stopped");
  });

  it("refuses unknown ids and instances it cannot stop, changing nothing", async () => {
    await setup();
    expect(await errorName(t.ec2.send(new StopInstancesCommand({ InstanceIds: [A, "i-0123456789abcdef0"], Force: true })))).toBe("InvalidInstanceID.NotFound");
    expect((await stateOf(A))?.Name).toBe("running");
    await fetch(`${t.cloud.endpoint}/_swarmvol/instances/${B}`, { method: "POST", body: '{"state":"terminated"}' });
    const refused = t.ec2.send(new StopInstancesCommand({ InstanceIds: [A, B], Force: true }));
    await expect(refused).rejects.toMatchObject({ name: "IncorrectInstanceState", message: `This instance '${B}' is not in a state from which it can be stopped.` });
    expect((await stateOf(A))?.Name).toBe("running");
    expect(await errorName(t.ec2.send(new StopInstancesCommand({ InstanceIds: [A], DryRun: true })))).toBe("DryRunOperation");
  });

  it("keeps volumes attached to the stopped instance; a detach then never waits on the device", async () => {
    const host = new RecordingDeviceHost();
    power = new RecordingPower();
    t = await startTestCloud({ faults: { latencyMs: { stop: 0 } }, power, host });
    const volumeId = (await t.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1 }))).VolumeId!;
    await t.ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: A, Device: "/dev/xvdf" }));
    host.busy.add(volumeId);
    await t.ec2.send(new StopInstancesCommand({ InstanceIds: [A], Force: true }));
    await advance(0);
    const attachments = async () => (await t.ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes?.[0]?.Attachments;
    expect(await attachments()).toEqual([expect.objectContaining({ InstanceId: A, State: "attached" })]);
    await t.ec2.send(new DetachVolumeCommand({ VolumeId: volumeId, InstanceId: A }));
    await advance(0);
    expect(await attachments()).toEqual([]);
  });
});

describe("StartInstances", () => {
  it("goes pending then running, powers on, and is idempotent on a running instance", async () => {
    await setup({ stop: 0, start: 3_000 });
    await t.ec2.send(new StopInstancesCommand({ InstanceIds: [A], Force: true }));
    await advance(0);
    const out = await t.ec2.send(new StartInstancesCommand({ InstanceIds: [A] }));
    expect(out.StartingInstances).toEqual([{ InstanceId: A, CurrentState: { Code: 0, Name: "pending" }, PreviousState: { Code: 80, Name: "stopped" } }]);
    await advance(3_000);
    expect(await stateOf(A)).toEqual({ Code: 16, Name: "running" });
    expect(power.calls).toEqual([`off ${A} force`, `on ${A}`]);
    const again = await t.ec2.send(new StartInstancesCommand({ InstanceIds: [A] }));
    expect(again.StartingInstances?.[0]).toMatchObject({ CurrentState: { Name: "running" }, PreviousState: { Name: "running" } });
  });

  it("refuses an instance that is stopping", async () => {
    await setup();
    await t.ec2.send(new StopInstancesCommand({ InstanceIds: [A] }));
    await expect(t.ec2.send(new StartInstancesCommand({ InstanceIds: [A] }))).rejects.toMatchObject({ name: "IncorrectInstanceState" });
  });
});
