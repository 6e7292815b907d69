/**
 * Helpers for tests that talk to the emulator through the real SDK: a recording
 * DeviceHost and a one-call setup. Not used in production paths.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { ManualClock } from "./clock.js";
import type { InstanceConfig } from "./config.js";
import type { DeviceHost } from "./deviceHost.js";
import { instantLatencies, type FaultsPatch } from "./faults.js";
import { startCloud, type RunningCloud } from "./index.js";
import type { PowerHost } from "./power.js";
import type { InstanceSpec } from "./types.js";

export interface DeviceCall {
  op: keyof DeviceHost;
  volumeId?: string;
  instanceId?: string;
  device?: string;
  snapshotId?: string;
  force?: boolean;
  sizeGiB?: number;
}

/** Records every call; `busy` decides what isBusy answers (volumeId → busy). */
export class RecordingDeviceHost implements DeviceHost {
  readonly calls: DeviceCall[] = [];
  readonly busy = new Set<string>();
  /** Makes the next call of this op throw once. */
  failNext?: keyof DeviceHost;

  private record(call: DeviceCall): void {
    this.calls.push(call);
    if (this.failNext === call.op) {
      this.failNext = undefined;
      throw new Error(`injected failure of ${call.op}`);
    }
  }

  async createVolume(volumeId: string, _size: number, snapshotId?: string) {
    this.record({ op: "createVolume", volumeId, ...(snapshotId === undefined ? {} : { snapshotId }) });
  }
  async deleteVolume(volumeId: string) {
    this.record({ op: "deleteVolume", volumeId });
  }
  async attach(volumeId: string, instance: InstanceSpec, device: string) {
    this.record({ op: "attach", volumeId, instanceId: instance.instanceId, device });
  }
  async detach(volumeId: string, instance: InstanceSpec, options: { force: boolean }) {
    this.record({ op: "detach", volumeId, instanceId: instance.instanceId, force: options.force });
  }
  async isBusy(volumeId: string, _instance: InstanceSpec) {
    return this.busy.has(volumeId);
  }
  async resizeVolume(volumeId: string, sizeGiB: number) {
    this.record({ op: "resizeVolume", volumeId, sizeGiB });
  }
  async createSnapshot(volumeId: string, snapshotId: string) {
    this.record({ op: "createSnapshot", volumeId, snapshotId });
  }
  async deleteSnapshot(snapshotId: string) {
    this.record({ op: "deleteSnapshot", snapshotId });
  }

  ops(): string[] {
    return this.calls.map((c) => c.op);
  }
}

/** Three lab nodes: two in us-east-1a, one in us-east-1b. */
export const labInstances: InstanceConfig[] = [
  { instanceId: "i-0aaaaaaaaaaaaaaa1", name: "node1", zone: "us-east-1a", deviceDir: "/nonexistent/node1", privateIp: "10.213.0.11" },
  { instanceId: "i-0aaaaaaaaaaaaaaa2", name: "node2", zone: "us-east-1a", deviceDir: "/nonexistent/node2", privateIp: "10.213.0.12" },
  { instanceId: "i-0bbbbbbbbbbbbbbb3", name: "node3", zone: "us-east-1b", deviceDir: "/nonexistent/node3", privateIp: "10.213.0.13" },
];

export interface TestCloud {
  cloud: RunningCloud;
  ec2: EC2Client;
  host: RecordingDeviceHost;
  clock: ManualClock;
  close(): Promise<void>;
}

export interface TestCloudOptions {
  faults?: FaultsPatch;
  dataDir?: string;
  instances?: InstanceConfig[];
  /** SDK attempts. @default 1 */
  maxAttempts?: number;
  host?: RecordingDeviceHost;
  clock?: ManualClock;
  power?: PowerHost;
}

/** An emulator with instant latencies, a manual clock and a recording host, plus an SDK client. */
export async function startTestCloud(options: TestCloudOptions = {}): Promise<TestCloud> {
  const host = options.host ?? new RecordingDeviceHost();
  const clock = options.clock ?? new ManualClock();
  const cloud = await startCloud({
    instances: options.instances ?? labInstances,
    devices: host,
    clock,
    seed: 42,
    faults: { ...options.faults, latencyMs: { ...instantLatencies, ...options.faults?.latencyMs } },
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.power === undefined ? {} : { power: options.power }),
  });
  const ec2 = new EC2Client({
    endpoint: cloud.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: options.maxAttempts ?? 1,
  });
  return {
    cloud, ec2, host, clock,
    async close() {
      ec2.destroy();
      await cloud.close();
    },
  };
}

/**
 * A Clock for the code under test that drives the emulator's ManualClock: sleeping moves
 * the emulator's time forward, then lets its timers and pending promises run. So AWS-like
 * latencies and a 90 s stuck attach cost no wall time.
 */
export class SteppingClock {
  constructor(private readonly manual: ManualClock) {}
  now(): number {
    return this.manual.now();
  }
  async sleep(ms: number): Promise<void> {
    this.manual.advance(ms);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
