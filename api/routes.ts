import { clipped, invalidArgument, quoted } from "../core/errors.js";
import { validateVolumeName } from "../core/volume.js";
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

export function controllerRoutes(ops: ControllerOperations): Route[] {
  const post = (path: string, handle: (volume: string, body: Record<string, unknown>) => unknown): Route =>
    ({ method: "POST", pattern: new RegExp(`^/v1/volumes/${name}/${path}$`), handle: ({ params: [volume = ""], body }) => handle(validateVolumeName(volume), body) });
  const onNode = (path: string, handle: (node: string, body: Record<string, unknown>) => unknown): Route =>
    ({ method: "POST", pattern: new RegExp(`^/v1/nodes/${name}/${path}$`), handle: ({ params: [node = ""], body }) => handle(nodeIdOf(node, "node id"), body) });
  return [
    {
      method: "POST", pattern: /^\/v1\/volumes$/, handle: async ({ body }) =>
        ({ volume: await ops.create(validateVolumeName(body.name), optionsOf(body.options)) }),
    },
    { method: "DELETE", pattern: new RegExp(`^/v1/volumes/${name}$`), handle: async ({ params: [volume = ""] }) => ops.remove(validateVolumeName(volume)) },
    post("formatted", (volume) => ops.markFormatted(volume)),
    post("claims", (volume, body) => ops.claim(volume, nodeIdOf(body.nodeId, "nodeId"), waitOf(body.waitMs))),
    post("wanted", (volume, body) => ops.wanted(volume, nodeIdOf(body.nodeId, "nodeId"))),
    post("release", (volume, body) => ops.release(volume, nodeIdOf(body.nodeId, "nodeId"))),
    onNode("heartbeat", (node, body) => ops.heartbeat(node, heartbeatOf(body))),
    onNode("fence", (node) => ops.fence(node)),
    ...(ops.unfence ? [onNode("unfence", (node) => ops.unfence?.(node))] : []),
    { method: "GET", pattern: /^\/v1\/nodes$/, handle: () => ({ nodes: ops.nodes() }) },
  ];
}

/** Swarm node ids are 25 letters and digits; tests and labs use short names. Bounded, linear. */
const nodeIdPattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

function nodeIdOf(value: unknown, field: string): string {
  const id = text(value, field);
  if (!nodeIdPattern.test(id)) throw invalidArgument(`field "${field}" is not a Swarm node id (letters, digits, "_.-", at most 128): ${quoted(id)}`);
  return id;
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
      const entry = mount as { volume?: unknown; epoch?: unknown };
      return { volume: validateVolumeName(entry.volume), epoch: typeof entry.epoch === "number" && Number.isFinite(entry.epoch) ? entry.epoch : 0 };
    }),
  };
}
