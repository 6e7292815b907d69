/**
 * The narrow slice of @aws-sdk/client-ec2 that EbsCloud uses, and the single path every
 * request takes: count it, retry it (p-retry, throttling and 5xx only), map its failure.
 * See docs/adr/0004-ebs-retry-layers.md for why p-retry, not the SDK, is the retry layer.
 */
import type {
  AttachVolumeCommand, AttachVolumeCommandOutput, CreateSnapshotCommand, CreateSnapshotCommandOutput, CreateTagsCommand, CreateTagsCommandOutput,
  DeleteSnapshotCommand, DeleteSnapshotCommandOutput, DescribeSnapshotsCommand, DescribeSnapshotsCommandOutput,
  CreateVolumeCommand, CreateVolumeCommandOutput, DeleteVolumeCommand, DeleteVolumeCommandOutput,
  DescribeInstancesCommand, DescribeInstancesCommandOutput, DescribeVolumesCommand, DescribeVolumesCommandOutput,
  DetachVolumeCommand, DetachVolumeCommandOutput, StopInstancesCommand, StopInstancesCommandOutput,
  DescribeVolumesModificationsCommand, DescribeVolumesModificationsCommandOutput, ModifyVolumeCommand, ModifyVolumeCommandOutput,
} from "@aws-sdk/client-ec2";
import pRetry, { AbortError } from "p-retry";
import { realTimers, withDeadline } from "../../core/clock.js";
import type { Clock, Logger, Timers } from "../../core/ports.js";
import { ec2ErrorCode, isRetryableEc2Error, mapEc2Error, type Ec2CallContext } from "./errors.js";

/**
 * An EC2Client narrowed to the commands swarmvol sends; tests pass a recording fake.
 * Each send also gets `{ abortSignal }` as a second argument (the SDK's HttpHandlerOptions),
 * which a fake may ignore: the attempt's deadline holds either way.
 */
export interface Ec2Api {
  send(command: CreateVolumeCommand): Promise<CreateVolumeCommandOutput>;
  send(command: DescribeVolumesCommand): Promise<DescribeVolumesCommandOutput>;
  send(command: AttachVolumeCommand): Promise<AttachVolumeCommandOutput>;
  send(command: DetachVolumeCommand): Promise<DetachVolumeCommandOutput>;
  send(command: DeleteVolumeCommand): Promise<DeleteVolumeCommandOutput>;
  send(command: CreateTagsCommand): Promise<CreateTagsCommandOutput>;
  send(command: DescribeInstancesCommand): Promise<DescribeInstancesCommandOutput>;
  /** Power fencing only (ADR 0012); needs `ec2:StopInstances` in the controller's IAM policy. */
  send(command: StopInstancesCommand): Promise<StopInstancesCommandOutput>;
  /** Snapshots (storage/ebs/snapshots.ts). */
  send(command: CreateSnapshotCommand): Promise<CreateSnapshotCommandOutput>;
  send(command: DescribeSnapshotsCommand): Promise<DescribeSnapshotsCommandOutput>;
  send(command: DeleteSnapshotCommand): Promise<DeleteSnapshotCommandOutput>;
  /** Resize (storage/ebs/resize.ts). */
  send(command: ModifyVolumeCommand): Promise<ModifyVolumeCommandOutput>;
  send(command: DescribeVolumesModificationsCommand): Promise<DescribeVolumesModificationsCommandOutput>;
}

export type Ec2Command =
  | CreateVolumeCommand | DescribeVolumesCommand | AttachVolumeCommand | DetachVolumeCommand
  | DeleteVolumeCommand | CreateTagsCommand | DescribeInstancesCommand | StopInstancesCommand
  | CreateSnapshotCommand | DescribeSnapshotsCommand | DeleteSnapshotCommand
  | ModifyVolumeCommand | DescribeVolumesModificationsCommand;

