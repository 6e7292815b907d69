/**
 * The cron seam. node-cron's module object already fits `Scheduler` (cli/ passes
 * `import cron from "node-cron"` as is; swarmInformer.test.ts checks it at compile time),
 * and tests pass a fake that fires on demand.
 */
export interface ScheduledJob {
  stop(): unknown;
}

export interface Scheduler {
  /** Runs `run` on every match of the cron `expression` until the job is stopped. */
  schedule(expression: string, run: () => void): ScheduledJob;
}
