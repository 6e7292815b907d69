import { clipped, invalidArgument, quoted } from "../core/errors.js";
import { checkNodeId } from "../core/identity.js";
import { validateVolumeName } from "../core/volume.js";
import type { Catalog } from "../core/ports.js";
import type { MetricsExposition } from "../core/metrics.js";
import { notFound } from "../core/errors.js";
import type { HeartbeatRequest } from "./contract.js";
import { metricsRoute } from "./metrics.js";
import type { Route, RouteRequest } from "./server.js";

const name = "([^/]+)";

/**
 * Routes every swarmvol process serves: health and metrics (public), the catalog read side
 * (any token: agents answer Docker's Get and List from it, operators `swarmvol ls`).
 */
export function readRoutes(deps: { catalog: Pick<Catalog, "get" | "list">; metrics: MetricsExposition; health: () => Record<string, unknown> }): Route[] {
  return [
    { method: "GET", pattern: /^\/v1\/health$/, access: "public", handle: () => ({ status: "ok", ...deps.health() }) },
    metricsRoute(deps.metrics),
    { method: "GET", pattern: /^\/v1\/volumes$/, access: "authenticated", handle: () => ({ volumes: deps.catalog.list() }) },
    {
      method: "GET", pattern: new RegExp(`^/v1/volumes/${name}$`), access: "authenticated", handle: ({ params: [volume = ""] }) => {
        const record = deps.catalog.get(volume);
        if (!record) throw notFound(`no such volume ${quoted(volume)}`, { name: clipped(volume) });
        return { volume: record };
      },
    },
  ];
}

/** The controller's side of the agent channel (api/contract.ts). */
export interface ControllerOperations {
  create(name: string, options: Record<string, unknown> | null): Promise<unknown>;
  remove(name: string): Promise<void>;
  markFormatted(name: string): Promise<void>;
  /** `waitMs`: how long a pending answer may be held for a grant (long poll). */
  claim(name: string, nodeId: string, waitMs: number): Promise<unknown>;
  release(name: string, nodeId: string): void;
  /** Whether a Swarm task placed on `nodeId` needs the volume there. */
  wanted(name: string, nodeId: string): { wanted: boolean };
  heartbeat(nodeId: string, request: HeartbeatRequest): Promise<unknown>;
  /** Operator fence (kept in the node's Swarm labels), and taking it back. */
  fence(nodeId: string): Promise<void> | void;
  unfence?(nodeId: string): Promise<void>;
  nodes(): unknown;
}

/**
 * The agents' and operators' routes, each with who may call it (ADR 0011): create, remove
 * and formatted take any token (Docker on any node does these); claims, wanted, release
 * and heartbeats only a node's own token, for the node they name (body or path); fence,
 * unfence and the node list only the operator's.
 */
export function controllerRoutes(ops: ControllerOperations): Route[] {
  const forNode = (request: RouteRequest) => request.body.nodeId;
  const onVolume = (path: string, handle: (volume: string, body: Record<string, unknown>) => unknown): Route => ({
    method: "POST", pattern: new RegExp(`^/v1/volumes/${name}/${path}$`), access: "node", nodeOf: forNode,
    handle: ({ params: [volume = ""], body }) => handle(validateVolumeName(volume), body),
  });
  const onNode = (path: string, access: "node" | "operator", handle: (node: string, body: Record<string, unknown>) => unknown): Route => {
    const route = {
      method: "POST" as const, pattern: new RegExp(`^/v1/nodes/${name}/${path}$`),
      handle: ({ params: [node = ""], body }: RouteRequest) => handle(checkNodeId(node, "node id"), body),
    };
    return access === "node" ? { ...route, access, nodeOf: ({ params: [node] }) => node } : { ...route, access };
  };
  return [
    {
      method: "POST", pattern: /^\/v1\/volumes$/, access: "authenticated", handle: async ({ body }) =>
        ({ volume: await ops.create(validateVolumeName(body.name), optionsOf(body.options)) }),
    },
    { method: "DELETE", pattern: new RegExp(`^/v1/volumes/${name}$`), access: "authenticated", handle: async ({ params: [volume = ""] }) => ops.remove(validateVolumeName(volume)) },
    // Names no node: the agent that made the filesystem may no longer hold the grant (ADR 0011).
    { method: "POST", pattern: new RegExp(`^/v1/volumes/${name}/formatted$`), access: "authenticated", handle: ({ params: [volume = ""] }) => ops.markFormatted(validateVolumeName(volume)) },
    onVolume("claims", (volume, body) => ops.claim(volume, checkNodeId(body.nodeId, "nodeId"), waitOf(body.waitMs))),
    onVolume("wanted", (volume, body) => ops.wanted(volume, checkNodeId(body.nodeId, "nodeId"))),
    onVolume("release", (volume, body) => ops.release(volume, checkNodeId(body.nodeId, "nodeId"))),
    onNode("heartbeat", "node", (node, body) => ops.heartbeat(node, heartbeatOf(body))),
    onNode("fence", "operator", (node) => ops.fence(node)),
    ...(ops.unfence ? [onNode("unfence", "operator", (node) => ops.unfence?.(node))] : []),
    { method: "GET", pattern: /^\/v1\/nodes$/, access: "operator", handle: () => ({ nodes: ops.nodes() }) },
  ];
}

function optionsOf(value: unknown): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "object" || Array.isArray(value)) throw invalidArgument(`field "options" must be an object of strings, like {"size":"20"}`);
  return value as Record<string, unknown>;
}

function waitOf(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw invalidArgument(`field "waitMs" must be a number of milliseconds >= 0, got ${quoted(JSON.stringify(value))}`);
  return value;
}

function text(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") throw invalidArgument(`field "${field}" must be a non-empty string`);
  return value;
}

/** An optional epoch-ms field of a heartbeat mount; anything but a finite number >= 0 is left out (phase times are hints, never refused). */
function optionalTime<K extends "verifiedAt" | "mountedAt">(entry: Partial<Record<K, unknown>>, key: K): Partial<Record<K, number>> {
  const value = entry[key];
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? ({ [key]: value } as Partial<Record<K, number>>) : {};
}

function heartbeatOf(body: Record<string, unknown>): HeartbeatRequest {
  if (body.mounts !== undefined && !Array.isArray(body.mounts)) throw invalidArgument(`field "mounts" must be an array`);
  const mounts = (body.mounts ?? []) as unknown[];
  if (mounts.length > 4096) throw invalidArgument(`field "mounts" holds ${mounts.length} entries; a node mounts at most a few hundred volumes`);
  return {
    hostname: text(body.hostname, "hostname"),
    instanceId: text(body.instanceId, "instanceId"),
    zone: text(body.zone, "zone"),
    mounts: mounts.map((mount) => {
      if (mount === null || typeof mount !== "object") throw invalidArgument(`field "mounts[]" must hold objects like {"volume":"data","epoch":3}`);
      const entry = mount as { volume?: unknown; epoch?: unknown; verifiedAt?: unknown; mountedAt?: unknown };
      return {
        volume: validateVolumeName(entry.volume), epoch: typeof entry.epoch === "number" && Number.isFinite(entry.epoch) ? entry.epoch : 0,
        ...optionalTime(entry, "verifiedAt"), ...optionalTime(entry, "mountedAt"),
      };
    }),
  };
}
