import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../core/errors.js";
import { existingIdOf, isRetryableEfsError, mapEfsError } from "./errors.js";

const aws = (name: string, status: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, $fault: status >= 500 ? "server" : "client", ...extra });

describe("mapEfsError", () => {
  it.each([
    ["ThrottlingException", 429, ErrorCode.Unavailable],
    ["InternalServerError", 500, ErrorCode.Unavailable],
    ["DependencyTimeout", 504, ErrorCode.Unavailable],
    ["FileSystemNotFound", 404, ErrorCode.NotFound],
    ["AccessPointNotFound", 404, ErrorCode.NotFound],
    ["MountTargetNotFound", 404, ErrorCode.NotFound],
    ["FileSystemAlreadyExists", 409, ErrorCode.AlreadyExists],
    ["AccessPointAlreadyExists", 409, ErrorCode.AlreadyExists],
    ["FileSystemInUse", 409, ErrorCode.InUse],
    ["IncorrectFileSystemLifeCycleState", 409, ErrorCode.Conflict],
    ["MountTargetConflict", 409, ErrorCode.Conflict],
    ["IpAddressInUse", 409, ErrorCode.Conflict],
    ["FileSystemLimitExceeded", 403, ErrorCode.LimitExceeded],
    ["AccessPointLimitExceeded", 403, ErrorCode.LimitExceeded],
    ["NoFreeAddressesInSubnet", 409, ErrorCode.LimitExceeded],
    ["SubnetNotFound", 400, ErrorCode.InvalidArgument],
    ["SecurityGroupNotFound", 400, ErrorCode.InvalidArgument],
    ["AvailabilityZonesMismatch", 400, ErrorCode.InvalidArgument],
    ["BadRequest", 400, ErrorCode.InvalidArgument],
    ["AccessDeniedException", 403, ErrorCode.Internal],
    ["SomethingNew", 400, ErrorCode.Internal],
  ])("%s (%i) → %s", (name, status, code) => {
    const err = mapEfsError(aws(name, status), { action: "CreateMountTarget", fileSystemId: "fs-1" });
    expect(err.code).toBe(code);
    expect(err.details).toMatchObject({ awsCode: name, action: "CreateMountTarget", fileSystemId: "fs-1" });
    expect(err.message).toMatch(/^EFS CreateMountTarget \(fs-1\)/);
  });

  it("keeps the id an AlreadyExists answer names, and retries only throttling, 5xx and socket failures", () => {
    expect(existingIdOf(mapEfsError(aws("FileSystemAlreadyExists", 409, { FileSystemId: "fs-9" }), { action: "CreateFileSystem" }))).toBe("fs-9");
    expect(existingIdOf(mapEfsError(aws("AccessPointAlreadyExists", 409, { AccessPointId: "fsap-9" }), { action: "CreateAccessPoint" }))).toBe("fsap-9");
    expect(isRetryableEfsError(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBe(true);
    expect(isRetryableEfsError(aws("Whatever", 503))).toBe(true);
    expect(isRetryableEfsError(aws("MountTargetConflict", 409))).toBe(false);
    expect(mapEfsError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), { action: "DescribeFileSystems" }).details.awsCode).toBe("ECONNRESET");
  });
});
