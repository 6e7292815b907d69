/**
 * The one place where EFS failures become swarmvol's domain errors. Everything above
 * storage/efs sees only SwarmvolError codes; the EFS code travels in `details.awsCode` (and
 * the id an AlreadyExists error names in `details.existingId`) so EfsCloud can recognise
 * the answers it handles itself.
 */
import {
  alreadyExists, conflict, inUse, internal, invalidArgument, limitExceeded, notFound, unavailable, type SwarmvolError,
} from "../../core/errors.js";

interface AwsErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number };
  FileSystemId?: string;
  AccessPointId?: string;
}

export interface EfsCallContext {
  action: string;
  fileSystemId?: string;
  accessPointId?: string;
  mountTargetId?: string;
  subnetId?: string;
}

const throttlingCodes = new Set(["ThrottlingException", "TooManyRequests", "Throttling", "RequestLimitExceeded", "TooManyRequestsException"]);
const transientCodes = new Set(["InternalServerError", "DependencyTimeout", "InsufficientThroughputCapacity", "ServiceUnavailable", "TimeoutError", "RequestTimeout"]);
const networkCodes = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "ECONNABORTED"]);

const notFoundCodes = new Set(["FileSystemNotFound", "AccessPointNotFound", "MountTargetNotFound"]);
const conflictCodes = new Set(["IncorrectFileSystemLifeCycleState", "IncorrectMountTargetState", "MountTargetConflict", "IpAddressInUse", "ConflictException"]);
const limitCodes = new Set([
  "FileSystemLimitExceeded", "AccessPointLimitExceeded", "NetworkInterfaceLimitExceeded", "SecurityGroupLimitExceeded",
  "NoFreeAddressesInSubnet", "ThroughputLimitExceeded",
]);
/** The controller's EFS settings are wrong (a subnet, a security group, a zone): fixing them is the operator's. */
const settingCodes = new Set(["SubnetNotFound", "SecurityGroupNotFound", "UnsupportedAvailabilityZone", "AvailabilityZonesMismatch"]);
const invalidCodes = new Set(["BadRequest", "ValidationException", "InvalidPolicyException"]);
const authCodes = new Set(["AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException", "UnauthorizedOperation"]);

function shape(err: unknown): AwsErrorShape {
  return typeof err === "object" && err !== null ? (err as AwsErrorShape) : {};
}

/** The EFS error code (`FileSystemNotFound`), a Node socket code, or "" for anything else. */
export function efsErrorCode(err: unknown): string {
  const e = shape(err);
  if (typeof e.code === "string" && networkCodes.has(e.code)) return e.code;
  return typeof e.name === "string" ? e.name : "";
}

/** Whether repeating the very same request later can succeed: throttling, 5xx and network failures. */
export function isRetryableEfsError(err: unknown): boolean {
  const code = efsErrorCode(err);
  if (throttlingCodes.has(code) || transientCodes.has(code) || networkCodes.has(code)) return true;
  const status = shape(err).$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429;
  return shape(err).$fault === "server";
}

function subject(context: EfsCallContext): string {
  const parts = [context.fileSystemId, context.accessPointId, context.mountTargetId, context.subnetId].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

/** Maps any failure of one EFS call to a SwarmvolError, once, after the retry layer gave up. */
export function mapEfsError(err: unknown, context: EfsCallContext): SwarmvolError {
  const code = efsErrorCode(err);
  const e = shape(err);
  const awsMessage = e.message ?? String(err);
  const existingId = e.FileSystemId ?? e.AccessPointId;
  const details = { ...context, awsCode: code, ...(existingId === undefined ? {} : { existingId }) };
  const what = `EFS ${context.action}${subject(context)}`;
  if (isRetryableEfsError(err)) return unavailable(`${what} failed after retries: ${code || "error"}: ${awsMessage}; it will be retried`, details, err);
  if (notFoundCodes.has(code)) return notFound(`${what}: ${awsMessage}`, details, err);
  if (code === "FileSystemAlreadyExists" || code === "AccessPointAlreadyExists") return alreadyExists(`${what}: ${awsMessage}`, details, err);
  if (code === "FileSystemInUse") return inUse(`${what}: ${awsMessage}; its mount targets are deleted first`, details, err);
  if (conflictCodes.has(code)) return conflict(`${what}: ${awsMessage}`, details, err);
  if (limitCodes.has(code)) return limitExceeded(`${what}: ${awsMessage}; raise the EFS quota or free resources`, details, err);
  if (settingCodes.has(code)) {
    return invalidArgument(`${what}: ${awsMessage}; check the controller's EFS subnet, security group and zone settings`, details, err);
  }
  if (invalidCodes.has(code)) return invalidArgument(`${what}: ${awsMessage}`, details, err);
  if (authCodes.has(code)) return internal(`${what}: EFS refused the credentials or permissions: ${awsMessage}; check the controller's IAM policy`, details, err);
  return internal(`${what}: ${code || "error"}: ${awsMessage}`, details, err);
}

/** The EFS code a mapped error came from ("" when not from EFS). */
export function efsCodeOf(err: unknown): string {
  const details = shape(err) as { details?: { awsCode?: unknown } };
  return typeof details.details?.awsCode === "string" ? details.details.awsCode : "";
}

/** The id an AlreadyExists answer named (FileSystemId / AccessPointId), if any. */
export function existingIdOf(err: unknown): string | undefined {
  const details = shape(err) as { details?: { existingId?: unknown } };
  return typeof details.details?.existingId === "string" ? details.details.existingId : undefined;
}
