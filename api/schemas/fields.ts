/**
 * The small schemas the API's bodies are made of, each with the one message a caller reads
 * when its input is wrong: what to send instead, and what came (clipped: core/errors.ts
 * `quoted`). A message starts with "must", "is" or a full sentence; api/schemas/issues.ts
 * puts the field's name in front of it.
 */
import { z } from "zod";
import { clipped, quoted } from "../../core/errors.js";
import { nodeIdPattern } from "../../core/identity.js";
import { maxVolumeNameLength, validateVolumeName } from "../../core/volume.js";

/** Input as a message shows it: a string quoted, anything else as JSON; both clipped. */
export function shown(input: unknown): string {
  if (input === undefined) return "nothing";
  if (typeof input === "string") return quoted(input);
  let text: string;
  try {
    text = JSON.stringify(input) ?? String(input);
  } catch {
    text = String(input);
  }
  return clipped(text);
}

/** The error option of a schema: "is missing; send …" or "must be …, got …". */
export function expects(what: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => (issue.input === undefined ? `is missing; send ${what}` : `must be ${what}, got ${shown(issue.input)}`) };
}

/** A non-empty string, `what` naming it in the message. */
export function text(what = "a non-empty string"): z.ZodString {
  return z.string(expects(what)).min(1, expects(what));
}

/**
 * A string field of an answer that a newer controller may send new values of (a
 * condition's reason, an event's type): a client accepts any string, typed as today's
 * union, so an older agent keeps working during an upgrade (controllers go first,
 * docs/install-aws.md). The API document lists today's values.
 */
export function known<const T extends string>(values: readonly T[]): z.ZodType<T, T> {
  return z.string().meta({ examples: [...values], description: `one of ${values.join(", ")}; clients accept others a newer controller may add` }) as unknown as z.ZodType<T, T>;
}

/**
 * A volume name (Docker's rule, core/volume.ts): the messages are validateVolumeName's, so
 * the API refuses a name in the same words as the plugin.
 */
export const volumeName = z.string(expects('a volume name, like "data"')).superRefine((value, context) => {
  try {
    validateVolumeName(value);
  } catch (err) {
    context.addIssue({ code: "custom", message: (err as Error).message, input: value });
  }
}).meta({ pattern: "^[a-zA-Z0-9][a-zA-Z0-9_.-]+$", maxLength: maxVolumeNameLength, examples: ["jenkins_home"] });

const nodeIdWords = 'a Swarm node id (letters, digits, "_.-", at most 128)';

/** A Swarm node id (core/identity.ts `nodeIdPattern`). */
export const nodeId = z.string(expects(nodeIdWords)).min(1, expects(nodeIdWords)).regex(nodeIdPattern, {
  error: (issue) => `is not ${nodeIdWords}: ${shown(issue.input)}`,
}).meta({ examples: ["x7k2m9q4w1e8r5t3y6u0i2o4p"] });

/** A whole number >= 0 (an epoch). */
export const count = z.number(expects("a whole number >= 0")).int(expects("a whole number >= 0")).min(0, expects("a whole number >= 0"));

/** A duration in milliseconds, >= 0. */
export const milliseconds = z.number(expects("a number of milliseconds >= 0")).min(0, expects("a number of milliseconds >= 0"));

/**
 * A query parameter checked and converted by one of the house's parsers (they throw
 * INVALID_ARGUMENT naming the form): its message becomes the issue's. An empty value is
 * absent, as it always was.
 */
export function parsedQuery<T>(parse: (value: string) => T, what: string): z.ZodType<T | undefined, string | undefined> {
  return z.string(expects(what)).optional().transform((value, context) => {
    if (value === undefined || value === "") return undefined;
    try {
      return parse(value);
    } catch (err) {
      context.addIssue({ code: "custom", message: (err as Error).message, input: value });
      return z.NEVER;
    }
  }).meta({ description: what });
}
