import { invalidArgument } from "../core/errors.js";
import type { Catalog } from "../core/ports.js";
import type { Metrics } from "../core/metrics.js";
import { notFound } from "../core/errors.js";
import type { HeartbeatRequest } from "./contract.js";
import type { Route } from "./server.js";

const name = "([^/]+)";

/** Routes every swarmvol process serves: health, metrics and the catalog read side. */
export function readRoutes(deps: { catalog: Pick<Catalog, "get" | "list">; metrics: Metrics; health: () => Record<string, unknown> }): Route[] {
  return [
    { method: "GET", pattern: /^\/v1\/health$/, public: true, handle: () => ({ status: "ok", ...deps.health() }) },
    { method: "GET", pattern: /^\/metrics$/, public: true, handle: () => ({ text: deps.metrics.render() }) },
    { method: "GET", pattern: /^\/v1\/volumes$/, handle: () => ({ volumes: deps.catalog.list() }) },
    {
      method: "GET", pattern: new RegExp(`^/v1/volumes/${name}$`), handle: ({ params: [volume = ""] }) => {
        const record = deps.catalog.get(volume);
        if (!record) throw notFound(`no such volume "${volume}"`, { name: volume });
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

export function controllerRoutes(ops: ControllerOperations): Route[] {
  return [
    {
      method: "POST", pattern: /^\/v1\/volumes$/, handle: async ({ body }) =>
        ({ volume: await ops.create(text(body.name, "name"), (body.options ?? null) as Record<string, unknown> | null) }),
    },
    { method: "DELETE", pattern: new RegExp(`^/v1/volumes/${name}$`), handle: async ({ params: [volume = ""] }) => ops.remove(volume) },
    { method: "POST", pattern: new RegExp(`^/v1/volumes/${name}/formatted$`), handle: async ({ params: [volume = ""] }) => ops.markFormatted(volume) },
    { method: "POST", pattern: new RegExp(`^/v1/volumes/${name}/claims$`), handle: ({ params: [volume = ""], body }) => ops.claim(volume, text(body.nodeId, "nodeId"), waitOf(body.waitMs)) },
    { method: "POST", pattern: new RegExp(`^/v1/volumes/${name}/wanted$`), handle: ({ params: [volume = ""], body }) => ops.wanted(volume, text(body.nodeId, "nodeId")) },
    { method: "POST", pattern: new RegExp(`^/v1/volumes/${name}/release$`), handle: ({ params: [volume = ""], body }) => ops.release(volume, text(body.nodeId, "nodeId")) },
    { method: "POST", pattern: new RegExp(`^/v1/nodes/${name}/heartbeat$`), handle: ({ params: [node = ""], body }) => ops.heartbeat(node, heartbeatOf(body)) },
    { method: "POST", pattern: new RegExp(`^/v1/nodes/${name}/fence$`), handle: ({ params: [node = ""] }) => ops.fence(node) },
    ...(ops.unfence ? [{
      method: "POST" as const, pattern: new RegExp(`^/v1/nodes/${name}/unfence$`), handle: ({ params: [node = ""] }: { params: string[] }) => ops.unfence?.(node),
    }] : []),
    { method: "GET", pattern: /^\/v1\/nodes$/, handle: () => ({ nodes: ops.nodes() }) },
  ];
}

function waitOf(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw invalidArgument(`field "waitMs" must be a number of milliseconds >= 0, got ${JSON.stringify(value)}`);
  return value;
}

function text(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") throw invalidArgument(`field "${field}" must be a non-empty string`);
  return value;
}

function heartbeatOf(body: Record<string, unknown>): HeartbeatRequest {
  const mounts = Array.isArray(body.mounts) ? body.mounts : [];
  return {
    hostname: text(body.hostname, "hostname"),
    instanceId: text(body.instanceId, "instanceId"),
    zone: text(body.zone, "zone"),
    mounts: mounts.map((mount) => {
      const entry = mount as { volume?: unknown; epoch?: unknown };
      return { volume: text(entry.volume, "mounts[].volume"), epoch: typeof entry.epoch === "number" ? entry.epoch : 0 };
    }),
  };
}
