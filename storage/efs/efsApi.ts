/**
 * The narrow slice of @aws-sdk/client-efs that EfsCloud uses, and its caller: the one AWS
 * request path (storage/aws/awsCaller.ts: count, deadline, retry on throttling, 5xx and
 * socket failures, map once) with EFS's profile, as storage/ebs/ec2Api.ts has EC2's.
 */
import type {
  CreateAccessPointCommand, CreateAccessPointCommandOutput, CreateFileSystemCommand, CreateFileSystemCommandOutput,
  CreateMountTargetCommand, CreateMountTargetCommandOutput, DeleteAccessPointCommand, DeleteAccessPointCommandOutput,
  DeleteFileSystemCommand, DeleteFileSystemCommandOutput, DeleteMountTargetCommand, DeleteMountTargetCommandOutput,
  DescribeAccessPointsCommand, DescribeAccessPointsCommandOutput, DescribeFileSystemsCommand, DescribeFileSystemsCommandOutput,
  DescribeMountTargetsCommand, DescribeMountTargetsCommandOutput, TagResourceCommand, TagResourceCommandOutput,
  UntagResourceCommand, UntagResourceCommandOutput,
} from "@aws-sdk/client-efs";
import { AwsCaller, type AwsCallerOptions, type AwsServiceProfile } from "../aws/awsCaller.js";
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

/** EFS in the one AWS caller (storage/aws/awsCaller.ts): what it retries, how a failure reads. */
const efsProfile: AwsServiceProfile<EfsCallContext> = { service: "EFS", isRetryable: isRetryableEfsError, errorCode: efsErrorCode, mapError: mapEfsError };

export interface EfsCallerOptions extends AwsCallerOptions {
  client: EfsApi;
}

/**
 * Sends single EFS requests through the one retry layer and maps failures once (a
 * SwarmvolError with `details.awsCode`). Every EFS call swarmvol makes is safe to repeat:
 * creates carry a derived token (CreateMountTarget's repeat answers MountTargetConflict),
 * deletes of what is gone answer NotFound.
 */
export class EfsCaller {
  private readonly caller: AwsCaller<EfsCommand, EfsCallContext>;

  constructor(options: EfsCallerOptions) {
    this.caller = new AwsCaller(efsProfile, options);
  }

  call<O>(command: EfsCommand, context: Omit<EfsCallContext, "action"> = {}): Promise<O> {
    return this.caller.call<O>(command, context);
  }
}
