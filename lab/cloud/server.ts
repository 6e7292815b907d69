/**
 * The HTTP front: `POST /` speaks the EC2 Query API, `/2015-02-01/*` the EFS REST-JSON API
 * (efs/http.ts); `/_swarmvol/*` is the admin surface tests and drills use (faults, event
 * log, state, instance state, NFS exports).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { actions } from "./actions.js";
import type { CloudEngine } from "./engine.js";
import { Ec2Error, errors } from "./ec2Error.js";
import { EFS_PREFIX, efsOutcome } from "./efs/http.js";
import { exportsOf } from "./efs/transitions.js";
import { findOverlaps } from "./eventLog.js";
import { applyFaultsPatch, injectedError, lostResponse, requestDelayMs, type FaultsPatch } from "./faults.js";
import { requestId } from "./rng.js";
import { instanceStateCodes, type InstanceStateName } from "./types.js";
import { errorXml, responseXml } from "./xml.js";

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("request body too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, type: string, body: string, reqId?: string): void {
  const headers: Record<string, string | number> = { "content-type": type, "content-length": Buffer.byteLength(body) };
  if (reqId !== undefined) headers["x-amzn-requestid"] = reqId;
  res.writeHead(status, headers);
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, "application/json", JSON.stringify(value, null, 1));
}

/**
 * One EC2 Query API request → one XML response. Faults around the action: a slow
 * Describe* waits first (outside the exclusive section, so it delays nobody else), an
 * injected error replaces the action, a lost response follows it (the change is made and
 * persisted, then the client gets no answer or a 500).
 */
async function handleEc2(engine: CloudEngine, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const params = new URLSearchParams(req.method === "POST" ? await readBody(req) : url.search);
  const reqId = requestId(engine.rng);
  const action = params.get("Action") ?? "";
  try {
    if (action === "") throw errors.missingAction();
    const handler = actions[action];
    if (handler === undefined) throw errors.invalidAction(action);
    const delayMs = requestDelayMs(engine.faults, action);
    if (delayMs > 0) await engine.clock.sleep(delayMs);
    const fault = injectedError(engine.faults, action, engine.rng);
    if (fault !== undefined) throw fault;
    const members = await engine.exclusive(() => handler(engine, params));
    const lost = lostResponse(engine.faults, action, engine.rng);
    if (lost !== undefined) engine.logger.warn({ action, reqId, lost }, "fault: answer of an applied request lost");
    if (lost === "drop") {
      res.destroy();
      return;
    }
    if (lost === "error") throw errors.internal();
    send(res, 200, "text/xml;charset=UTF-8", responseXml(action, reqId, members), reqId);
  } catch (err) {
    const e = err instanceof Ec2Error ? err : errors.internal();
    if (!(err instanceof Ec2Error)) engine.logger.error({ err, action }, "unexpected failure in action");
    send(res, e.status, "text/xml;charset=UTF-8", errorXml(e.code, e.message, reqId), reqId);
  }
}

/** One EFS request: JSON or an empty 204, the code in `x-amzn-errortype` on errors, or a dropped connection. */
async function handleEfs(engine: CloudEngine, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? "GET";
  const outcome = await efsOutcome(engine, method, url, method === "POST" ? await readBody(req) : "");
  if (outcome === "drop") {
    res.destroy();
    return;
  }
  const headers: Record<string, string | number> = { "x-amzn-requestid": outcome.reqId };
  if (outcome.errorType !== undefined) headers["x-amzn-errortype"] = outcome.errorType;
  if (outcome.body === "") {
    res.writeHead(outcome.status, { ...headers, "content-length": 0 });
    res.end();
    return;
  }
  res.writeHead(outcome.status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(outcome.body) });
  res.end(outcome.body);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  try {
    return text.trim() === "" ? {} : (JSON.parse(text) as unknown);
  } catch {
    throw new TypeError("body is not valid JSON");
  }
}

