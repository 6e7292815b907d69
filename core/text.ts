/**
 * Small string helpers for untrusted text. Each is one linear pass: the regex spellings
 * (`/[\r\n]+$/`, `/\/+$/`) retry the run from each of its characters, quadratic in its length
 * (100 KB of newlines in a token file took seconds; test/fuzz keeps these honest).
 */

/** `text` without the run of `chars` at its end. */
export function withoutTrailing(text: string, chars: string): string {
  let end = text.length;
  while (end > 0 && chars.includes(text.charAt(end - 1))) end -= 1;
  return text.slice(0, end);
}
