/**
 * The API server's wire, as plain functions over Node's request and response: the request
 * target and its path parts, the JSON body (capped), the answer's encoding, and whether a
 * failure was only the client going away. api/server.ts routes; this reads and writes.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { invalidArgument, quoted, SwarmvolError } from "../core/errors.js";
import { isStatusAnswer } from "./statusAnswer.js";

const maxBodyBytes = 1024 * 1024;

/**
 * An error thrown at this edge may carry `details.httpStatus` for a status more precise
 * than its code's: a body over the cap is INVALID_ARGUMENT, sent as 413 (400 would say
 * the JSON was wrong; LIMIT_EXCEEDED's 429 would say "later", and later is no better).
 */
export const statusOverride = "httpStatus";

/** The request target as a URL; `//`, `//x:y` and the like are refused, not thrown. */
export function parseTarget(raw: string | undefined): URL {
  try {
    return new URL(raw ?? "/", "http://swarmvol");
  } catch {
    throw invalidArgument(`request target ${quoted(raw ?? "")} is not a valid path; GET /v1/openapi.json lists the API's routes`);
  }
}

export function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalidArgument(`path segment ${quoted(part)} is not valid percent-encoding`);
  }
}

/** The client closed its end: a read that broke off, or an answer nobody will read. */
export function clientWentAway(req: IncomingMessage, res: ServerResponse, err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === "ECONNRESET" || code === "ERR_STREAM_PREMATURE_CLOSE" || code === "EPIPE") return true;
  return !(err instanceof SwarmvolError) && (req.destroyed || res.destroyed);
}

export async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const tooLarge = () => invalidArgument(`request body over ${maxBodyBytes} bytes`, { [statusOverride]: 413 });
  if (Number(req.headers["content-length"] ?? 0) > maxBodyBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > maxBodyBytes) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw invalidArgument("request body must be a JSON object");
}

export function sendAnswer(res: ServerResponse, answer: unknown): void {
  if (answer === undefined) {
    res.writeHead(204).end();
  } else if (isStatusAnswer(answer)) {
    send(res, answer.status, "application/json", JSON.stringify(answer.body), { ...answer.headers });
  } else if (typeof answer === "object" && answer !== null && "text" in answer) {
    const { text, contentType } = answer as { text: string; contentType?: string };
    send(res, 200, contentType ?? "text/plain; charset=utf-8", String(text));
  } else {
    send(res, 200, "application/json", JSON.stringify(answer));
  }
}

export function send(res: ServerResponse, status: number, contentType: string, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, "Content-Type": contentType, "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
