/**
 * Helpers for tests that talk to the emulator's EFS API through the real
 * @aws-sdk/client-efs: a recording FileShareHost and a one-call setup. Not used in
 * production paths.
 */
import { EFSClient } from "@aws-sdk/client-efs";
import { ManualClock } from "../clock.js";
import type { InstanceConfig } from "../config.js";
import { instantLatencies, type FaultsPatch } from "../faults.js";
import { startCloud, type RunningCloud } from "../index.js";
import { labInstances } from "../testing.js";
import type { DirectoryOwner, FileShareHost, ShareExport } from "./shareHost.js";
import type { SubnetSpec } from "./types.js";

export interface ShareCall {
  op: "createFileSystem" | "deleteFileSystem" | "createDirectory" | "serve";
  fileSystemId?: string;
  path?: string;
  owner?: DirectoryOwner;
  exports?: readonly ShareExport[];
}

/** Records every call and keeps the directories it was asked to make. */
export class RecordingShareHost implements FileShareHost {
  readonly calls: ShareCall[] = [];
  /** `fs-id:/path` of every directory made and not deleted. */
  readonly directories = new Set<string>();
  /** The last export set served. */
  served: readonly ShareExport[] = [];
  /** Makes the next call of this op throw once. */
  failNext?: ShareCall["op"];

  private fail(op: ShareCall["op"]): void {
    if (this.failNext !== op) return;
    this.failNext = undefined;
    throw new Error(`injected failure of ${op}`);
  }

  async createFileSystem(fileSystemId: string): Promise<void> {
    this.calls.push({ op: "createFileSystem", fileSystemId });
    this.fail("createFileSystem");
    this.directories.add(`${fileSystemId}:/`);
  }
  async deleteFileSystem(fileSystemId: string): Promise<void> {
    this.calls.push({ op: "deleteFileSystem", fileSystemId });
    for (const d of [...this.directories]) if (d.startsWith(`${fileSystemId}:`)) this.directories.delete(d);
  }
  async createDirectory(fileSystemId: string, path: string, owner: DirectoryOwner): Promise<void> {
    this.calls.push({ op: "createDirectory", fileSystemId, path, owner });
    this.directories.add(`${fileSystemId}:${path}`);
  }
  async serve(exports: readonly ShareExport[]): Promise<void> {
    if (JSON.stringify(exports) === JSON.stringify(this.served)) return;
    this.calls.push({ op: "serve", exports });
    this.served = exports;
  }
  async close(): Promise<void> {}

  ops(): string[] {
    return this.calls.map((c) => c.op);
  }
}

export type AwsFailure = Error & { $metadata: { httpStatusCode?: number }; $fault: string; [member: string]: unknown };

/** The error an SDK call fails with; throws if it succeeds. */
export async function failure(call: Promise<unknown>): Promise<AwsFailure> {
  try {
    await call;
  } catch (err) {
    return err as AwsFailure;
  }
  throw new Error("expected the call to fail");
}

export interface TestEfs {
  cloud: RunningCloud;
  efs: EFSClient;
  shares: RecordingShareHost;
  clock: ManualClock;
  close(): Promise<void>;
}

export interface TestEfsOptions {
  faults?: FaultsPatch;
  instances?: InstanceConfig[];
  /** SDK attempts. @default 1 */
  maxAttempts?: number;
  clock?: ManualClock;
  shares?: RecordingShareHost;
  dataDir?: string;
  /** EFS's subnets. @default one per instance zone */
  subnets?: SubnetSpec[];
}

/** An emulator with instant latencies, a manual clock and a recording share host, plus an EFS client. */
export async function startTestEfs(options: TestEfsOptions = {}): Promise<TestEfs> {
  const shares = options.shares ?? new RecordingShareHost();
  const clock = options.clock ?? new ManualClock();
  const cloud = await startCloud({
    instances: options.instances ?? labInstances,
    shares,
    clock,
    seed: 7,
    faults: { ...options.faults, latencyMs: { ...instantLatencies, ...options.faults?.latencyMs } },
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.subnets === undefined ? {} : { efs: { subnets: options.subnets } }),
  });
  const efs = new EFSClient({
    endpoint: cloud.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: options.maxAttempts ?? 1,
  });
  return {
    cloud, efs, shares, clock,
    async close() {
      efs.destroy();
      await cloud.close();
    },
  };
}
