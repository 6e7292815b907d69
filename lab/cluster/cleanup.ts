/**
 * How a failed `up` leaves the machine: as it found it. The failure is what the caller
 * sees; the cleanup is reported next to it, never instead of it.
 */
import type { Logger } from "../../core/ports.js";
import { SwarmvolError, toSwarmvolError } from "../../core/errors.js";

/**
 * Runs `body`. If it throws, runs `cleanup` (the lab's teardown, the same as `down`) and
 * rethrows the body's error: same code and message, with a note saying the cleanup ran
 * (or how it failed, then asking for `swarmvol lab down`), `cleanedUp` in its details and
 * the original error as its cause. A failing cleanup is logged and never masks the error.
 */
export async function cleanUpOnFailure<T>(body: () => Promise<T>, cleanup: () => Promise<void>, logger: Logger, fields: Record<string, unknown> = {}): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const original = toSwarmvolError(err);
    logger.error({ ...fields, code: original.code, error: original.message }, "lab up failed; tearing down what it made");
    let note = "lab up cleaned up after itself";
    let cleanedUp = true;
    try {
      await cleanup();
    } catch (cleanupErr) {
      const failure = toSwarmvolError(cleanupErr);
      logger.error({ ...fields, code: failure.code, error: failure.message }, "cleaning up after a failed lab up failed");
      note = `cleaning up after it also failed (${failure.message}); run \`swarmvol lab down\``;
      cleanedUp = false;
    }
    throw new SwarmvolError(original.code, `${original.message} (${note})`, { ...original.details, cleanedUp }, { cause: err });
  }
}
