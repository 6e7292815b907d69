import { clipped, notFound, quoted, unavailable } from "../core/errors.js";
import type { MetricsExposition } from "../core/metrics.js";
import type { Catalog } from "../core/ports.js";
import type {
  ClaimResponse, CreateVolumeRequest, HealthResponse, HeartbeatRequest, HeartbeatResponse, NodeListResponse, VolumeResponse, WantedResponse,
} from "./contract.js";
import { matchesFilters, type VolumeFilters } from "../core/volumeFilters.js";
import { metricsRoute } from "./metrics.js";
import { route } from "./route.js";
import * as schemas from "./schemas/bodies.js";
import type { Route, RouteRequest } from "./server.js";

/** What a process says of itself in GET /v1/health besides `status` (api/contract.ts HealthResponse). */
export type HealthDetails = Record<string, unknown> & Pick<HealthResponse, "mode">;

/**
 * The probes a load balancer, systemd or Swarm's healthcheck asks (no token):
 * `/healthz` 200 while the process serves at all (a standby is healthy), `/readyz` 200 only
 * where requests are acted on (the leader, or an all-in-one), 503 UNAVAILABLE naming the
 * leader on a standby, so traffic can be sent to the leader alone.
 */
function probeRoutes(health: () => HealthDetails): Route[] {
  return [
    route({
      method: "GET", path: "/healthz", access: "public", summary: "Liveness: 200 while this process serves (a standby replica too)",
      answer: { status: 200, schema: schemas.healthResponse, description: "this process's health, as GET /v1/health" },
      handle: (): HealthResponse => ({ status: "ok", ...health() }),
    }),
    route({
      method: "GET", path: "/readyz", access: "public", summary: "Readiness: 200 on the leader (or an all-in-one), 503 on a standby, naming the leader",
      answer: { status: 200, schema: schemas.healthResponse, description: "this replica leads: it acts on requests" },
      handle: (): HealthResponse => {
        const details = health();
        if (details.mode !== "all-in-one" && details.role !== "leader") {
          const leader = typeof details.leader === "string" ? details.leader : undefined;
          throw unavailable(leader === undefined
            ? "this swarmvol controller replica is a standby and no leader is elected yet; retry in a few seconds"
            : `this swarmvol controller replica is a standby; the leader is at ${leader}`);
        }
        return { status: "ok", ...details };
      },
    }),
  ];
}

/**
 * Routes every swarmvol process serves: health and metrics (public), the catalog read side
 * (any token: agents answer Docker's Get and List from it, operators `swarmvol ls`).
 */
export function readRoutes(deps: { catalog: Pick<Catalog, "get" | "list">; metrics: MetricsExposition; health: () => HealthDetails }): Route[] {
  return [
    route({
      method: "GET", path: "/v1/health", access: "public", summary: "Whether this replica runs, its role and the leader's URL (every replica answers)",
      answer: { status: 200, schema: schemas.healthResponse, description: "this replica's health" },
      handle: (): HealthResponse => ({ status: "ok", ...deps.health() }),
    }),
    ...probeRoutes(deps.health),
    metricsRoute(deps.metrics),
    route({
      method: "GET", path: "/v1/volumes", access: "authenticated", summary: "The volumes in the catalog, those matching every filter given",
      query: schemas.volumeListQuery, answer: { status: 200, schema: schemas.volumeListResponse, description: "the volumes" },
      handle: ({ query }) => ({ volumes: deps.catalog.list().filter((volume) => matchesFilters(volume, definedFilters(query))) }),
    }),
    route({
      method: "GET", path: "/v1/volumes/{name}", access: "authenticated", summary: "One volume: spec, holder, epoch, condition and last move",
      params: schemas.volumeParams, answer: { status: 200, schema: schemas.volumeResponse, description: "the volume" },
      handle: ({ params: { name } }) => {
        const record = deps.catalog.get(name);
        if (!record) throw notFound(`no such volume ${quoted(name)}`, { name: clipped(name) });
        return { volume: record };
      },
    }),
  ];
}

/**
 * The volume side of the agents' channel (api/contract.ts), typed by the API's schemas:
 * controller/volumeService.ts implements it.
 */
export interface VolumeOperations {
  /** Records the volume, or returns the existing one when the options match. */
  create(name: string, options: NonNullable<CreateVolumeRequest["options"]> | null): Promise<VolumeResponse["volume"]>;
  /** Idempotent; IN_USE while a node mounts it. */
  remove(name: string): Promise<void>;
  markFormatted(name: string): Promise<void>;
  /** The grant as it stands; a pending answer is held up to `waitMs` (long poll). */
  claimAndWait(name: string, nodeId: string, waitMs: number): Promise<ClaimResponse>;
  release(name: string, nodeId: string): void;
  /** Whether a Swarm task placed on `nodeId` needs the volume there. */
  wanted(name: string, nodeId: string): WantedResponse;
  heartbeat(nodeId: string, request: HeartbeatRequest): Promise<HeartbeatResponse>;
}

/** The operator's node side: the leader's controller (controller/controller.ts) implements it. */
export interface NodeOperations {
  /** Operator fence (kept in the node's Swarm labels), and taking it back. */
  fence(nodeId: string): Promise<void> | void;
  unfence(nodeId: string): Promise<void> | void;
  nodeViews(): NodeListResponse["nodes"];
}

