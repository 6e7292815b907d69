import type { MoveOperations } from "../../api/moveRoutes.js";
import type { MoveView } from "../../api/moveContract.js";
import { conflict, notFound, unavailable } from "../../core/errors.js";
import type { EventSink } from "../../core/events.js";
import { decideMove, moveState, type MoveHold, type ServicePlacement, type ServiceUpdate, type VolumeUser } from "../../core/moves.js";
import type { Want } from "../../core/placement.js";
import type { Catalog, Clock, Logger, SwarmServices } from "../../core/ports.js";
import { constraintsFor, type ConstraintTarget } from "../../core/serviceConstraints.js";
import type { SwarmNode, SwarmTask } from "../../core/swarm.js";
import type { NodeRegistry } from "../nodeRegistry.js";
import type { MoveHolds } from "./moveHolds.js";

export interface MoveServiceDeps {
  catalog: Pick<Catalog, "get">;
  registry: Pick<NodeRegistry, "views" | "mountersOf" | "lease">;
  /** The informer's read side. */
  view: { nodes(): readonly SwarmNode[]; node(id: string): SwarmNode | undefined; tasksForVolume(volume: string): readonly SwarmTask[] };
  /** The volume's tasks and claims, without any hold (Reconciler.workloadWants). */
  workloadWants(volume: string): Want[];
  holds: MoveHolds;
  /** Swarm's services; absent: `withService` moves are refused (UNAVAILABLE). */
  services?: SwarmServices;
  enqueue(volume: string): void;
  clock: Clock;
  newId(): string;
  /** How long a move's hold lasts at most. */
  holdMs: number;
  /** Throws unless this replica may act now (the leader's gate). */
  gate?: () => void;
  events?: EventSink;
  logger: Logger;
}

/**
 * An operator's moves (api/moveContract.ts, ADR 0023): observe (catalog, Swarm's tasks and
 * services, leases), decide (core/moves.ts decideMove), act (re-pin services when asked,
 * place the hold, queue the volume). The reconciler then moves the volume as it moves any:
 * this service never touches the cloud.
 */
export class MoveService implements MoveOperations {
  constructor(private readonly deps: MoveServiceDeps) {}

  async start(volume: string, request: { to: string; withService: boolean }): Promise<MoveView> {
    this.deps.gate?.();
    this.deps.holds.assertRestored();
    const record = this.deps.catalog.get(volume);
    if (!record) throw notFound(`no such volume "${volume}": \`swarmvol ls\` lists them`, { name: volume });
    const wants = this.deps.workloadWants(volume);
    const users = this.usersOf(volume, wants);
    const decision = decideMove({
      volume: record, to: request.to, withService: request.withService, nodes: this.deps.registry.views(this.deps.view.nodes()),
      swarmNode: (id) => this.deps.view.node(id), users, services: await this.placements(users), mountedOn: this.mounters(volume), now: this.deps.clock.now(),
    });
    if (decision.kind === "refused") throw decision.error;
    const target = decision.target;
    const services = [];
    for (const update of decision.updates) services.push(await this.repin(volume, update, target.nodeId));
    const now = this.deps.clock.now();
    const hold: MoveHold = {
      id: this.deps.newId(), volume, nodeId: target.nodeId, hostname: target.hostname, requestedAt: now, until: now + this.deps.holdMs,
      withService: request.withService, before: wants.map((want) => want.ref), services,
      ...(record.status.grantedTo ? { fromNode: record.status.grantedTo.nodeId } : {}),
      ...(target.instanceId === undefined ? {} : { toInstance: target.instanceId }), fromEpoch: record.status.epoch,
    };
    await this.deps.holds.place(hold);
    this.deps.enqueue(volume);
    this.deps.logger.info({ volume, move: hold.id, toNode: target.nodeId, services: services.map((service) => service.name) }, "operator move started");
    this.deps.events?.record({
      type: "move.phase", volume, node: target.nodeId,
      data: { phase: "requested", by: "operator", move: hold.id, toNode: target.nodeId, withService: request.withService, services: services.map((service) => service.name).join(",") },
      message: `move of ${volume} to ${target.hostname} asked for by an operator${services.length > 0 ? ` (service ${services.map((service) => service.name).join(", ")} re-pinned there)` : ""}`,
    });
    return this.viewOf(hold);
  }

  get(volume: string): MoveView {
    // Reading the wants ends a hold whose time or workload came (MoveHolds.wants).
    this.deps.holds.wants(volume, this.deps.workloadWants(volume));
    const hold = this.deps.holds.get(volume);
    if (!hold) {
      throw notFound(`no move of volume "${volume}" known to the leader (it ended more than 10 minutes ago, or none was asked for); `
        + `\`swarmvol inspect ${volume}\` shows where the volume is`, { name: volume });
    }
    return this.viewOf(hold);
  }

