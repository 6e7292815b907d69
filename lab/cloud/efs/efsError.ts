/**
 * EFS errors as the service sends them: the code in the `x-amzn-errortype` header (the SDK
 * reads it there first; a body with only `ErrorCode` becomes `Unknown`), a JSON body
 * `{"ErrorCode", "Message"}` plus the members the model declares (`FileSystemId` on
 * FileSystemAlreadyExists, `AccessPointId` on AccessPointAlreadyExists), and the HTTP
 * status of the model (shared/research/protocols.md §4).
 */
export class EfsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** Extra body members, e.g. `{ FileSystemId }`. */
    readonly members: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "EfsError";
  }

  /** The JSON body EFS sends with this error. */
  body(): Record<string, string> {
    return { ErrorCode: this.code, Message: this.message, ...this.members };
  }
}

const e = (code: string, status: number, message: string, members?: Record<string, string>) =>
  new EfsError(code, message, status, members);

export const efsErrors = {
  badRequest: (message: string) => e("BadRequest", 400, message),
  fileSystemNotFound: (id: string) => e("FileSystemNotFound", 404, `File system '${id}' does not exist.`),
  fileSystemAlreadyExists: (id: string, token: string) =>
    e("FileSystemAlreadyExists", 409, `File system '${id}' already exists with creation token '${token}'`, { FileSystemId: id }),
  fileSystemInUse: (id: string) => e("FileSystemInUse", 409, `File system '${id}' has mount targets.`),
  fileSystemLimit: () => e("FileSystemLimitExceeded", 403, "You have reached the maximum number of file systems."),
  incorrectFileSystemState: (id: string, state: string) =>
    e("IncorrectFileSystemLifeCycleState", 409, `File system '${id}' is in the '${state}' state, not 'available'.`),
  accessPointNotFound: (id: string) => e("AccessPointNotFound", 404, `Access point '${id}' does not exist.`),
  accessPointAlreadyExists: (id: string, token: string) =>
    e("AccessPointAlreadyExists", 409, `Access point '${id}' already exists with client token '${token}'`, { AccessPointId: id }),
  accessPointLimit: (fileSystemId: string) =>
    e("AccessPointLimitExceeded", 403, `You have reached the maximum number of access points for file system '${fileSystemId}'.`),
  mountTargetNotFound: (id: string) => e("MountTargetNotFound", 404, `Mount target '${id}' does not exist.`),
  mountTargetConflict: (message: string) => e("MountTargetConflict", 409, message),
  subnetNotFound: (id: string) => e("SubnetNotFound", 400, `The subnet ID '${id}' does not exist`),
  securityGroupLimit: () => e("SecurityGroupLimitExceeded", 400, "A mount target can have at most 5 security groups."),
  securityGroupNotFound: (id: string) => e("SecurityGroupNotFound", 400, `The security group '${id}' does not exist in the subnet's VPC.`),
  ipAddressInUse: (ip: string) => e("IpAddressInUse", 409, `The IP address ${ip} is already in use in the subnet.`),
  noFreeAddresses: (subnetId: string) => e("NoFreeAddressesInSubnet", 409, `Subnet '${subnetId}' has no free IP addresses.`),
  unsupportedZone: (zone: string) => e("UnsupportedAvailabilityZone", 400, `Availability zone '${zone}' is not supported.`),
  zonesMismatch: (fsZone: string, zone: string) =>
    e("AvailabilityZonesMismatch", 400, `The file system is in '${fsZone}'; a mount target in '${zone}' is not allowed.`),
  throttled: () => e("ThrottlingException", 429, "Rate exceeded"),
  internal: () => e("InternalServerError", 500, "An internal error occurred."),
  unknownOperation: (method: string, path: string) => e("UnknownOperationException", 404, `No operation for ${method} ${path}`),
};