/**
 * The routes' port. Asked at every request, so a controller replica hands out the current
 * term's service and controller (a new term has new ones).
 */
export interface ControllerOperations {
  volumes(): VolumeOperations;
  nodes(): NodeOperations;
  /**
   * Lease renewals, when they are served apart from volumes() (a replica renews leases
   * while it restores, controller/replica.ts). @default volumes().heartbeat
   */
  heartbeat?(nodeId: string, request: HeartbeatRequest): Promise<HeartbeatResponse>;
}

const forNode = (request: RouteRequest) => request.body.nodeId;
const ofPath = ({ params: [node] }: RouteRequest) => node;

/**
 * The agents' and operators' routes, each with who may call it (ADR 0011): create, remove
 * and formatted take any token (Docker on any node does these); claims, wanted, release
 * and heartbeats only a node's own token, for the node they name (body or path); fence,
 * unfence and the node list only the operator's.
 */
export function controllerRoutes(ops: ControllerOperations): Route[] {
  const { volumeParams, nodeParams, nodeRequest } = schemas;
  const done = (description: string) => ({ status: 204 as const, description });
  return [
    route({
      method: "POST", path: "/v1/volumes", access: "authenticated", summary: "Create a volume, or return the matching existing one",
      body: schemas.createVolumeRequest, answer: { status: 200, schema: schemas.volumeResponse, description: "the volume" },
      handle: async ({ body }) => ({ volume: await ops.volumes().create(body.name, body.options ?? null) }),
    }),
    route({
      method: "DELETE", path: "/v1/volumes/{name}", access: "authenticated", summary: "Delete a volume (idempotent; 409 IN_USE while mounted)",
      params: volumeParams, answer: done("deleted, or there was none"), handle: ({ params }) => ops.volumes().remove(params.name),
    }),
    // Names no node: the agent that made the filesystem may no longer hold the grant (ADR 0011).
    route({
      method: "POST", path: "/v1/volumes/{name}/formatted", access: "authenticated", summary: "The volume has its filesystem now (it is no longer fresh)",
      params: volumeParams, answer: done("recorded"), handle: ({ params }) => ops.volumes().markFormatted(params.name),
    }),
    route({
      method: "POST", path: "/v1/volumes/{name}/claims", access: "node", nodeOf: forNode, summary: "A node needs the volume: the grant as it stands (long poll with waitMs)",
      params: volumeParams, body: schemas.claimRequest, answer: { status: 200, schema: schemas.claimResponse, description: "granted, pending or refused" },
      handle: ({ params, body }) => ops.volumes().claimAndWait(params.name, body.nodeId, body.waitMs ?? 0),
    }),
    route({
      method: "POST", path: "/v1/volumes/{name}/wanted", access: "node", nodeOf: forNode, summary: "Whether a Swarm task on that node needs the volume there",
      params: volumeParams, body: nodeRequest, answer: { status: 200, schema: schemas.wantedResponse, description: "wanted or not" },
      handle: ({ params, body }) => ops.volumes().wanted(params.name, body.nodeId),
    }),
    route({
      method: "POST", path: "/v1/volumes/{name}/release", access: "node", nodeOf: forNode, summary: "The node's last Docker mount of the volume is gone",
      params: volumeParams, body: nodeRequest, answer: done("released"), handle: ({ params, body }) => ops.volumes().release(params.name, body.nodeId),
    }),
    {
      ...route({
        method: "POST", path: "/v1/nodes/{nodeId}/heartbeat", access: "node", nodeOf: ofPath, summary: "Renew the node's lease and report its mounts",
        params: nodeParams, body: schemas.heartbeatRequest, answer: { status: 200, schema: schemas.heartbeatResponse, description: "the lease's ttl and the volumes to let go" },
        handle: ({ params, body }) => (ops.heartbeat ? ops.heartbeat(params.nodeId, body) : ops.volumes().heartbeat(params.nodeId, body)),
      }),
      // Served while a new leader restores: a slow restore must not lapse healthy agents' leases.
      whileRestoring: true,
    },
    route({
      method: "POST", path: "/v1/nodes/{nodeId}/fence", access: "operator", summary: "An operator says the node is down for good: its volumes may be force-detached",
      params: nodeParams, answer: done("fenced"), handle: ({ params }) => ops.nodes().fence(params.nodeId),
    }),
    route({
      method: "POST", path: "/v1/nodes/{nodeId}/unfence", access: "operator", summary: "Take an operator fence back",
      params: nodeParams, answer: done("unfenced"), handle: ({ params }) => ops.nodes().unfence(params.nodeId),
    }),
    route({
      method: "GET", path: "/v1/nodes", access: "operator", summary: "Every node Swarm knows or whose agent reported to the leader",
      answer: { status: 200, schema: schemas.nodeListResponse, description: "the nodes" }, handle: () => ({ nodes: ops.nodes().nodeViews() }),
    }),
  ];
}

/** The query's filters that were given. */
function definedFilters(query: Partial<Record<keyof VolumeFilters, string | undefined>>): VolumeFilters {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined)) as VolumeFilters;
}