  /** The tasks that want the volume, with their services (from the informer's tasks). */
  private usersOf(volume: string, wants: readonly Want[]): VolumeUser[] {
    const tasks = this.deps.view.tasksForVolume(volume);
    return wants.filter((want) => want.source === "task").map((want) => {
      const task = tasks.find((found) => found.id === want.ref);
      return { taskId: want.ref, nodeId: want.nodeId, serviceId: task?.serviceId ?? "", serviceName: task?.serviceName || task?.serviceId || want.ref };
    });
  }

  /** The users' services as Swarm holds them; one gone since is left out. */
  private async placements(users: readonly VolumeUser[]): Promise<ServicePlacement[]> {
    const services = this.deps.services;
    if (!services) return [];
    const found: ServicePlacement[] = [];
    for (const id of new Set(users.map((user) => user.serviceId).filter((serviceId) => serviceId !== ""))) {
      try {
        found.push(await services.placement(id));
      } catch (err) {
        this.deps.logger.warn({ service: id, err: (err as Error).message }, "could not read a service that uses the volume");
      }
    }
    return found;
  }

  /** Nodes whose agent reports the volume mounted under a live lease. */
  private mounters(volume: string): string[] {
    const now = this.deps.clock.now();
    return this.deps.registry.mountersOf(volume).filter((nodeId) => (this.deps.registry.lease(nodeId)?.expiresAt ?? 0) > now);
  }

  /**
   * Re-pins one service to the target, deciding again on the service as read at the write
   * (an operator may have changed it since the decision): refused when it no longer fits.
   */
  private async repin(volume: string, update: ServiceUpdate, nodeId: string): Promise<MoveHold["services"][number]> {
    const services = this.deps.services;
    if (!services) throw unavailable("this controller cannot update Swarm services; move the service yourself with `docker service update --constraint-add`");
    const node = this.deps.view.node(nodeId);
    const target: ConstraintTarget = node ?? { id: nodeId, hostname: update.change.added?.split("==")[1] ?? nodeId, role: "worker", labels: {} };
    let made = update.change;
    await services.updateConstraints(update.service.id, (current) => {
      made = constraintsFor(current.constraints, target);
      if (made.unmet.length > 0) throw conflict(`service ${current.name} changed meanwhile: its constraint ${made.unmet.join(", ")} excludes node ${target.hostname}`);
      return made.added === undefined && made.removed.length === 0 ? undefined : made.constraints;
    });
    this.deps.logger.info({ volume, service: update.service.name, added: made.added, removed: made.removed }, "service re-pinned for a move");
    this.deps.events?.record({
      type: "move.phase", volume, node: nodeId, data: { phase: "service_updated", service: update.service.name, added: made.added ?? null, removed: made.removed.join(",") },
      message: `service ${update.service.name} re-pinned to ${target.hostname} for the move of ${volume}`,
    });
    return { id: update.service.id, name: update.service.name, removed: made.removed, ...(made.added ? { added: made.added } : {}) };
  }

  private viewOf(hold: MoveHold): MoveView {
    const record = this.deps.catalog.get(hold.volume);
    const wantedOnTarget = this.deps.workloadWants(hold.volume).some((want) => want.source === "task" && want.nodeId === hold.nodeId);
    const state = moveState(hold, record, { mountedOnTarget: this.mounters(hold.volume).includes(hold.nodeId), wantedOnTarget });
    const status = record?.status;
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      id: hold.id, volume: hold.volume, toNode: hold.nodeId, toHostname: hold.hostname, requestedAt: iso(hold.requestedAt), holdUntil: iso(hold.until),
      withService: hold.withService, services: hold.services.map((service) => ({ ...service, removed: [...service.removed] })), state, epoch: status?.epoch ?? 0,
      ...(hold.fromNode ? { fromNode: hold.fromNode } : {}),
      ...(hold.arrivedAt === undefined ? {} : { arrivedAt: iso(hold.arrivedAt) }),
      ...(hold.ended ? { ended: { reason: hold.ended.reason, at: iso(hold.ended.at), message: hold.ended.message } } : {}),
      ...(status?.grantedTo ? { grantedTo: status.grantedTo.nodeId } : {}),
      ...(status?.condition ? { condition: status.condition } : {}),
      ...(status?.lastMove ? { lastMove: status.lastMove } : {}),
    };
  }
}
