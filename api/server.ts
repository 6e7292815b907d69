import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { clipped, ErrorCode, notFound, toSwarmvolError, unauthenticated } from "../core/errors.js";
import { accessDenial, type Access, type Identity } from "../core/identity.js";
import type { LeadershipView } from "../core/leadership.js";
import type { Logger } from "../core/ports.js";
import { leaderHeader, type ErrorBody } from "./contract.js";
import type { RouteDoc } from "./route.js";
import { answerClientError } from "./clientErrors.js";
import { httpStatusOf } from "./httpStatus.js";
import { applyServerLimits, readBodyWithin, type ResolvedLimits, type ServerLimits } from "./serverLimits.js";
import { clientWentAway, decodePart, parseTarget, readBody, send, sendAnswer, statusOverride } from "./wire.js";

/** What a route gets: path parameters, the parsed JSON body (POST), the query, the headers. */
export interface RouteRequest {
  params: string[];
  body: Record<string, unknown>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

/** A JSON answer, `{ text, contentType? }` for text (Prometheus' exposition), a {@link StreamAnswer}, or undefined for 204. */
export type RouteAnswer = unknown;

/**
 * An answer that keeps the response open (server-sent events): the server hands it the
 * request and response once the route has run, and from then on the stream owns both,
 * cleanup on the client's close included. Errors before `open` are answered as usual.
 */
export interface StreamAnswer {
  readonly kind: "stream";
  open(req: IncomingMessage, res: ServerResponse): void;
}

function isStreamAnswer(answer: RouteAnswer): answer is StreamAnswer {
  return typeof answer === "object" && answer !== null && (answer as Partial<StreamAnswer>).kind === "stream" && typeof (answer as Partial<StreamAnswer>).open === "function";
}

interface RouteBase {
  method: "GET" | "POST" | "DELETE";
  pattern: RegExp;
  /** Its path, schemas and answer, as the API document shows them (api/route.ts builds both). */
  doc: RouteDoc;
  handle(request: RouteRequest): Promise<RouteAnswer> | RouteAnswer;
  /**
   * Also served by a replica that holds the leader lease but is still restoring its state
   * (LeadershipView.restoring), where other routes answer 503. @default false
   */
  whileRestoring?: boolean;
}

/**
 * One route and who may call it (core/identity.ts `Access`); declared with `route()`
 * (api/route.ts), which checks its request against its schemas before `handle` runs. `public` routes need no token
 * and answer on every replica, standbys included: health and metrics only. A `node` route
 * names the node it acts for (`nodeOf`: a path parameter or a body field), and the server
 * checks it against the caller's token before `handle` runs.
 */
export type Route = RouteBase & (
  | { access: Exclude<Access, "node"> }
  | { access: "node"; nodeOf(request: RouteRequest): unknown }
);

/** What tells a bearer token's owner (api/credentials.ts `Credentials`). */
export interface Authenticator {
  identify(token: string): Identity | undefined;
}

export interface ApiServerOptions {
  routes: readonly Route[];
  logger: Logger;
  /**
   * Who a bearer token proves (api/credentials.ts). Undefined: no route needs a token and
   * none is checked (the loopback all-in-one, which serves no node or operator route).
   */
  credentials: Authenticator | undefined;
  /**
   * Leadership among the controller replicas. While this replica is not the leader, every
   * route but the public ones answers 503 UNAVAILABLE naming the leader (api/contract.ts).
   * Absent: this server always serves (a lone controller, all-in-one).
   */
  leadership?: LeadershipView;
  /**
   * Connection and request bounds (api/serverLimits.ts); `maxConnections` defaults to
   * {@link defaultMaxApiConnections} here: every agent keeps a few (heartbeat, held claims).
   */
  limits?: ServerLimits;
}

/** Connections the API serves at once unless told: room for about 500 agents and the CLI. */
export const defaultMaxApiConnections = 2048;

/** Idle keep-alive connections are closed after this; well above undici's 4 s. */
const idleConnectionMs = 65_000;

/**
 * The HTTP API: a route table on node:http. Errors carry the stable domain code:
 * `{"error":{"code","message"}}` with the status from httpStatus.ts. No request can take
 * the process down: everything from parsing the target on runs inside the handler's
 * catch, and whatever still escapes is caught, logged and answered 500 if it can be.
 */
export class ApiServer {
  readonly server: Server;
  readonly limits: ResolvedLimits;

