import { describe, expect, it } from "vitest";
import { invalidArgument } from "../../core/errors.js";
import { awsCodeOf, isDeviceNameInUse, isRetryableEc2Error, mapEc2Error } from "./errors.js";

/** What @aws-sdk/client-ec2 throws for an EC2 error document. */
function awsError(name: string, message = "m", status = 400): Error {
  const err = new Error(message) as Error & Record<string, unknown>;
  err.name = name;
  err.$fault = status >= 500 ? "server" : "client";
  err.$metadata = { httpStatusCode: status };
  return err;
}

function networkError(code: string): Error {
  return Object.assign(new Error(`socket ${code}`), { code });
}

const context = { action: "AttachVolume", volumeId: "vol-1", instanceId: "i-1" };

describe("isRetryableEc2Error", () => {
  it.each([
    [awsError("RequestLimitExceeded", "Request limit exceeded.", 503), true],
    [awsError("InternalError", "x", 500), true],
    [awsError("SomethingNew", "x", 502), true],
    [awsError("Throttling", "x", 400), true],
    [networkError("ECONNRESET"), true],
    [awsError("InvalidVolume.NotFound"), false],
    [awsError("InvalidParameterValue"), false],
    [awsError("IncorrectState"), false],
    [awsError("AttachmentLimitExceeded"), false],
    [awsError("UnauthorizedOperation", "x", 403), false],
    [new TypeError("bug"), false],
  ])("%s → %s", (err, retryable) => {
    expect(isRetryableEc2Error(err)).toBe(retryable);
  });
});

describe("mapEc2Error", () => {
  it.each([
    ["RequestLimitExceeded", 503, "UNAVAILABLE"],
    ["InternalError", 500, "UNAVAILABLE"],
    ["InvalidVolume.NotFound", 400, "NOT_FOUND"],
    ["InvalidInstanceID.NotFound", 400, "NOT_FOUND"],
    ["InvalidAttachment.NotFound", 400, "NOT_FOUND"],
    ["InvalidSnapshot.NotFound", 400, "NOT_FOUND"],
    ["VolumeInUse", 400, "IN_USE"],
    ["IncorrectState", 400, "CONFLICT"],
    ["IncorrectInstanceState", 400, "CONFLICT"],
    ["AttachmentLimitExceeded", 400, "LIMIT_EXCEEDED"],
    ["VolumeLimitExceeded", 400, "LIMIT_EXCEEDED"],
    ["IdempotentParameterMismatch", 400, "ALREADY_EXISTS"],
    ["InvalidParameterValue", 400, "INVALID_ARGUMENT"],
    ["InvalidParameterCombination", 400, "INVALID_ARGUMENT"],
    ["InvalidVolume.ZoneMismatch", 400, "INVALID_ARGUMENT"],
    ["UnauthorizedOperation", 403, "INTERNAL"],
    ["NeverHeardOfIt", 400, "INTERNAL"],
  ])("%s (%d) → %s, keeping the AWS code and the cause", (name, status, code) => {
    const original = awsError(name, "the message", status);
    const mapped = mapEc2Error(original, context);
    expect(mapped.code).toBe(code);
    expect(mapped.details).toMatchObject({ action: "AttachVolume", volumeId: "vol-1", instanceId: "i-1", awsCode: name });
    expect(mapped.cause).toBe(original);
    expect(mapped.message).toContain("EC2 AttachVolume (vol-1, instance i-1)");
    expect(awsCodeOf(mapped)).toBe(name);
  });

  it("calls a device-name collision a CONFLICT", () => {
    const err = awsError("InvalidParameterValue", "Invalid value '/dev/xvdba' for unixDevice. Attachment point /dev/xvdba is already in use");
    expect(isDeviceNameInUse(err)).toBe(true);
    expect(mapEc2Error(err, context).code).toBe("CONFLICT");
    expect(isDeviceNameInUse(awsError("InvalidParameterValue", "bad size"))).toBe(false);
  });

  it("names the fix for the attach limit", () => {
    expect(mapEc2Error(awsError("AttachmentLimitExceeded"), context).message).toMatch(/move a volume off this node/);
  });

  it("maps network failures to UNAVAILABLE", () => {
    const mapped = mapEc2Error(networkError("ECONNREFUSED"), { action: "DescribeVolumes" });
    expect(mapped.code).toBe("UNAVAILABLE");
    expect(mapped.retryable).toBe(true);
  });

  it("awsCodeOf is empty for errors that did not come from EC2", () => {
    expect(awsCodeOf(invalidArgument("x"))).toBe("");
    expect(awsCodeOf(new Error("x"))).toBe("");
  });
});
