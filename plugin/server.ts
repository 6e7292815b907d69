import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { clipped, ErrorCode, invalidArgument, isSwarmvolError, toSwarmvolError, type SwarmvolError } from "../core/errors.js";
import type { AgentMetrics } from "../core/metrics.js";
import type { Logger } from "../core/ports.js";
import { answerClientError } from "../api/clientErrors.js";
import { applyServerLimits, lateBodyStatus, readBodyWithin, type ResolvedLimits, type ServerLimits } from "../api/serverLimits.js";
import type { VolumeDriver } from "./driver.js";
import { activateManifest, maxBodyBytes, pluginContentType, pluginPaths, type PluginPath } from "./protocol.js";

type Body = Record<string, unknown>;
type Handler = (driver: VolumeDriver, body: Body) => Promise<Record<string, unknown>>;

/** The route table: decode, call the driver, encode. No logic lives here. */
const handlers: Record<PluginPath, Handler> = {
  "/Plugin.Activate": async () => ({ ...activateManifest }),
  "/VolumeDriver.Create": async (d, b) => (await d.create(b.Name, optsOf(b)), {}),
  "/VolumeDriver.Remove": async (d, b) => (await d.remove(b.Name), {}),
  "/VolumeDriver.Mount": async (d, b) => ({ Mountpoint: await d.mount(b.Name, b.ID) }),
  "/VolumeDriver.Unmount": async (d, b) => (await d.unmount(b.Name, b.ID), {}),
  "/VolumeDriver.Path": async (d, b) => ({ Mountpoint: await d.path(b.Name) }),
  "/VolumeDriver.Get": async (d, b) => ({ Volume: await d.get(b.Name) }),
  "/VolumeDriver.List": async (d) => ({ Volumes: await d.list() }),
  "/VolumeDriver.Capabilities": async () => ({ Capabilities: { Scope: "global" } }),
};

/** Calls that always carry a volume name: an empty body there is dockerd's bodiless resend. */
const namedPaths: ReadonlySet<string> = new Set(["/VolumeDriver.Create", "/VolumeDriver.Remove", "/VolumeDriver.Mount", "/VolumeDriver.Unmount", "/VolumeDriver.Path", "/VolumeDriver.Get"]);

/** How long the server keeps an idle connection open; dockerd closes its own long before. */
const idleConnectionMs = 60 * 60 * 1000;

function optsOf(body: Body): Record<string, unknown> | null {
  const opts = body.Opts;
  if (opts === undefined || opts === null) return null;
  if (typeof opts !== "object" || Array.isArray(opts)) {
    throw invalidArgument("Opts must be a JSON object of string options, like {\"size\":\"10GiB\"}");
  }
  return opts as Record<string, unknown>;
}

class ProtocolError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface PluginServerOptions {
  driver: VolumeDriver;
  logger: Logger;
  /** Counts every request by verb and result, and times Mount. Absent: not measured. */
  metrics?: Pick<AgentMetrics, "pluginRequest">;
  /**
   * Header, request and body deadlines (api/serverLimits.ts). No connection limit by
   * default: dockerd is the only client (the socket is root's), it opens one connection per
   * call in flight, and a connection refused makes it resend without the body (moby#39331).
   */
  limits?: ServerLimits;
}

/** `/VolumeDriver.Mount` → `Mount`; a path swarmvol does not serve → `unknown` (bounded label values). */
export function verbOf(path: string): string {
  return (pluginPaths as readonly string[]).includes(path) ? path.slice(path.indexOf(".") + 1) : "unknown";
}

/**
 * Serves the plugin protocol on node:http. Domain errors answer HTTP 200 with `Err` (Docker
 * shows the message as is); protocol errors (unknown path, bad JSON, oversized body) answer
 * 4xx with `Err`, which Docker prefixes with the method name.
 */