  constructor(private readonly options: ApiServerOptions) {
    this.server = createServer((req, res) => {
      res.on("error", (err) => options.logger.debug({ err: err.message }, "api answer not delivered"));
      this.handle(req, res).catch((err: unknown) => this.lastResort(req, res, err));
    });
    // The client closes idle connections first (undici after 4 s): a server that closed at
    // Node's 5 s raced a reused connection on a loaded node ("other side closed").
    this.server.keepAliveTimeout = idleConnectionMs;
    this.limits = applyServerLimits(this.server, { maxConnections: defaultMaxApiConnections, ...options.limits });
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
      const caller = route.access === "public" ? undefined : this.authenticate(req);
      if (route.access !== "public" && this.answeredAsStandby(res, route)) return;
      const body = req.method === "POST" ? await readBodyWithin(req, this.limits, () => readBody(req)) : {};
      const request: RouteRequest = { params, body, query: url.searchParams, headers: req.headers };
      if (caller !== undefined) this.authorize(caller, route, request, path);
      const answer = await route.handle(request);
      if (res.destroyed) return this.options.logger.debug({ path }, "client went away before the answer");
      if (isStreamAnswer(answer)) return answer.open(req, res);
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
    // Over the cap, or too late, the rest of the body is still on the wire: close rather than read it.
    const headers: Record<string, string> = status === 413 || status === 408 ? { Connection: "close" } : {};
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
    throw notFound(`no route ${clipped(method)} ${clipped(path)}; GET /v1/openapi.json lists the API's routes`);
  }

  /**
   * The caller `Authorization: Bearer <token>` proves (the scheme in any case; a bare token
   * is refused); UNAUTHENTICATED for a missing, malformed or unknown token. Undefined on an
   * open server. The token is never logged nor echoed.
   */
  private authenticate(req: IncomingMessage): Identity | undefined {
    const credentials = this.options.credentials;
    if (credentials === undefined) return undefined;
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "");
    const caller = bearer?.[1] === undefined ? undefined : credentials.identify(bearer[1]);
    if (caller === undefined) {
      throw unauthenticated("missing or wrong API token: an agent sends its node's own token (`swarmvol token node NODE_ID` on a manager), "
        + "an operator the controllers' secret (SWARMVOL_TOKEN_FILE), as `Authorization: Bearer <token>`");
    }
    return caller;
  }

  /** PERMISSION_DENIED (logged, with who and for whom, never the token) unless `caller` may make this call. */
  private authorize(caller: Identity, route: Route, request: RouteRequest, path: string): void {
    const target = route.access === "node" ? route.nodeOf(request) : undefined;
    const denial = accessDenial(caller, route.access, target);
    if (denial === undefined) return;
    if (denial.code === ErrorCode.PermissionDenied) {
      const who = caller.kind === "node" ? caller.nodeId : "operator";
      this.options.logger.warn({ path, caller: who, target: typeof target === "string" ? target.slice(0, 128) : undefined }, "api call refused for this identity");
    }
    throw denial;
  }

  /** On a standby: the contract's 503 naming the leader when it is known. */
  private answeredAsStandby(res: ServerResponse, route: Route): boolean {
    const leadership = this.options.leadership;
    if (leadership === undefined || leadership.isLeader()) return false;
    if (route.whileRestoring === true && leadership.restoring?.() === true) return false;
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
