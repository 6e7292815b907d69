/**
 * The narrow slice of @aws-sdk/client-efs that EfsCloud uses, and the single path every
 * request takes: count it, give it a deadline, retry it (throttling, 5xx and socket
 * failures only), map its failure once. The same discipline as storage/ebs/ec2Api.ts
 * (docs/adr/0004-ebs-retry-layers.md): the SDK makes one attempt, p-retry is the one retry
 * layer, backoff sleeps on the injected Clock.
 */
import type {
  CreateAccessPointCommand, CreateAccessPointCommandOutput, CreateFileSystemCommand, CreateFileSystemCommandOutput,
  CreateMountTargetCommand, CreateMountTargetCommandOutput, DeleteAccessPointCommand, DeleteAccessPointCommandOutput,
  DeleteFileSystemCommand, DeleteFileSystemCommandOutput, DeleteMountTargetCommand, DeleteMountTargetCommandOutput,
  DescribeAccessPointsCommand, DescribeAccessPointsCommandOutput, DescribeFileSystemsCommand, DescribeFileSystemsCommandOutput,
  DescribeMountTargetsCommand, DescribeMountTargetsCommandOutput, TagResourceCommand, TagResourceCommandOutput,
  UntagResourceCommand, UntagResourceCommandOutput,
} from "@aws-sdk/client-efs";
import pRetry, { AbortError } from "p-retry";
import { realTimers, withDeadline } from "../../core/clock.js";
import type { Clock, Logger, Timers } from "../../core/ports.js";
import { actionOf, defaultAttemptTimeoutMs, jitteredDelay, type Ec2CallCounter, type RetryPolicy } from "../ebs/ec2Api.js";
import { efsErrorCode, isRetryableEfsError, mapEfsError, type EfsCallContext } from "./errors.js";

/** An EFSClient narrowed to the commands swarmvol sends; tests pass the real client against the emulator, or a fake. */
export interface EfsApi {
  send(command: CreateFileSystemCommand, options?: { abortSignal?: AbortSignal }): Promise<CreateFileSystemCommandOutput>;
  send(command: DescribeFileSystemsCommand, options?: { abortSignal?: AbortSignal }): Promise<DescribeFileSystemsCommandOutput>;
  send(command: DeleteFileSystemCommand, options?: { abortSignal?: AbortSignal }): Promise<DeleteFileSystemCommandOutput>;
  send(command: CreateAccessPointCommand, options?: { abortSignal?: AbortSignal }): Promise<CreateAccessPointCommandOutput>;
  send(command: DescribeAccessPointsCommand, options?: { abortSignal?: AbortSignal }): Promise<DescribeAccessPointsCommandOutput>;
  send(command: DeleteAccessPointCommand, options?: { abortSignal?: AbortSignal }): Promise<DeleteAccessPointCommandOutput>;
  send(command: CreateMountTargetCommand, options?: { abortSignal?: AbortSignal }): Promise<CreateMountTargetCommandOutput>;
  send(command: DescribeMountTargetsCommand, options?: { abortSignal?: AbortSignal }): Promise<DescribeMountTargetsCommandOutput>;
  send(command: DeleteMountTargetCommand, options?: { abortSignal?: AbortSignal }): Promise<DeleteMountTargetCommandOutput>;
  send(command: TagResourceCommand, options?: { abortSignal?: AbortSignal }): Promise<TagResourceCommandOutput>;
  send(command: UntagResourceCommand, options?: { abortSignal?: AbortSignal }): Promise<UntagResourceCommandOutput>;
}

export type EfsCommand =
  | CreateFileSystemCommand | DescribeFileSystemsCommand | DeleteFileSystemCommand
  | CreateAccessPointCommand | DescribeAccessPointsCommand | DeleteAccessPointCommand
  | CreateMountTargetCommand | DescribeMountTargetsCommand | DeleteMountTargetCommand
  | TagResourceCommand | UntagResourceCommand;

export interface EfsCallerOptions {
  client: EfsApi;
  clock: Clock;
  logger: Logger;
  /** Counts every attempt by action (EC2's counter serves any API). */
  counter: Ec2CallCounter;
  retry: RetryPolicy;
  /** @default Math.random */
  random?: () => number;
  /** An attempt EFS has not answered by then is aborted and retried as ETIMEDOUT. @default 30_000 */
  attemptTimeoutMs?: number;
  /** @default realTimers */
  timers?: Timers;
}

/** Sends single EFS requests through one retry layer and maps failures once. */
export class EfsCaller {
  constructor(private readonly options: EfsCallerOptions) {}

  /**
   * Sends `command`, retrying throttling, 5xx and network failures; any other failure ends
   * the attempts at once. Every EFS call swarmvol makes is safe to repeat: creates carry a
   * derived token (CreateMountTarget's repeat answers MountTargetConflict), deletes of
   * what is gone answer NotFound. Throws a SwarmvolError with `details.awsCode`.
   */
  async call<O>(command: EfsCommand, context: Omit<EfsCallContext, "action"> = {}): Promise<O> {
    const { client, clock, logger, counter, retry } = this.options;
    const random = this.options.random ?? Math.random;
    const action = actionOf(command);
    const send = client.send.bind(client) as (c: EfsCommand, options: { abortSignal: AbortSignal }) => Promise<unknown>;
    const attemptMs = this.options.attemptTimeoutMs ?? defaultAttemptTimeoutMs;
    const expired = () => Object.assign(new Error(`${action}: EFS did not answer within ${attemptMs} ms`), { code: "ETIMEDOUT" });
    try {
      const output = await pRetry(async () => {
        counter.record(action);
        try {
          return await withDeadline(this.options.timers ?? realTimers, attemptMs, expired, (abortSignal) => send(command, { abortSignal }));
        } catch (err) {
          if (!isRetryableEfsError(err)) throw new AbortError(err instanceof Error ? err : String(err));
          throw err;
        }
      }, {
        retries: retry.retries,
        minTimeout: 0, // p-retry would sleep on real timers; the injected Clock sleeps instead
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          if (retriesLeft <= 0) return;
          const delayMs = jitteredDelay(attemptNumber, retry, random);
          logger.debug({ action, ...context, awsCode: efsErrorCode(error), attemptNumber, delayMs }, "efs request failed; retrying");
          await clock.sleep(delayMs);
        },
      });
      return output as O;
    } catch (err) {
      throw mapEfsError(err, { action, ...context });
    }
  }
}
