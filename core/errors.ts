/**
 * The one small set of domain errors. Every layer throws these; only the edges translate
 * them (plugin `Err`, HTTP status, CLI exit code). Codes are stable: scripts and the API
 * contract depend on them.
 */
export const ErrorCode = {
  InvalidArgument: "INVALID_ARGUMENT",
  NotFound: "NOT_FOUND",
  AlreadyExists: "ALREADY_EXISTS",
  InUse: "IN_USE",
  Conflict: "CONFLICT",
  LimitExceeded: "LIMIT_EXCEEDED",
  Unsafe: "UNSAFE",
  Unavailable: "UNAVAILABLE",
  Timeout: "TIMEOUT",
  Unauthenticated: "UNAUTHENTICATED",
  /** Authenticated, but this identity may not make this call (another node's, an operator's). */
  PermissionDenied: "PERMISSION_DENIED",
  Internal: "INTERNAL",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Whether retrying the same call later can succeed without anybody changing anything. */
const retryableCodes: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.Unavailable,
  ErrorCode.Timeout,
  ErrorCode.Conflict,
]);

export class SwarmvolError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SwarmvolError";
    this.code = code;
    this.details = details;
  }

  get retryable(): boolean {
    return retryableCodes.has(this.code);
  }
}

type Details = Record<string, unknown>;
const make = (code: ErrorCode) => (message: string, details?: Details, cause?: unknown) =>
  new SwarmvolError(code, message, details, cause === undefined ? undefined : { cause });

export const invalidArgument = make(ErrorCode.InvalidArgument);
export const notFound = make(ErrorCode.NotFound);
export const alreadyExists = make(ErrorCode.AlreadyExists);
export const inUse = make(ErrorCode.InUse);
export const conflict = make(ErrorCode.Conflict);
export const limitExceeded = make(ErrorCode.LimitExceeded);
/** Refused because going on could lose or corrupt data (invariants 1 and 2). */
export const unsafe = make(ErrorCode.Unsafe);
export const unavailable = make(ErrorCode.Unavailable);
export const timeout = make(ErrorCode.Timeout);
export const internal = make(ErrorCode.Internal);
export const unauthenticated = make(ErrorCode.Unauthenticated);
export const permissionDenied = make(ErrorCode.PermissionDenied);

export function isSwarmvolError(err: unknown, code?: ErrorCode): err is SwarmvolError {
  return err instanceof SwarmvolError && (code === undefined || err.code === code);
}

/**
 * Most characters of user input a message repeats: enough to recognise the input, never a
 * flood. Messages reach the plugin's `Err`, API bodies and log lines; a 100 KB option value
 * echoed whole would be in all of them (test/fuzz checks every parser against this).
 */
export const maxEchoedInput = 64;

/** Input cut to maxEchoedInput characters, its length named when cut. */
export function clipped(input: unknown): string {
  const text = typeof input === "string" ? input : String(input);
  return text.length <= maxEchoedInput ? text : `${text.slice(0, maxEchoedInput)}… (${text.length} characters)`;
}

/** Input as a message quotes it: clipped and JSON-quoted, so control characters cannot break a log line. */
export function quoted(input: unknown): string {
  const text = typeof input === "string" ? input : String(input);
  return text.length <= maxEchoedInput ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, maxEchoedInput))}… (${text.length} characters)`;
}

/** Any thrown value as a SwarmvolError; unknown failures become INTERNAL with the cause kept. */
export function toSwarmvolError(err: unknown): SwarmvolError {
  if (err instanceof SwarmvolError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return internal(message, {}, err);
}
