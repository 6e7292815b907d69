/**
 * The one place where EC2 failures become swarmvol's domain errors. Everything above
 * storage/ebs sees only SwarmvolError codes; the EC2 code travels along in
 * `details.awsCode` so EbsCloud can recognise answers it handles itself (a device name
 * already in use, a detach of something already detached) without parsing messages twice.
 */
import {
  alreadyExists, conflict, inUse, internal, invalidArgument, limitExceeded, notFound, unavailable,
  type SwarmvolError,
} from "../../core/errors.js";

/** What the SDK throws: `name` is the EC2 error code, `$fault` and `$metadata` describe the HTTP answer. */
interface AwsErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number };
}

/** Where the failing call came from, for the message and details. */
export interface Ec2CallContext {
  action: string;
  volumeId?: string;
  instanceId?: string;
  snapshotId?: string;
}

const throttlingCodes = new Set([
  "RequestLimitExceeded", "Throttling", "ThrottlingException", "RequestThrottled", "RequestThrottledException",
  "TooManyRequestsException", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
]);
const transientCodes = new Set([
  "InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable", "InsufficientVolumeCapacity",
  "TimeoutError", "RequestTimeout", "RequestTimeoutException",
]);
/** Node socket failures: the request may or may not have reached EC2, so only idempotent calls may retry. */
const networkCodes = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "ECONNABORTED"]);

const notFoundCodes = new Set([
  "InvalidVolume.NotFound", "InvalidInstanceID.NotFound", "InvalidSnapshot.NotFound", "InvalidAttachment.NotFound",
  "InvalidKMSKey.NotFound", "InvalidZone.NotFound",
]);
const invalidCodes = new Set([
  "InvalidParameterValue", "InvalidParameterCombination", "InvalidParameterDependency", "InvalidParameter",
  "MissingParameter", "InvalidID", "InvalidVolumeID.Malformed", "InvalidInstanceID.Malformed",
  "InvalidSnapshotID.Malformed", "InvalidVolume.ZoneMismatch", "UnknownVolumeType", "InvalidPaginationToken",
]);
const limitCodes = new Set(["AttachmentLimitExceeded", "VolumeLimitExceeded", "MaxIOPSLimitExceeded", "TagLimitExceeded", "ResourceLimitExceeded"]);
const authCodes = new Set(["UnauthorizedOperation", "AuthFailure", "InvalidClientTokenId", "OptInRequired", "Blocked", "SignatureDoesNotMatch"]);

function shape(err: unknown): AwsErrorShape {
  return typeof err === "object" && err !== null ? (err as AwsErrorShape) : {};
}

/** The EC2 error code (`InvalidVolume.NotFound`), a Node socket code, or "" for anything else. */
export function ec2ErrorCode(err: unknown): string {
  const e = shape(err);
  if (typeof e.code === "string" && networkCodes.has(e.code)) return e.code;
  return typeof e.name === "string" ? e.name : "";
}

/**
 * Whether repeating the very same request later can succeed: throttling, 5xx and network
 * failures. Validation, not-found, state and limit errors are final for that request.
 */
export function isRetryableEc2Error(err: unknown): boolean {
  const e = shape(err);
  const code = ec2ErrorCode(err);
  if (throttlingCodes.has(code) || transientCodes.has(code) || networkCodes.has(code)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429;
  return e.$fault === "server";
}

/** EC2 answers "InvalidParameterValue ... already in use" when the requested device name is taken. */
export function isDeviceNameInUse(err: unknown): boolean {
  return ec2ErrorCode(err) === "InvalidParameterValue" && /already in use/i.test(shape(err).message ?? "");
}

function subject(context: Ec2CallContext): string {
  const parts = [context.volumeId, context.snapshotId, context.instanceId && `instance ${context.instanceId}`].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

/**
 * Maps any failure of one EC2 call to a SwarmvolError. Called once per failed call, after
 * the retry layer gave up, so callers never see SDK error types.
 */
export function mapEc2Error(err: unknown, context: Ec2CallContext): SwarmvolError {
  const code = ec2ErrorCode(err);
  const awsMessage = shape(err).message ?? String(err);
  const details = { ...context, awsCode: code };
  const what = `EC2 ${context.action}${subject(context)}`;
  if (isRetryableEc2Error(err)) return unavailable(`${what} failed after retries: ${code || "error"}: ${awsMessage}; it will be retried`, details, err);
  if (isDeviceNameInUse(err)) return conflict(`${what}: device name already in use: ${awsMessage}`, details, err);
  if (notFoundCodes.has(code)) return notFound(`${what}: ${awsMessage}`, details, err);
  if (code === "VolumeInUse") return inUse(`${what}: ${awsMessage}`, details, err);
  if (code === "InvalidSnapshot.InUse") return inUse(`${what}: ${awsMessage}; deregister that image first`, details, err);
  if (code === "IncorrectState" || code === "IncorrectInstanceState") return conflict(`${what}: ${awsMessage}`, details, err);
  if (code === "AttachmentLimitExceeded") {
    return limitExceeded(`${what}: the instance has no free EBS attachment slot: ${awsMessage}; move a volume off this node or use a larger instance type`, details, err);
  }
  if (limitCodes.has(code)) return limitExceeded(`${what}: ${awsMessage}; raise the account limit or free resources`, details, err);
  if (code === "IdempotentParameterMismatch") {
    return alreadyExists(`${what}: a volume was already created for this uid with other options (or deleted since): ${awsMessage}`, details, err);
  }
  if (code === "InvalidVolume.ZoneMismatch") {
    return invalidArgument(`${what}: ${awsMessage}; EBS volumes attach only in their own zone: constrain the service to nodes of that zone`, details, err);
  }
  if (invalidCodes.has(code)) return invalidArgument(`${what}: ${awsMessage}`, details, err);
  if (authCodes.has(code)) return internal(`${what}: EC2 refused the credentials or permissions: ${awsMessage}; check the controller's IAM policy`, details, err);
  return internal(`${what}: ${code || "error"}: ${awsMessage}`, details, err);
}

/** The EC2 code a mapped error came from ("" when not from EC2). */
export function awsCodeOf(err: unknown): string {
  const details = shape(err) as { details?: { awsCode?: unknown } };
  return typeof details.details?.awsCode === "string" ? details.details.awsCode : "";
}
