/**
 * The `SwarmServices` port (core/ports.ts) on the Docker Engine API, through dockerode: a
 * service's placement read from `GET /services/{id}`, its constraints rewritten with
 * `POST /services/{id}/update?version=N` carrying the whole spec it read (an update
 * replaces the spec), so a change by Swarm or an operator in between is refused by the
 * manager ("update out of sequence", CONFLICT: swarmStore.ts) and read again, like
 * `setNodeLabels`. Only the placement constraints change; everything else of the spec
 * goes back as it came, so the update rolls the service's tasks as `docker service update
 * --constraint-add` would. Must go to a manager; every call is bounded.
 */
import { conflict, internal, isSwarmvolError, ErrorCode } from "../../core/errors.js";
import type { ServicePlacement } from "../../core/moves.js";
import { silentLogger, type Logger, type SwarmServices } from "../../core/ports.js";
import { translateStoreError } from "./swarmStore.js";

type Signal = { abortSignal?: AbortSignal };

export interface SwarmServiceHandle {
  inspect(options?: Signal): Promise<unknown>;
  /** `_query` and `_body` keep docker-modem from also sending the options as the other one. */
  update(options: Signal & { _query: { version: number }; _body: Record<string, unknown> }): Promise<unknown>;
}

/** The dockerode call this adapter uses; a `new Docker()` fits as is. */
export interface DockerServicesApi {
  getService(id: string): SwarmServiceHandle;
}

interface ServiceInfo {
  placement: ServicePlacement;
  spec: Record<string, unknown>;
}

/** The parts of an inspect answer a move needs; INTERNAL when the Engine answered something else. */
export function parseServiceInfo(raw: unknown, id: string): ServiceInfo {
  const service = (raw ?? {}) as { ID?: unknown; Version?: { Index?: unknown }; Spec?: { Name?: unknown; TaskTemplate?: { Placement?: { Constraints?: unknown } } } };
  const version = service.Version?.Index;
  const spec = service.Spec;
  if (typeof version !== "number" || typeof spec !== "object" || spec === null) throw internal(`Docker answered the inspect of service ${id} without a version or spec`, { serviceId: id });
  const constraints = spec.TaskTemplate?.Placement?.Constraints;
  return {
    placement: {
      id: typeof service.ID === "string" ? service.ID : id, name: typeof spec.Name === "string" ? spec.Name : id, version,
      constraints: Array.isArray(constraints) ? constraints.filter((entry): entry is string => typeof entry === "string") : [],
    },
    spec: spec as Record<string, unknown>,
  };
}

/** The spec with only its placement constraints replaced. */
export function withConstraints(spec: Record<string, unknown>, constraints: readonly string[]): Record<string, unknown> {
  const template = (spec.TaskTemplate ?? {}) as Record<string, unknown>;
  const placement = (template.Placement ?? {}) as Record<string, unknown>;
  return { ...spec, TaskTemplate: { ...template, Placement: { ...placement, Constraints: [...constraints] } } };
}

export class DockerServices implements SwarmServices {
  private readonly callTimeoutMs: number;
  private readonly maxTries: number;
  private readonly logger: Logger;

  constructor(private readonly docker: DockerServicesApi, options: { callTimeoutMs?: number; maxTries?: number; logger?: Logger } = {}) {
    this.callTimeoutMs = options.callTimeoutMs ?? 10_000;
    this.maxTries = options.maxTries ?? 5;
    this.logger = options.logger ?? silentLogger;
  }

  async placement(serviceId: string): Promise<ServicePlacement> {
    return (await this.inspect(serviceId)).placement;
  }

  async updateConstraints(serviceId: string, change: (current: ServicePlacement) => readonly string[] | undefined): Promise<ServicePlacement> {
    for (let attempt = 1; attempt <= this.maxTries; attempt += 1) {
      const { placement, spec } = await this.inspect(serviceId);
      const constraints = change(placement);
      if (constraints === undefined) return placement;
      try {
        const body = withConstraints(spec, constraints);
        await this.call("updateService", (abortSignal) => this.docker.getService(serviceId).update({ _query: { version: placement.version }, _body: body, abortSignal }));
        return { ...placement, constraints: [...constraints] };
      } catch (err) {
        if (!isSwarmvolError(err, ErrorCode.Conflict)) throw err;
        this.logger.debug({ serviceId, attempt }, "service changed while its constraints were written; reading it again");
      }
    }
    throw conflict(`service ${serviceId} kept changing during ${this.maxTries} tries to update its constraints; retry the move`, { serviceId });
  }

  private async inspect(serviceId: string): Promise<ServiceInfo> {
    return parseServiceInfo(await this.call("inspectService", (abortSignal) => this.docker.getService(serviceId).inspect({ abortSignal })), serviceId);
  }

  private async call<T>(operation: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await run(AbortSignal.timeout(this.callTimeoutMs));
    } catch (err) {
      throw translateStoreError(err, operation, this.callTimeoutMs);
    }
  }
}
