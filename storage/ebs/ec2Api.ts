/**
 * The narrow slice of @aws-sdk/client-ec2 that EbsCloud uses, and its caller: the one AWS
 * request path (storage/aws/awsCaller.ts: count, deadline, retry, map) with EC2's profile.
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
import { AwsCaller, type AwsCallerOptions, type AwsServiceProfile } from "../aws/awsCaller.js";
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

export { actionOf, AwsCallCounter as Ec2CallCounter, defaultAttemptTimeoutMs, defaultRetryPolicy, jitteredDelay, type RetryPolicy } from "../aws/awsCaller.js";

/** EC2 in the one AWS caller (storage/aws/awsCaller.ts): what it retries, how a failure reads. */
const ec2Profile: AwsServiceProfile<Ec2CallContext> = { service: "EC2", isRetryable: isRetryableEc2Error, errorCode: ec2ErrorCode, mapError: mapEc2Error };

export interface Ec2CallerOptions extends AwsCallerOptions {
  client: Ec2Api;
}

/**
 * Sends single, idempotent EC2 requests through the one retry layer and maps failures once
 * (a SwarmvolError with `details.awsCode`). `retries: 0` sends once: for a request that is
 * not idempotent (CreateSnapshot), whose caller checks what a failed attempt did first.
 */
export class Ec2Caller {
  private readonly caller: AwsCaller<Ec2Command, Ec2CallContext>;

  constructor(options: Ec2CallerOptions) {
    this.caller = new AwsCaller(ec2Profile, options);
  }

  call<O>(command: Ec2Command, context: Omit<Ec2CallContext, "action"> = {}, options: { retries?: number } = {}): Promise<O> {
    return this.caller.call<O>(command, context, options);
  }
}