export class PluginServer {
  readonly server: Server;
  private readonly limits: ResolvedLimits;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: PluginServerOptions) {
    this.server = createServer((req, res) => void this.handle(req, res));
    // dockerd reuses idle connections and, when one it sends on turns out closed (EOF),
    // resends the call WITHOUT its body (moby#39331, pkg/plugins callWithRetry): with
    // Node's 5 s idle close, a busy node raced that and got "missing volume name". The
    // client keeps at most two idle connections per plugin, so waiting for it to close
    // them costs nothing; an hour is only the bound on a client that never does.
    this.server.keepAliveTimeout = idleConnectionMs;
    this.limits = applyServerLimits(this.server, options.limits);
    this.server.on("clientError", (err: Error, socket) => answerClientError(err, socket, (message) => JSON.stringify({ Err: message })));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight += 1;
    const path = (req.url ?? "").split("?")[0] ?? "";
    const started = process.hrtime.bigint();
    let result = "ok";
    try {
      const answer = await this.answer(req, path);
      send(res, 200, answer);
    } catch (err) {
      if (err instanceof ProtocolError) {
        result = "PROTOCOL";
        send(res, err.status, { Err: err.message });
      } else {
        const domain = toSwarmvolError(err);
        result = domain.code;
        this.logFailure(path, domain);
        send(res, 200, { Err: domain.message });
      }
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      this.options.logger.debug({ path, ms }, "plugin call");
      this.options.metrics?.pluginRequest(verbOf(path), result, ms / 1000);
      this.inFlight -= 1;
      if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
    }
  }

  private async answer(req: IncomingMessage, path: string): Promise<Record<string, unknown>> {
    const handler = (handlers as Record<string, Handler | undefined>)[path];
    if (!handler) throw new ProtocolError(404, `unknown endpoint ${clipped(path)}; swarmvol serves ${pluginPaths.join(", ")}`);
    if (req.method !== "POST") throw new ProtocolError(405, `${path} takes POST, not ${clipped(req.method ?? "?")}`);
    const body = await readBodyWithin(req, this.limits, () => readJsonBody(req)).catch((err: unknown) => {
      throw isSwarmvolError(err, ErrorCode.Timeout) ? new ProtocolError(lateBodyStatus, err.message) : err;
    });
    if (Object.keys(body).length === 0 && namedPaths.has(path)) {
      throw new ProtocolError(400, `${path} came with an empty body; dockerd resends a call without its body after a broken plugin connection (moby#39331), and the next attempt carries the volume's name`);
    }
    return handler(this.options.driver, body);
  }

  private logFailure(path: string, err: SwarmvolError): void {
    // Docker asks Get before every Create: "no such volume" is its normal first answer.
    const level = err.code === ErrorCode.Internal ? "error" : err.code === ErrorCode.NotFound ? "debug" : "warn";
    this.options.logger[level]({ path, code: err.code, err: err.message }, "plugin call failed");
  }

  listen(socketPath: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(socketPath, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  /** Stops accepting connections and resolves once every in-flight call has answered. */
  async drain(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.server.closeAllConnections();
    await closed;
  }
}

/** Reads the body whatever the Content-Type (Docker sends none); empty means `{}`. */
async function readJsonBody(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let total = 0;
  // Past the cap the rest is read and dropped (so the caller can read our answer), up to a
  // hard limit beyond which the connection is cut.
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > 16 * maxBodyBytes) req.destroy();
    if (total <= maxBodyBytes) chunks.push(chunk as Buffer);
  }
  if (total > maxBodyBytes) throw new ProtocolError(413, `request body over ${maxBodyBytes} bytes; plugin requests are small JSON objects`);
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ProtocolError(400, `malformed JSON in request body (${(err as Error).message}); send a JSON object like {"Name":"data"}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ProtocolError(400, "request body must be a JSON object like {\"Name\":\"data\"}");
  }
  return parsed as Body;
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  // A body that came too late is still on the wire: close rather than read the rest.
  const close = status === lateBodyStatus ? { Connection: "close" } : {};
  res.writeHead(status, { ...close, "Content-Type": pluginContentType, "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