async function setInstanceState(engine: CloudEngine, id: string, body: unknown): Promise<unknown> {
  const state = (body as { state?: unknown }).state;
  if (typeof state !== "string" || !(state in instanceStateCodes)) {
    throw new TypeError(`\`state\` must be one of ${Object.keys(instanceStateCodes).join(", ")}`);
  }
  return engine.exclusive(async () => {
    const instance = engine.state.instances[id];
    if (instance === undefined) return undefined;
    await engine.setInstanceState(instance, state as InstanceStateName);
    return instance;
  });
}

/** Marks a snapshot as behind a registered image (`{"inUseBy":"ami-…"}`), or clears it (`null`). */
async function setSnapshotUse(engine: CloudEngine, id: string, body: unknown): Promise<unknown> {
  const by = (body as { inUseBy?: unknown }).inUseBy;
  if (by !== null && (typeof by !== "string" || !/^ami-[0-9a-f]{8,17}$/.test(by))) {
    throw new TypeError("`inUseBy` must be an image id like ami-0123456789abcdef0, or null");
  }
  return engine.exclusive(() => {
    const snap = engine.state.snapshots[id];
    if (snap === undefined) return undefined;
    if (by === null) delete snap.inUseBy;
    else snap.inUseBy = by;
    return snap;
  });
}

/** Admin routes under /_swarmvol/. Returns false when nothing matched. */
async function handleAdmin(engine: CloudEngine, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const route = `${req.method ?? "GET"} ${url.pathname}`;
  if (route === "GET /_swarmvol/health") sendJson(res, 200, { ok: true });
  else if (route === "GET /_swarmvol/faults") sendJson(res, 200, engine.faults);
  else if (route === "POST /_swarmvol/faults") {
    engine.faults = applyFaultsPatch(engine.faults, (await readJson(req)) as FaultsPatch);
    sendJson(res, 200, engine.faults);
  } else if (route === "GET /_swarmvol/log") {
    await engine.log.flush();
    const events = engine.log.list(Number(url.searchParams.get("since") ?? 0));
    sendJson(res, 200, { events, overlaps: findOverlaps(engine.log.list()) });
  } else if (route === "GET /_swarmvol/efs/exports") {
    sendJson(res, 200, { mountAddress: engine.efs.mountAddress ?? null, exports: await engine.exclusive(() => exportsOf(engine.state.efs)) });
  } else if (route === "GET /_swarmvol/state") {
    sendJson(res, 200, await engine.exclusive(() => engine.state));
  } else if (req.method === "POST" && url.pathname.startsWith("/_swarmvol/instances/")) {
    const id = decodeURIComponent(url.pathname.slice("/_swarmvol/instances/".length));
    const instance = await setInstanceState(engine, id, await readJson(req));
    if (instance === undefined) sendJson(res, 404, { error: `no instance ${id}` });
    else sendJson(res, 200, instance);
  } else if (req.method === "POST" && url.pathname.startsWith("/_swarmvol/snapshots/")) {
    const id = decodeURIComponent(url.pathname.slice("/_swarmvol/snapshots/".length));
    const snap = await setSnapshotUse(engine, id, await readJson(req));
    if (snap === undefined) sendJson(res, 404, { error: `no snapshot ${id}` });
    else sendJson(res, 200, snap);
  } else return false;
  return true;
}

/** The request listener for node:http. */
export function requestHandler(engine: CloudEngine): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://emulator");
    const work = url.pathname.startsWith("/_swarmvol/")
      ? handleAdmin(engine, req, res, url).then((matched) => {
          if (!matched) sendJson(res, 404, { error: `no route ${req.method} ${url.pathname}` });
        })
      : url.pathname.startsWith(EFS_PREFIX) ? handleEfs(engine, req, res, url) : handleEc2(engine, req, res, url);
    work.catch((err: unknown) => {
      const status = err instanceof TypeError ? 400 : 500;
      if (status === 500) engine.logger.error({ err }, "admin request failed");
      if (!res.headersSent) sendJson(res, status, { error: err instanceof Error ? err.message : String(err) });
    });
  };
}
