import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { clipped, ErrorCode, invalidArgument, notFound, quoted, SwarmvolError, toSwarmvolError, unauthenticated } from "../core/errors.js";
import type { LeadershipView } from "../core/leadership.js";
import type { Logger } from "../core/ports.js";
import { leaderHeader, type ErrorBody } from "./contract.js";
import { answerClientError } from "./clientErrors.js";
import { httpStatusOf } from "./httpStatus.js";

/** What a route gets: path parameters, the parsed JSON body (POST), the query. */
export interface RouteRequest {
  params: string[];
  body: Record<string, unknown>;
  query: URLSearchParams;
}

/** A JSON answer, or `{ text }` for plain text (Prometheus), or undefined for 204. */
export type RouteAnswer = unknown;

export interface Route {
  method: "GET" | "POST" | "DELETE";
  pattern: RegExp;
  /** Routes without auth that answer on every replica, standbys included: health and metrics only. */
  public?: boolean;
  handle(request: RouteRequest): Promise<RouteAnswer> | RouteAnswer;
}

export interface ApiServerOptions {
  routes: readonly Route[];
  logger: Logger;
  /** Shared bearer token; when undefined, no route needs one (loopback all-in-one). */
  token: string | undefined;
  /**
   * Leadership among the controller replicas. While this replica is not the leader, every
   * route but the public ones answers 503 UNAVAILABLE naming the leader (api/contract.ts).
   * Absent: this server always serves (a lone controller, all-in-one).
   */
  leadership?: LeadershipView;
}

const maxBodyBytes = 1024 * 1024;
/**
 * An error thrown at this edge may carry `details.httpStatus` for a status more precise
 * than its code's: a body over the cap is INVALID_ARGUMENT, sent as 413 (400 would say
 * the JSON was wrong; LIMIT_EXCEEDED's 429 would say "later", and later is no better).
 */
const statusOverride = "httpStatus";

/**
 * The HTTP API: a route table on node:http. Errors carry the stable domain code:
 * `{"error":{"code","message"}}` with the status from httpStatus.ts. No request can take
 * the process down: everything from parsing the target on runs inside the handler's
 * catch, and whatever still escapes is caught, logged and answered 500 if it can be.
 */
export class ApiServer {
  readonly server: Server;

  constructor(private readonly options: ApiServerOptions) {
    this.server = createServer((req, res) => {
      res.on("error", (err) => options.logger.debug({ err: err.message }, "api answer not delivered"));
      this.handle(req, res).catch((err: unknown) => this.lastResort(req, res, err));
    });
    this.server.on("clientError", (err: Error, socket) => answerClientError(err, socket, (message) => {
      const body: ErrorBody = { error: { code: ErrorCode.InvalidArgument, message } };
      return JSON.stringify(body);
    }));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let path = req.url ?? "/";
    try {
      const url = parseTarget(req.url);
      path = url.pathname;
      const { route, params } = this.match(req.method ?? "GET", url.pathname);
      if (!route.public) {
        this.authorize(req);
        if (this.answeredAsStandby(res)) return;
      }
      const body = req.method === "POST" ? await readBody(req) : {};
      const answer = await route.handle({ params, body, query: url.searchParams });
      if (res.destroyed) return this.options.logger.debug({ path }, "client went away before the answer");
      sendAnswer(res, answer);
    } catch (err) {
      this.fail(req, res, path, err);
    }
  }

  /** A failed request: its domain error in the contract's shape, unless nobody is listening. */
  private fail(req: IncomingMessage, res: ServerResponse, path: string, err: unknown): void {
    const { logger } = this.options;
    if (clientWentAway(req, res, err)) return logger.debug({ path }, "client went away before the answer");
    const domain = toSwarmvolError(err);
    if (domain.code === ErrorCode.Internal) logger.error({ path, err: domain.message }, "api call failed");
    if (res.headersSent) {
      logger.error({ path, err: domain.message }, "api call failed after its answer began");
      res.destroy();
      return;
    }
    const override = domain.details[statusOverride];
    const status = typeof override === "number" ? override : httpStatusOf[domain.code];
    // Over the cap the rest of the body is still on the wire: close rather than read it.
    const headers: Record<string, string> = status === 413 ? { Connection: "close" } : {};
    const body: ErrorBody = { error: { code: domain.code, message: domain.message } };
    send(res, status, "application/json", JSON.stringify(body), headers);
  }

