/**
 * A route's JSON answer with another status than 200 and headers of its own: 202 Accepted
 * with `Location` for work that goes on after the answer (an operator's move, ADR 0023).
 * api/server.ts sends it; a route declares it with `answer: { status: 202, schema }`.
 */

export interface StatusAnswer {
  readonly kind: "status";
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** 202 Accepted: the work goes on after the answer; `location` is where to follow it. */
export function accepted(body: unknown, location: string): StatusAnswer {
  return { kind: "status", status: 202, body, headers: { Location: location } };
}

export function isStatusAnswer(answer: unknown): answer is StatusAnswer {
  return typeof answer === "object" && answer !== null && (answer as Partial<StatusAnswer>).kind === "status" && typeof (answer as Partial<StatusAnswer>).status === "number";
}
