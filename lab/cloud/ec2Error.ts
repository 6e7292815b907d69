/**
 * EC2 errors as the service sends them: a code the SDK turns into `error.name`, a message,
 * and an HTTP status (400 for client errors, 503 for throttling, 500 for internal errors).
 */
export class Ec2Error extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = "Ec2Error";
    this.code = code;
    this.status = status;
  }
}

const e = (code: string, message: string, status = 400) => new Ec2Error(code, message, status);

export const errors = {
  volumeNotFound: (ids: readonly string[]) =>
    e("InvalidVolume.NotFound", `The volume '${ids.join(",")}' does not exist.`),
  snapshotNotFound: (ids: readonly string[]) =>
    e("InvalidSnapshot.NotFound", `The snapshot '${ids.join(",")}' does not exist.`),
  snapshotInUse: (snapshotId: string, by: string) =>
    e("InvalidSnapshot.InUse", `The snapshot ${snapshotId} is currently in use by ${by}`),
  instanceNotFound: (ids: readonly string[]) =>
    e("InvalidInstanceID.NotFound", `The instance ID '${ids.join(",")}' does not exist`),
  attachmentNotFound: (volumeId: string, instanceId: string) =>
    e("InvalidAttachment.NotFound",
      `Volume ${volumeId} can not be detached from ${instanceId} because it is not attached`),
  volumeInUse: (volumeId: string, instanceId: string) =>
    e("VolumeInUse", `Volume ${volumeId} is currently attached to ${instanceId}`),
  alreadyAttached: (volumeId: string) => e("VolumeInUse", `${volumeId} is already attached to an instance`),
  incorrectState: (message: string) => e("IncorrectState", message),
  incorrectInstanceState: (instanceId: string) =>
    e("IncorrectInstanceState", `The instance '${instanceId}' is not in a valid state for this operation.`),
  cannotStop: (instanceId: string) =>
    e("IncorrectInstanceState", `This instance '${instanceId}' is not in a state from which it can be stopped.`),
  cannotStart: (instanceId: string) =>
    e("IncorrectInstanceState", `The instance '${instanceId}' is not in a state from which it can be started.`),
  zoneMismatch: (volumeId: string, instanceId: string) =>
    e("InvalidVolume.ZoneMismatch",
      `The volume '${volumeId}' is not in the same availability zone as instance '${instanceId}'`),
  attachmentLimit: (instanceId: string) =>
    e("AttachmentLimitExceeded", `The maximum number of attachments for instance '${instanceId}' has been reached.`),
  deviceInUse: (device: string) =>
    e("InvalidParameterValue", `Invalid value '${device}' for unixDevice. Attachment point ${device} is already in use`),
  modificationNotFound: (volumeId: string) =>
    e("InvalidVolumeModification.NotFound", `Modification for volume '${volumeId}' does not exist.`),
  modificationInProgress: (volumeId: string, state: string) =>
    e("IncorrectModificationState", `Volume ${volumeId} cannot be modified in modification state ${state.toUpperCase()}`),
  modificationRate: () =>
    e("VolumeModificationRateExceeded", "You've reached the maximum modification rate per volume limit. Wait at least 6 hours between modifications per EBS volume."),
  missing: (param: string) => e("MissingParameter", `The request must contain the parameter ${param}`),
  invalidValue: (message: string) => e("InvalidParameterValue", message),
  combination: (message: string) => e("InvalidParameterCombination", message),
  dependency: (message: string) => e("InvalidParameterDependency", message),
  idempotentMismatch: () =>
    e("IdempotentParameterMismatch",
      "The client token you have provided is associated with a resource that is already deleted or " +
      "the request parameters differ from the original request."),
  invalidToken: () => e("InvalidPaginationToken", "The specified pagination token is not valid or is expired."),
  invalidId: (id: string) => e("InvalidID", `The ID '${id}' is not valid`),
  invalidAction: (action: string) => e("InvalidAction", `The action ${action} is not valid for this web service.`),
  missingAction: () => e("MissingAction", "The request must contain the parameter Action"),
  dryRun: () => e("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412),
  throttled: () => e("RequestLimitExceeded", "Request limit exceeded.", 503),
  internal: () => e("InternalError", "An internal error has occurred", 500),
};
