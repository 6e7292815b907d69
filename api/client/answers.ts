/**
 * What a controller replica's HTTP answer means to the agent, as domain errors: the
 * controller's own code and message when its error body has them, a named failure
 * otherwise. Pure: the client (apiClient.ts) does the asking.
 */
import type { z } from "zod";
import { ErrorCode, internal, invalidArgument, SwarmvolError, unavailable } from "../../core/errors.js";
import { errorBody } from "../schemas/bodies.js";
import { problemOf } from "../schemas/issues.js";
import { normalizeUrl } from "./endpointPreference.js";
import { tryJson, type Attempt } from "./replicaAttempt.js";

const knownCodes: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** The controller's error body becomes the same domain error; anything else is named. */
export function domainErrorOf(status: number, path: string, text: string, url: string): SwarmvolError {
  const body = errorBody.safeParse(tryJson(text));
  if (body.success && knownCodes.has(body.data.error.code)) {
    return new SwarmvolError(body.data.error.code as ErrorCode, body.data.error.message, { status });
  }
  const said = text.trim().slice(0, 200);
  const where = `controller at ${url} answered ${path} with HTTP ${status}`;
  if (status === 502 || status === 503 || status === 504) {
    return unavailable(`${where} (${said || "no body"}); is \`swarmvol controller\` running?`, { status });
  }
  return internal(`${where} and no swarmvol error body (${said || "empty"}); is ${url} a swarmvol controller?`, { status });
}

export function malformedAnswer(path: string, what: string, url: string): SwarmvolError {
  return internal(`controller at ${url} answered ${path} with an unexpected body (${what}); are the agent and controller the same swarmvol version?`);
}

export function checkBaseUrl(raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw invalidArgument(`invalid controller URL "${raw}": use http://HOST:PORT, like http://10.213.0.11:7750`);
  }
  return normalizeUrl(raw);
}

/**
 * A 2xx body as `schema` reads it (empty is undefined, anything else must be JSON); a body
 * that does not fit is INTERNAL naming the replica, the path and the first field that is
 * wrong, never a TypeError further on.
 */
export function parsedAnswer<S extends z.ZodType>(schema: S, text: string, path: string, url: string): z.output<S> {
  const parsed = text.trim() === "" ? undefined : tryJson(text);
  if (parsed === undefined && text.trim() !== "") throw malformedAnswer(path, "body is not JSON", url);
  const result = schema.safeParse(parsed);
  if (!result.success) throw malformedAnswer(path, problemOf(result.error, "field", parsed === undefined ? "the empty body" : "the body"), url);
  return result.data;
}

/** A replica asked that did not serve, and what it came to. */
export interface Tried {
  url: string;
  attempt: Exclude<Attempt, { kind: "answer" }>;
}

/**
 * No replica served: one replica's failure in its own words (a lone 503 keeps the
 * controller's error), several as one UNAVAILABLE naming each replica and what it said.
 */
export function noneServed(path: string, tried: readonly Tried[]): SwarmvolError {
  const [only] = tried;
  if (only === undefined) {
    return unavailable(`no controller replica known to ask ${path}: give \`swarmvol agent --controller URL\` or run the agent on a swarm node that knows its managers`);
  }
  const { url, attempt } = only;
  if (attempt.kind === "cancelled") return unavailable(`call to the controller at ${url} cancelled`, {}, attempt.err);
  if (tried.length === 1) {
    if (attempt.kind === "unavailable") return domainErrorOf(attempt.status, path, attempt.text, url);
    return unavailable(`controller at ${url} ${attempt.reason}; is \`swarmvol controller\` running?`, { url }, attempt.err);
  }
  const said = tried.map((entry) => `${entry.url} ${entry.attempt.reason}`).join("; ");
  return unavailable(
    `no controller replica served ${path} (${said}); is \`swarmvol controller\` running on the managers, and has one been elected leader?`,
    { tried: tried.map((entry) => entry.url) },
  );
}
