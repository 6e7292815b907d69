/**
 * The invariants every parser of user input must keep, as assertions fast-check can shrink
 * against: it returns, or it throws the project's domain error (core/errors.ts) with a
 * message that names the fix and stays short whatever the input (a message that echoes
 * 100 KB of hostile input floods the plugin's `Err`, the API body and every log line).
 */
import { SwarmvolError } from "../../core/errors.js";

/** Longest message a parser may produce: echoed input must be cut to a name's worth. */
export const maxMessageLength = 600;

/** Calls `parse`; the outcome is its value or the domain error it threw. Anything else fails. */
export function domainOutcome<T>(parse: () => T): { ok: true; value: T } | { ok: false; error: SwarmvolError } {
  try {
    return { ok: true, value: parse() };
  } catch (err) {
    return { ok: false, error: checkedDomainError(err) };
  }
}

/** The async form of domainOutcome. */
export async function domainOutcomeAsync<T>(parse: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: SwarmvolError }> {
  try {
    return { ok: true, value: await parse() };
  } catch (err) {
    return { ok: false, error: checkedDomainError(err) };
  }
}

export function checkedDomainError(err: unknown): SwarmvolError {
  if (!(err instanceof SwarmvolError)) {
    throw new Error(`threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)} instead of a SwarmvolError`);
  }
  checkMessage(err.message);
  return err;
}

/** A message a person can act on: non-empty and bounded. */
export function checkMessage(message: unknown): void {
  if (typeof message !== "string" || message.trim() === "") throw new Error(`empty error message ${JSON.stringify(message)}`);
  if (message.length > maxMessageLength) {
    throw new Error(`error message of ${message.length} characters (over ${maxMessageLength}): ${JSON.stringify(message.slice(0, 120))}…`);
  }
}

/** Fails the property with `what` when `condition` is false (fast-check shrinks on any throw). */
export function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}
