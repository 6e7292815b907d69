import { leaderHeader } from "../contract.js";
import { errorBody } from "../schemas/bodies.js";
import { leaderHintUrl } from "./endpointPreference.js";

/**
 * What one attempt at one controller replica came to:
 * - `answer`: anything but a 503 (success or the controller's own error, which is final);
 * - `unavailable`: a 503, from a standby (with its leader hint when it knows one) or from
 *   a replica that cannot serve right now: the client tries the next replica;
 * - `unreachable`: refused, reset, "other side closed", DNS, or the attempt's own budget
 *   ran out: the next replica;
 * - `deadline` / `cancelled`: the call's deadline or the caller's signal: the call ends.
 */
export type Attempt =
  | { kind: "answer"; status: number; text: string }
  | { kind: "unavailable"; status: number; text: string; leader: string | undefined; reason: string }
  | { kind: "unreachable" | "deadline" | "cancelled"; reason: string; err: unknown };

export interface AttemptLimits {
  /** The call's deadline, shared by all its attempts. */
  deadline: AbortSignal;
  /** This attempt's own budget in ms; undefined when it may use the rest of the deadline. */
  budget: number | undefined;
  /** The call's deadline in ms, for the message. */
  timeoutMs: number;
  caller: AbortSignal | undefined;
  /** The most bytes of a body read before the answer counts as a broken replica. @default {@link MAX_ANSWER_BYTES} */
  maxBodyBytes?: number;
}

/**
 * An answer larger than this is not a controller's: a list of 10,000 volumes is about
 * 10 MB. Reading stops there, so a broken or hostile replica cannot fill an agent's memory.
 */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

class AnswerTooLarge extends Error {}

/** The body as text, read up to `max` bytes; AnswerTooLarge (the rest cancelled) past that. */
async function boundedText(response: Response, max: number): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new AnswerTooLarge(`answered more than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** One exchange, body included, classified; never throws. */
export async function attemptReplica(fetcher: typeof fetch, url: string, init: RequestInit, limits: AttemptLimits): Promise<Attempt> {
  const { deadline, budget, timeoutMs, caller } = limits;
  const own = budget === undefined ? undefined : AbortSignal.timeout(Math.max(1, Math.round(budget)));
  const signal = AbortSignal.any([deadline, ...(own ? [own] : []), ...(caller ? [caller] : [])]);
  try {
    const response = await fetcher(url, { ...init, signal });
    const text = await boundedText(response, limits.maxBodyBytes ?? MAX_ANSWER_BYTES);
    if (response.status !== 503) return { kind: "answer", status: response.status, text };
    const body = errorBody.safeParse(tryJson(text));
    const error = body.success ? body.data.error : undefined;
    const leader = leaderHintUrl(response.headers.get(leaderHeader)) ?? leaderHintUrl(error?.leader);
    const said = error?.message ?? (text.trim().slice(0, 200) || "no body");
    return { kind: "unavailable", status: response.status, text, leader, reason: `answered 503 (${said})` };
  } catch (err) {
    if (caller?.aborted) return { kind: "cancelled", reason: "cancelled", err };
    if (deadline.aborted) return { kind: "deadline", reason: `unreachable: no answer within ${timeoutMs} ms`, err };
    if (err instanceof AnswerTooLarge) return { kind: "unreachable", reason: err.message, err };
    const reason = own?.aborted ? `no answer within ${Math.round(budget ?? 0)} ms` : describeNetworkError(err);
    return { kind: "unreachable", reason: `unreachable: ${reason}`, err };
  }
}

/** undici reports "fetch failed" and keeps the useful part (ECONNREFUSED ...) in `cause`. */
function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return err instanceof Error ? err.message : String(err);
}

export function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
