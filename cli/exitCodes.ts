import { ErrorCode, toSwarmvolError } from "../core/errors.js";

/** The one place a domain error becomes a process exit code; scripts may rely on these. */
const exitCodeOf: Readonly<Record<ErrorCode, number>> = {
  [ErrorCode.InvalidArgument]: 2,
  [ErrorCode.NotFound]: 3,
  [ErrorCode.AlreadyExists]: 4,
  [ErrorCode.InUse]: 5,
  [ErrorCode.Conflict]: 5,
  [ErrorCode.Unsafe]: 6,
  [ErrorCode.LimitExceeded]: 7,
  [ErrorCode.Unavailable]: 8,
  [ErrorCode.Timeout]: 8,
  [ErrorCode.Unauthenticated]: 9,
  [ErrorCode.PermissionDenied]: 10,
  [ErrorCode.Internal]: 1,
};

/** Writes `swarmvol: <message>` (to stderr unless told where) and returns the error's exit code. */
export function reportFailure(err: unknown, write: (text: string) => void = (text) => void process.stderr.write(text)): number {
  const domain = toSwarmvolError(err);
  write(`swarmvol: ${domain.message}\n`);
  return exitCodeOf[domain.code];
}
