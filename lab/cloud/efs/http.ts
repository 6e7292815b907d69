/**
 * The EFS REST-JSON front: requests under `/2015-02-01/` on the emulator's one port (EC2's
 * Query API is `POST /`). One request → one outcome, with the same fault knobs as EC2: a slow
 * Describe* waits first, an injected error replaces the action (ThrottlingException 429 or
 * InternalServerError 500, the EFS codes), a lost answer follows it.
 */
import type { CloudEngine } from "../engine.js";
import { injectedError, lostResponse, requestDelayMs } from "../faults.js";
import { requestId } from "../rng.js";
import { createAccessPoint, deleteAccessPoint, describeAccessPoints } from "./accessPoints.js";
import { parseBody, type EfsRequest } from "./body.js";
import { EfsError, efsErrors } from "./efsError.js";
import { createFileSystem, deleteFileSystem, describeFileSystems, type EfsResponse } from "./fileSystems.js";
import { createMountTarget, deleteMountTarget, describeMountTargets } from "./mountTargets.js";
import { listTagsForResource, tagResource, untagResource } from "./tags.js";

type Handler = (engine: CloudEngine, request: EfsRequest) => EfsResponse | Promise<EfsResponse>;

interface Route {
  method: string;
  /** Matched against the path after `/2015-02-01`; a group captures the resource id. */
  pattern: RegExp;
  action: string;
  handler: Handler;
}

const routes: readonly Route[] = [
  { method: "POST", pattern: /^\/file-systems$/, action: "CreateFileSystem", handler: createFileSystem },
  { method: "GET", pattern: /^\/file-systems$/, action: "DescribeFileSystems", handler: describeFileSystems },
  { method: "DELETE", pattern: /^\/file-systems\/([^/]+)$/, action: "DeleteFileSystem", handler: deleteFileSystem },
  { method: "POST", pattern: /^\/access-points$/, action: "CreateAccessPoint", handler: createAccessPoint },
  { method: "GET", pattern: /^\/access-points$/, action: "DescribeAccessPoints", handler: describeAccessPoints },
  { method: "DELETE", pattern: /^\/access-points\/([^/]+)$/, action: "DeleteAccessPoint", handler: deleteAccessPoint },
  { method: "POST", pattern: /^\/mount-targets$/, action: "CreateMountTarget", handler: createMountTarget },
  { method: "GET", pattern: /^\/mount-targets$/, action: "DescribeMountTargets", handler: describeMountTargets },
  { method: "DELETE", pattern: /^\/mount-targets\/([^/]+)$/, action: "DeleteMountTarget", handler: deleteMountTarget },
  { method: "POST", pattern: /^\/resource-tags\/(.+)$/, action: "TagResource", handler: tagResource },
  { method: "DELETE", pattern: /^\/resource-tags\/(.+)$/, action: "UntagResource", handler: untagResource },
  { method: "GET", pattern: /^\/resource-tags\/(.+)$/, action: "ListTagsForResource", handler: listTagsForResource },
];

export const EFS_PREFIX = "/2015-02-01/";

/** The EFS action names the emulator answers (for the `actions` fault filter and the docs). */
export const efsActions: readonly string[] = routes.map((r) => r.action);

/** What the server sends: an answer, or nothing at all (a dropped connection). */
export type EfsOutcome = { status: number; body: string; reqId: string; errorType?: string } | "drop";

function match(method: string, pathname: string): { route: Route; id?: string } | undefined {
  const rest = pathname.slice(EFS_PREFIX.length - 1);
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(rest);
    if (m !== null) return { route, ...(m[1] === undefined ? {} : { id: decodeURIComponent(m[1]) }) };
  }
  return undefined;
}

/** EC2's injected faults, in EFS's words. */
function asEfsFault(code: string): EfsError {
  return code === "RequestLimitExceeded" ? efsErrors.throttled() : efsErrors.internal();
}

async function run(engine: CloudEngine, route: Route, request: EfsRequest): Promise<EfsResponse | "drop"> {
  const delayMs = requestDelayMs(engine.faults, route.action);
  if (delayMs > 0) await engine.clock.sleep(delayMs);
  const fault = injectedError(engine.faults, route.action, engine.rng);
  if (fault !== undefined) throw asEfsFault(fault.code);
  const response = await engine.exclusive(() => route.handler(engine, request));
  const lost = lostResponse(engine.faults, route.action, engine.rng);
  if (lost !== undefined) engine.logger.warn({ action: route.action, lost }, "fault: answer of an applied request lost");
  if (lost === "drop") return "drop";
  if (lost === "error") throw efsErrors.internal();
  return response;
}

/** Answers one EFS request (`method`, `url`, the raw body) with what EFS would send. */
export async function efsOutcome(engine: CloudEngine, method: string, url: URL, bodyText: string): Promise<EfsOutcome> {
  const reqId = requestId(engine.rng);
  const found = match(method, url.pathname);
  try {
    if (found === undefined) throw efsErrors.unknownOperation(method, url.pathname);
    const request: EfsRequest = {
      query: url.searchParams, body: method === "POST" ? parseBody(bodyText) : {},
      ...(found.id === undefined ? {} : { pathId: found.id }),
    };
    const response = await run(engine, found.route, request);
    if (response === "drop") return "drop";
    return { status: response.status, body: response.body === undefined ? "" : JSON.stringify(response.body), reqId };
  } catch (err) {
    const e = err instanceof EfsError ? err : efsErrors.internal();
    if (!(err instanceof EfsError)) engine.logger.error({ err, action: found?.route.action }, "unexpected failure in action");
    return { status: e.status, body: JSON.stringify(e.body()), reqId, errorType: e.code };
  }
}
