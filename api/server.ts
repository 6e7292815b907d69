import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ErrorCode, invalidArgument, notFound, toSwarmvolError, unauthenticated } from "../core/errors.js";
import type { Logger } from "../core/ports.js";
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
  /** Routes without auth: health and metrics only. */
  public?: boolean;
  handle(request: RouteRequest): Promise<RouteAnswer> | RouteAnswer;
}

export interface ApiServerOptions {
  routes: readonly Route[];
  logger: Logger;
  /** Shared bearer token; when undefined, no route needs one (loopback all-in-one). */
  token: string | undefined;
}

const maxBodyBytes = 1024 * 1024;

/**
 * The HTTP API: a route table on node:http. Errors carry the stable domain code:
 * `{"error":{"code","message"}}` with the status from httpStatus.ts.
 */
export class ApiServer {
  readonly server: Server;

  constructor(private readonly options: ApiServerOptions) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://swarmvol");
    try {
      const { route, params } = this.match(req.method ?? "GET", url.pathname);
      if (!route.public) this.authorize(req);
      const body = req.method === "POST" ? await readBody(req) : {};
      const answer = await route.handle({ params, body, query: url.searchParams });
      if (answer === undefined) {
        res.writeHead(204).end();
      } else if (typeof answer === "object" && answer !== null && "text" in answer) {
        send(res, 200, "text/plain; version=0.0.4", String((answer as { text: string }).text));
      } else {
        send(res, 200, "application/json", JSON.stringify(answer));
      }
    } catch (err) {
      const domain = toSwarmvolError(err);
      if (domain.code === ErrorCode.Internal) this.options.logger.error({ path: url.pathname, err: domain.message }, "api call failed");
      send(res, httpStatusOf[domain.code], "application/json", JSON.stringify({ error: { code: domain.code, message: domain.message } }));
    }
  }

  private match(method: string, path: string): { route: Route; params: string[] } {
    for (const route of this.options.routes) {
      const found = route.pattern.exec(path);
      if (found && route.method === method) return { route, params: found.slice(1).map((part) => decodeURIComponent(part ?? "")) };
    }
    throw notFound(`no route ${method} ${path}; see api/contract.ts for the API`);
  }

  private authorize(req: IncomingMessage): void {
    const token = this.options.token;
    if (token === undefined) return;
    const given = Buffer.from((req.headers.authorization ?? "").replace(/^Bearer /, ""));
    const expected = Buffer.from(token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw unauthenticated("missing or wrong API token: give every agent and the CLI the controller's token (SWARMVOL_TOKEN)");
    }
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

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > maxBodyBytes) throw invalidArgument(`request body over ${maxBodyBytes} bytes`);
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

function send(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
