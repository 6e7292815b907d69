import type { CrashStep } from "../../core/crashPoints.js";
import type { CrashPoints } from "../../core/ports.js";

/** Thrown at the armed step: an in-process stand-in for the daemon's SIGKILL there. */
export class CrashedAt extends Error {
  constructor(readonly step: CrashStep) {
    super(`crashed at ${step}`);
  }
}

/**
 * Records every step reached, in order. With `crashAt`, throws {@link CrashedAt} the first
 * time that step is reached (later processes of a test pass a fresh, unarmed fake).
 */
export class RecordingCrashPoints implements CrashPoints {
  readonly steps: CrashStep[] = [];
  private armed: CrashStep | undefined;

  constructor(crashAt?: CrashStep) {
    this.armed = crashAt;
  }

  reached(step: CrashStep): void {
    this.steps.push(step);
    if (step === this.armed) {
      this.armed = undefined;
      throw new CrashedAt(step);
    }
  }
}