  /** Whatever escaped `handle` (a bug there or in sending): logged, never an unhandled rejection. */
  private lastResort(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    try {
      this.options.logger.error({ path: req.url, err: err instanceof Error ? err.message : String(err) }, "api request handler failed");
      if (res.headersSent || res.destroyed) return void res.destroy();
      send(res, 500, "application/json", JSON.stringify({ error: { code: ErrorCode.Internal, message: "internal error answering this request; see the controller's log" } }));
    } catch {
      res.destroy();
    }
  }

  private match(method: string, path: string): { route: Route; params: string[] } {
    for (const route of this.options.routes) {
      const found = route.pattern.exec(path);
      if (found && route.method === method) return { route, params: found.slice(1).map((part) => decodePart(part ?? "")) };
    }
    throw notFound(`no route ${clipped(method)} ${clipped(path)}; see api/contract.ts for the API`);
  }

  /** `Authorization: Bearer <token>` exactly (the scheme in any case); a bare token is refused. */
  private authorize(req: IncomingMessage): void {
    const token = this.options.token;
    if (token === undefined) return;
    const bearer = /^Bearer (.*)$/i.exec(req.headers.authorization ?? "");
    const given = Buffer.from(bearer?.[1] ?? "");
    const expected = Buffer.from(token);
    if (!bearer || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw unauthenticated("missing or wrong API token: give every agent and the CLI the controller's token (SWARMVOL_TOKEN), sent as `Authorization: Bearer <token>`");
    }
  }

  /** On a standby: the contract's 503 naming the leader when it is known. */
  private answeredAsStandby(res: ServerResponse): boolean {
    const leadership = this.options.leadership;
    if (leadership === undefined || leadership.isLeader()) return false;
    const leader = leadership.leaderUrl();
    const message = leader === undefined
      ? "this swarmvol controller replica is a standby; no leader is elected yet; retry in a few seconds"
      : `this swarmvol controller replica is a standby; the leader is at ${leader}`;
    const body: ErrorBody = { error: { code: ErrorCode.Unavailable, message, ...(leader === undefined ? {} : { leader }) } };
    send(res, httpStatusOf[ErrorCode.Unavailable], "application/json", JSON.stringify(body), leader === undefined ? {} : { [leaderHeader]: leader });
    return true;
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        const address = this.server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The request target as a URL; `//`, `//x:y` and the like are refused, not thrown. */
function parseTarget(raw: string | undefined): URL {
  try {
    return new URL(raw ?? "/", "http://swarmvol");
  } catch {
    throw invalidArgument(`request target ${quoted(raw ?? "")} is not a valid path; see api/contract.ts for the API`);
  }
}

function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalidArgument(`path segment ${quoted(part)} is not valid percent-encoding`);
  }
}

/** The client closed its end: a read that broke off, or an answer nobody will read. */
function clientWentAway(req: IncomingMessage, res: ServerResponse, err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === "ECONNRESET" || code === "ERR_STREAM_PREMATURE_CLOSE" || code === "EPIPE") return true;
  return !(err instanceof SwarmvolError) && (req.destroyed || res.destroyed);
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
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

function sendAnswer(res: ServerResponse, answer: RouteAnswer): void {
  if (answer === undefined) {
    res.writeHead(204).end();
  } else if (typeof answer === "object" && answer !== null && "text" in answer) {
    send(res, 200, "text/plain; version=0.0.4", String((answer as { text: string }).text));
  } else {
    send(res, 200, "application/json", JSON.stringify(answer));
  }
}

function send(res: ServerResponse, status: number, contentType: string, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, "Content-Type": contentType, "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
