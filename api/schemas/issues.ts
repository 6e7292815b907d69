/**
 * A schema's verdict as the house's words: the first problem found, naming the field
 * (`field "mounts[0].volume"`, `path parameter "name"`, `query parameter "limit"`) and
 * what to send instead, input clipped so hostile input is never echoed whole.
 */
import type { z } from "zod";
import { clipped, quoted } from "../../core/errors.js";

/** Where the checked value came from, as a message names it. */
export type Part = "field" | "path parameter" | "query parameter";

/** `mounts[0].volume`; odd keys (a hostile option name) quoted and clipped. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(key)) text += text === "" ? key : `.${key}`;
    else text += `[${quoted(String(key))}]`;
  }
  return text;
}

/**
 * The message of a failed parse. A schema's own words start with "must" or "is" ("must be
 * a whole number >= 0, got -1"); a house parser's are a sentence of their own ("invalid
 * volume name …"), put after a colon. More problems are counted, not listed.
 */
export function problemOf(error: z.ZodError, part: Part, root: string): string {
  const [first, ...rest] = error.issues;
  if (first === undefined) return `${root} is not valid`;
  const where = first.path.length === 0 ? root : `${part} "${clipped(fieldPath(first.path))}"`;
  const said = first.message.length > 400 ? `${first.message.slice(0, 400)}…` : first.message;
  const joined = /^(must|is) /.test(said) ? `${where} ${said}` : `${where}: ${said}`;
  return rest.length === 0 ? joined : `${joined} (and ${rest.length} more problem${rest.length === 1 ? "" : "s"})`;
}
