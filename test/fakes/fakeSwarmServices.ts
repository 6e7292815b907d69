import { conflict, notFound } from "../../core/errors.js";
import type { ServicePlacement } from "../../core/moves.js";
import type { SwarmServices } from "../../core/ports.js";

/**
 * Swarm's services in memory, as the SwarmServices port sees them: every write bumps the
 * version, a write with a stale version is CONFLICT (Swarm's "update out of sequence"),
 * and every call lands in `calls`, so tests assert exactly what a move changed.
 */
export class FakeSwarmServices implements SwarmServices {
  readonly services = new Map<string, ServicePlacement>();
  readonly calls: string[] = [];
  /** Runs before a write is applied; a test changes the service here to lose the race. */
  beforeWrite: ((id: string) => void) | undefined;

  add(id: string, name: string, constraints: string[] = []): void {
    this.services.set(id, { id, name, version: 10, constraints });
  }

  /** An operator's own `docker service update`: a new version. */
  change(id: string, constraints: string[]): void {
    const service = this.must(id);
    this.services.set(id, { ...service, version: service.version + 1, constraints });
  }

  async placement(serviceId: string): Promise<ServicePlacement> {
    this.calls.push(`inspect ${serviceId}`);
    return structuredClone(this.must(serviceId));
  }

  async updateConstraints(serviceId: string, change: (current: ServicePlacement) => readonly string[] | undefined): Promise<ServicePlacement> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const read = structuredClone(this.must(serviceId));
      this.calls.push(`inspect ${serviceId}`);
      const constraints = change(read);
      if (constraints === undefined) return read;
      this.beforeWrite?.(serviceId);
      const current = this.must(serviceId);
      if (current.version !== read.version) {
        this.calls.push(`update ${serviceId} v${read.version} refused`);
        continue;
      }
      this.calls.push(`update ${serviceId} v${read.version} ${constraints.join(" ")}`);
      this.services.set(serviceId, { ...current, version: current.version + 1, constraints: [...constraints] });
      return structuredClone(this.must(serviceId));
    }
    throw conflict(`service ${serviceId} kept changing`);
  }

  private must(id: string): ServicePlacement {
    const service = this.services.get(id);
    if (!service) throw notFound(`service ${id} not found`);
    return service;
  }
}
