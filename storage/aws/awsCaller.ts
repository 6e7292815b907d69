/**
 * The single path every AWS request swarmvol sends takes, whatever the service: count it,
 * give each attempt a deadline, retry it (throttling, 5xx and socket failures only, as the
 * service's profile says), map its failure once. docs/adr/0004-ebs-retry-layers.md says why:
 * the SDK makes one attempt, p-retry is the one retry layer, and backoff sleeps on the
 * injected Clock so tests never sleep. storage/ebs/ec2Api.ts and storage/efs/efsApi.ts are
 * this caller with their service's profile.
 */
import pRetry, { AbortError } from "p-retry";
import { realTimers, withDeadline } from "../../core/clock.js";
import type { SwarmvolError } from "../../core/errors.js";
import type { Clock, Logger, Timers } from "../../core/ports.js";

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

/** AWS answers in well under a second; 30 s is a request that will not answer. */
export const defaultAttemptTimeoutMs = 30_000;

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

/** Counts every request sent (each attempt, retries included), by action. */
export class AwsCallCounter {
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

/** What differs between services: their name in messages and logs, which failures are retried, how one is mapped. */
export interface AwsServiceProfile<Context extends { action: string }> {
  /** "EC2", "EFS": in the attempt-deadline message and the retry log. */
  service: string;
  isRetryable(err: unknown): boolean;
  errorCode(err: unknown): string;
  mapError(err: unknown, context: Context): SwarmvolError;
}

export interface AwsCallerOptions {
  /** An SDK client (or a fake): each send also gets `{ abortSignal }`, which a fake may ignore (the deadline holds either way). */
  client: { send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown> };
  clock: Clock;
  logger: Logger;
  counter: AwsCallCounter;
  retry: RetryPolicy;
  /** @default Math.random */
  random?: () => number;
  /**
   * Each attempt is aborted and counted as a network failure (ETIMEDOUT: retried, like any
   * socket error after which AWS may have acted) when it has not answered by then.
   * @default defaultAttemptTimeoutMs
   */
  attemptTimeoutMs?: number;
  /** Where the attempt deadlines are armed. @default realTimers */
  timers?: Timers;
}

/** Sends single, idempotent AWS requests of one service through one retry layer and maps failures once. */
export class AwsCaller<Command extends object, Context extends { action: string }> {
  constructor(private readonly profile: AwsServiceProfile<Context>, private readonly options: AwsCallerOptions) {}

  /**
   * Sends `command`, retrying what the profile calls retryable; any other failure ends the
   * attempts at once (p-retry AbortError). Throws the profile's mapped SwarmvolError.
   * `O` is the command's output type: SDK commands are structurally alike, so TypeScript
   * cannot infer it reliably; call sites name it. `retries: 0` sends once, for a request
   * that is not idempotent, whose caller checks what a failed attempt did before trying again.
   */
  async call<O>(command: Command, context: Omit<Context, "action">, options: { retries?: number } = {}): Promise<O> {
    const { client, clock, logger, counter } = this.options;
    const { service, isRetryable, errorCode, mapError } = this.profile;
    const retry = { ...this.options.retry, ...(options.retries === undefined ? {} : { retries: options.retries }) };
    const random = this.options.random ?? Math.random;
    const action = actionOf(command);
    const send = client.send.bind(client) as (c: Command, options: { abortSignal: AbortSignal }) => Promise<unknown>;
    const attemptMs = this.options.attemptTimeoutMs ?? defaultAttemptTimeoutMs;
    const expired = () => Object.assign(new Error(`${action}: ${service} did not answer within ${attemptMs} ms`), { code: "ETIMEDOUT" });
    try {
      const output = await pRetry(async () => {
        counter.record(action);
        try {
          return await withDeadline(this.options.timers ?? realTimers, attemptMs, expired, (abortSignal) => send(command, { abortSignal }));
        } catch (err) {
          if (!isRetryable(err)) throw new AbortError(err instanceof Error ? err : String(err));
          throw err;
        }
      }, {
        retries: retry.retries,
        minTimeout: 0, // p-retry would sleep on real timers; the injected Clock sleeps instead.
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          if (retriesLeft <= 0) return;
          const delayMs = jitteredDelay(attemptNumber, retry, random);
          logger.debug({ service, action, ...context, awsCode: errorCode(error), attemptNumber, delayMs }, "aws request failed; retrying");
          await clock.sleep(delayMs);
        },
      });
      return output as O;
    } catch (err) {
      throw mapError(err, { action, ...context } as Context);
    }
  }
}
