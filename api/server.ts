import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { notFound, toSwarmvolError } from "../core/errors.js";
import type { Catalog, Logger } from "../core/ports.js";
import { httpStatusOf } from "./httpStatus.js";

export interface ApiDeps {
  catalog: Catalog;
  logger: Logger;
  /** Reports what this process is serving, for `GET /v1/health`. */
  health: () => Record<string, unknown>;
}

type Route = (match: RegExpExecArray) => unknown;

/**
 * The operator API (read-only in this version): health and the volume catalog as JSON.
 * Errors carry the stable domain code: `{"error":{"code","message"}}`.
 */
export class ApiServer {
  readonly server: Server;
  private readonly routes: Array<[RegExp, Route]>;

  constructor(private readonly deps: ApiDeps) {
    this.routes = [
      [/^\/v1\/health$/, () => ({ status: "ok", ...deps.health() })],
      [/^\/v1\/volumes$/, () => ({ volumes: deps.catalog.list() })],
      [/^\/v1\/volumes\/([^/]+)$/, (match) => this.volume(decodeURIComponent(match[1] ?? ""))],
    ];
    this.server = createServer((req, res) => this.handle(req, res));
  }

  private volume(name: string): unknown {
    const record = this.deps.catalog.get(name);
    if (!record) throw notFound(`no such volume "${name}"`, { name });
    return record;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    try {
      if (req.method !== "GET") throw notFound(`no route ${req.method ?? "?"} ${path}; this API version is read-only (GET)`);
      for (const [pattern, route] of this.routes) {
        const match = pattern.exec(path);
        if (match) return sendJson(res, 200, route(match));
      }
      throw notFound(`no route GET ${path}; try /v1/health or /v1/volumes`);
    } catch (err) {
      const domain = toSwarmvolError(err);
      sendJson(res, httpStatusOf[domain.code], { error: { code: domain.code, message: domain.message } });
    }
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
