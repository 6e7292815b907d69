/**
 * CloudResize on EBS: ModifyVolume (Size) and DescribeVolumesModifications. EBS applies a
 * modification in the background: `modifying`, then `optimizing`, when the new size is
 * already usable (the filesystem can grow; ebs-csi-driver counts it done there too), then
 * `completed`. ModifyVolume is sent once and answered from what EC2 then says: a lost
 * answer's retry gets IncorrectModificationState, and the modification it started is what
 * the wait finds.
 */
import {
  DescribeVolumesCommand, DescribeVolumesModificationsCommand, ModifyVolumeCommand,
  type DescribeVolumesCommandOutput, type DescribeVolumesModificationsCommandOutput, type VolumeModification,
} from "@aws-sdk/client-ec2";
import type { CloudResize } from "../../core/cloud.js";
import { conflict, internal, invalidArgument, notFound, timeout } from "../../core/errors.js";
import type { Clock, Logger } from "../../core/ports.js";
import { awsCodeOf } from "./errors.js";
import type { Ec2Caller } from "./ec2Api.js";
import { pollUntil } from "./waiters.js";

const GiB = 1024 ** 3;
/** A modification's first phase takes seconds to minutes. */
const modificationPoll = { initialMs: 1000, maxMs: 5000 };

export interface EbsResizeDeps {
  caller: Ec2Caller;
  clock: Clock;
  logger: Logger;
}

const usable = (m: VolumeModification | undefined, targetGiB: number) =>
  (m?.ModificationState === "optimizing" || m?.ModificationState === "completed") && (m.TargetSize ?? 0) >= targetGiB;

export class EbsResize implements CloudResize {
  constructor(private readonly deps: EbsResizeDeps) {}

  async grow(volumeId: string, sizeBytes: number, timeoutMs: number): Promise<{ sizeBytes: number }> {
    const targetGiB = Math.ceil(sizeBytes / GiB);
    const currentGiB = await this.sizeOf(volumeId);
    if (targetGiB < currentGiB) {
      throw invalidArgument(`volume ${volumeId} is ${currentGiB} GiB and EBS volumes only grow: give a size of at least ${currentGiB}GiB`, { volumeId, sizeGiB: currentGiB });
    }
    const latest = await this.latest(volumeId);
    const running = latest?.ModificationState === "modifying" || latest?.ModificationState === "optimizing";
    if (running && (latest.TargetSize ?? 0) < targetGiB) {
      throw conflict(`volume ${volumeId} is being modified to ${latest.TargetSize} GiB now; resize again once that ends`, { volumeId });
    }
    const settled = targetGiB === currentGiB && (latest === undefined || usable(latest, targetGiB) || latest.ModificationState === "failed");
    if (settled) return { sizeBytes: currentGiB * GiB };
    if (!running) await this.modify(volumeId, targetGiB);
    return this.waitUsable(volumeId, targetGiB, timeoutMs);
  }

  private async modify(volumeId: string, targetGiB: number): Promise<void> {
    try {
      await this.deps.caller.call(new ModifyVolumeCommand({ VolumeId: volumeId, Size: targetGiB }), { volumeId });
      this.deps.logger.info({ volumeId, sizeGiB: targetGiB }, "ebs volume modification started");
    } catch (err) {
      const code = awsCodeOf(err);
      // A retry after a lost answer: the modification it asked for runs (the wait checks its target).
      if (code === "IncorrectModificationState") return;
      if (code === "VolumeModificationRateExceeded") {
        throw conflict(`EBS takes one modification of volume ${volumeId} per six hours; resize it again later`, { volumeId, awsCode: code });
      }
      throw err;
    }
  }

  private async waitUsable(volumeId: string, targetGiB: number, timeoutMs: number): Promise<{ sizeBytes: number }> {
    const probe = async () => {
      const m = await this.latest(volumeId);
      if (m?.ModificationState === "failed") throw internal(`EBS could not modify volume ${volumeId}: ${m.StatusMessage ?? "modification failed"}`, { volumeId });
      return usable(m, targetGiB) ? { sizeBytes: (m?.TargetSize ?? targetGiB) * GiB } : undefined;
    };
    const done = (await probe()) ?? (await pollUntil(this.deps.clock, { ...modificationPoll, timeoutMs }, probe));
    if (done === undefined) throw timeout(`EBS volume ${volumeId} not grown to ${targetGiB} GiB after ${timeoutMs} ms; resize again to keep waiting`, { volumeId });
    return done;
  }

  private async sizeOf(volumeId: string): Promise<number> {
    const out = await this.deps.caller.call<DescribeVolumesCommandOutput>(new DescribeVolumesCommand({ VolumeIds: [volumeId] }), { volumeId });
    const size = out.Volumes?.[0]?.Size;
    if (size === undefined) throw notFound(`EBS volume ${volumeId} does not exist`, { volumeId });
    return size;
  }

  /** The volume's latest modification, or undefined when it was never modified. */
  private async latest(volumeId: string): Promise<VolumeModification | undefined> {
    try {
      const out = await this.deps.caller.call<DescribeVolumesModificationsCommandOutput>(new DescribeVolumesModificationsCommand({ VolumeIds: [volumeId] }), { volumeId });
      return out.VolumesModifications?.[0];
    } catch (err) {
      // EC2's answer for a volume never modified; any other NOT_FOUND (the volume gone) is the caller's to see.
      if (awsCodeOf(err) === "InvalidVolumeModification.NotFound") return undefined;
      throw err;
    }
  }
}
