/**
 * EbsCloud's detach half: DetachVolume and the wait until the attachment is gone. A
 * detach stuck `detaching` is forced after `stuckDetachMs` (EBS's documented remedy, and
 * the emulator's `stickNextDetach` fault); a `busy` one (the device still in use on the
 * instance) waits out `detachTimeoutMs` and is never forced here.
 */
import { DetachVolumeCommand } from "@aws-sdk/client-ec2";
import { timeout } from "../../core/errors.js";
import type { Clock, Logger } from "../../core/ports.js";
import type { Ec2Caller } from "./ec2Api.js";
import { awsCodeOf } from "./errors.js";
import type { ReadCoalescer } from "./readCoalescer.js";
import type { TransitionWaits } from "./transitionWaits.js";

/** EC2 answers that mean the attachment is already gone. */
const alreadyDetachedCodes = new Set(["IncorrectState", "InvalidAttachment.NotFound", "InvalidVolume.NotFound"]);

export interface DetachDeps {
  caller: Ec2Caller;
  reads: ReadCoalescer;
  waits: TransitionWaits;
  clock: Clock;
  logger: Logger;
  detachTimeoutMs: number;
  stuckDetachMs: number;
}

export class Detaches {
  constructor(private readonly deps: DetachDeps) {}

  /**
   * DetachVolume, then waits until the attachment is gone. An unforced detach still
   * `detaching` after `stuckDetachMs` is sent again with Force, EBS's remedy for a volume
   * stuck detaching. Safe: an unforced detach is asked for only when the holder released
   * the volume (unmounted) or never had it (an aborted stuck attach); `busy`, still in use
   * on the instance, is never forced here.
   */
  async detachAndWait(volumeId: string, instanceId: string, force: boolean): Promise<void> {
    const { detachTimeoutMs, stuckDetachMs } = this.deps;
    const deadline = this.deps.clock.now() + detachTimeoutMs;
    if (!(await this.sendDetach(volumeId, instanceId, force))) return;
    let state = await this.waitDetached(volumeId, instanceId, force ? detachTimeoutMs : Math.min(stuckDetachMs, detachTimeoutMs));
    if (state === "detaching" && !force) {
      this.deps.logger.warn({ volumeId, instanceId, afterMs: stuckDetachMs }, "ebs detach stuck; forcing it (the holder has released the volume)");
      if (!(await this.sendDetach(volumeId, instanceId, true))) return;
    }
    const left = deadline - this.deps.clock.now();
    if (state !== undefined && left > 0) state = await this.waitDetached(volumeId, instanceId, left, state);
    if (state !== undefined) {
      const why = state === "busy" ? ": the device is still in use on the instance (unmount it, or fence the node and force)" : "";
      throw timeout(`EBS volume ${volumeId} still ${state} on ${instanceId} after ${detachTimeoutMs} ms${why}`, { volumeId, instanceId, state });
    }
  }

  /** Sends DetachVolume; false when EC2 answers that the attachment is already gone. */
  private async sendDetach(volumeId: string, instanceId: string, force: boolean): Promise<boolean> {
    try {
      await this.deps.caller.call(new DetachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Force: force || undefined }), { volumeId, instanceId });
      return true;
    } catch (err) {
      if (alreadyDetachedCodes.has(awsCodeOf(err))) return false;
      throw err;
    }
  }

  /** Undefined once the attachment is gone; else its last state when `timeoutMs` ran out. */
  private async waitDetached(volumeId: string, instanceId: string, timeoutMs: number, lastState = "detaching"): Promise<string | undefined> {
    const gone = await this.deps.waits.wait("detach", timeoutMs, async () => {
      const mine = (await this.deps.reads.read(volumeId))?.attachments.find((a) => a.instanceId === instanceId);
      if (mine === undefined) return true;
      lastState = mine.state;
      return undefined;
    });
    return gone === undefined ? lastState : undefined;
  }
}
