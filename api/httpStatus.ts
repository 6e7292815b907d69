import { ErrorCode } from "../core/errors.js";

/** The one place a domain error code becomes an HTTP status. */
export const httpStatusOf: Readonly<Record<ErrorCode, number>> = {
  [ErrorCode.InvalidArgument]: 400,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.AlreadyExists]: 409,
  [ErrorCode.InUse]: 409,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.LimitExceeded]: 429,
  [ErrorCode.Unsafe]: 422,
  [ErrorCode.Unavailable]: 503,
  [ErrorCode.Timeout]: 504,
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.PermissionDenied]: 403,
  [ErrorCode.Internal]: 500,
};