/** Per-request retry policy: exponential backoff with equal jitter, delays slept on the injected Clock. */
export interface RetryPolicy {
  /** Retries after the first attempt. @default 6 */
  retries: number;
  /** First backoff ceiling. @default 100 */
  baseDelayMs: number;
  /** Largest backoff ceiling. @default 5000 */
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { retries: 6, baseDelayMs: 100, maxDelayMs: 5000 };

/**
 * Delay before retry number `retry` (1-based): half of the exponential ceiling fixed, half
 * random, so concurrent callers spread out but every retry still waits.
 *
 * @example jitteredDelay(1, defaultRetryPolicy, () => 0) === 50
 */
export function jitteredDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Counts every request sent to EC2 (each attempt, retries included), by action. */
export class Ec2CallCounter {
  private readonly counts = new Map<string, number>();

  record(action: string): void {
    this.counts.set(action, (this.counts.get(action) ?? 0) + 1);
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  byAction(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  reset(): void {
    this.counts.clear();
  }
}

/** `DescribeVolumesCommand` → `DescribeVolumes`. */
export function actionOf(command: object): string {
  return command.constructor.name.replace(/Command$/, "");
}

export interface Ec2CallerOptions {
  client: Ec2Api;
  clock: Clock;
  logger: Logger;
  counter: Ec2CallCounter;
  retry: RetryPolicy;
  /** @default Math.random */
  random?: () => number;
  /**
   * Each attempt is aborted and counted as a network failure (ETIMEDOUT: retried, like any
   * socket error after which EC2 may have acted) when EC2 has not answered by then.
   * @default defaultAttemptTimeoutMs
   */
  attemptTimeoutMs?: number;
  /** Where the attempt deadlines are armed. @default realTimers */
  timers?: Timers;
}

/** EC2 answers in well under a second; 30 s is a request that will not answer. */
export const defaultAttemptTimeoutMs = 30_000;

/** Sends single, idempotent EC2 requests through one retry layer and maps failures once. */
export class Ec2Caller {
  constructor(private readonly options: Ec2CallerOptions) {}

  /**
   * Sends `command`, retrying throttling, 5xx and network failures; any other failure ends
   * the attempts at once (p-retry AbortError). Throws a SwarmvolError with `details.awsCode`.
   * `O` is the command's output type: SDK commands are structurally alike, so TypeScript
   * cannot infer it from the command reliably; call sites name it. `retries: 0` sends once:
   * for a request that is not idempotent (CreateSnapshot), whose caller checks what a
   * failed attempt did before it tries again.
   */
  async call<O>(command: Ec2Command, context: Omit<Ec2CallContext, "action"> = {}, options: { retries?: number } = {}): Promise<O> {
    const { client, clock, logger, counter } = this.options;
    const retry = { ...this.options.retry, ...(options.retries === undefined ? {} : { retries: options.retries }) };
    const random = this.options.random ?? Math.random;
    const action = actionOf(command);
    const send = client.send.bind(client) as (c: Ec2Command, options: { abortSignal: AbortSignal }) => Promise<unknown>;
    const attemptMs = this.options.attemptTimeoutMs ?? defaultAttemptTimeoutMs;
    const expired = () => Object.assign(new Error(`${action}: EC2 did not answer within ${attemptMs} ms`), { code: "ETIMEDOUT" });
    try {
      const output = await pRetry(async () => {
        counter.record(action);
        try {
          return await withDeadline(this.options.timers ?? realTimers, attemptMs, expired, (abortSignal) => send(command, { abortSignal }));
        } catch (err) {
          if (!isRetryableEc2Error(err)) throw new AbortError(err instanceof Error ? err : String(err));
          throw err;
        }
      }, {
        retries: retry.retries,
        minTimeout: 0, // p-retry would sleep on real timers; we sleep on the injected Clock instead.
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          if (retriesLeft <= 0) return;
          const delayMs = jitteredDelay(attemptNumber, retry, random);
          logger.debug({ action, ...context, awsCode: ec2ErrorCode(error), attemptNumber, delayMs }, "ec2 request failed; retrying");
          await clock.sleep(delayMs);
        },
      });
      return output as O;
    } catch (err) {
      throw mapEc2Error(err, { action, ...context });
    }
  }
}
