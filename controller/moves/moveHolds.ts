import type { CloudVolume } from "../../core/cloud.js";
import type { MoveHoldStore } from "../../core/clusterStore.js";
import { unavailable } from "../../core/errors.js";
import type { EventSink, NewEvent } from "../../core/events.js";
import { holdEnding, holdWant, moveArrived, type HoldEnd, type MoveHold } from "../../core/moves.js";
import type { Want } from "../../core/placement.js";
import { silentLogger, type Catalog, type Clock, type Logger } from "../../core/ports.js";

export interface MoveHoldsOptions {
  /** How long an ended hold is still answered; then it is removed here and from the store. @default 10 minutes */
  keepEndedMs?: number;
  /** Where a hold's end is told (a `move.phase` event, `hold_ended`). */
  events?: EventSink;
  /** Where holds outlive this leader (Swarm's store); absent: in this leader's memory only. */
  store?: MoveHoldStore;
  /** Throws unless this replica may write (the leader's gate). */
  gate?: () => void;
  logger?: Logger;
}

/** A takeover's test of arrival ({@link MoveHolds.restore}): the volume's restored record against the cloud volumes just described. */
export function arrivedInCloud(catalog: Pick<Catalog, "get">, described: readonly CloudVolume[]): (hold: MoveHold) => boolean {
  return (hold) => {
    const record = catalog.get(hold.volume);
    const cloud = described.find((volume) => volume.id === record?.status.backendId);
    return record !== undefined && moveArrived(hold, record.status.epoch, cloud);
  };
}

/** A move's hold ended (core/moves.ts): told as a phase of that move. */
function holdEndedEvent(hold: MoveHold): NewEvent {
  const reason = hold.ended?.reason ?? "lapsed";
  return {
    type: "move.phase", volume: hold.volume, node: hold.nodeId, data: { phase: "hold_ended", move: hold.id, reason },
    message: `the operator's move of ${hold.volume} to ${hold.hostname} no longer holds it there (${reason}): ${hold.ended?.message ?? ""}`,
  };
}

/**
 * The operators' moves under way (ADR 0023): at most one hold per volume. A hold is a want
 * of the volume on the move's target that the reconciler counts with the tasks and claims;
 * it ends by the rules of core/moves.ts `holdEnding`, checked each time the volume's wants
 * are read, or when a newer move of the same volume replaces it. An ended hold is kept
 * `keepEndedMs` more so `GET /v1/volumes/{name}/move` can still say how the move went
 * (arrived or not: the arrival is recorded with the hold), then removed.
 *
 * With a `store`, holds outlive the leader: a hold is written to Swarm's store before it
 * counts (a move is accepted only once durable), its end is written after (in the
 * background: a lost end write only makes the next leader decide the end again, by the
 * same rules and the same absolute bound), and a new term {@link restore}s them before its
 * first reconcile. Writes of one volume go in the order they were made.
 */
export class MoveHolds {
  private readonly holds = new Map<string, MoveHold>();
  private readonly writes = new Map<string, Promise<void>>();
  private restored: boolean;

  constructor(private readonly clock: Clock, private readonly options: MoveHoldsOptions = {}) {
    this.restored = options.store === undefined;
  }

  /** Places `hold` (durably first, with a store), ending (as `replaced`) any hold of the same volume still standing. */
  async place(hold: MoveHold): Promise<void> {
    this.assertRestored();
    await this.persist(hold);
    const previous = this.holds.get(hold.volume);
    // The store holds the new move already: the old one's end is told, not written.
    if (previous && !previous.ended) this.end(previous, "replaced", `replaced by move ${hold.id} to ${hold.hostname}`, false);
    this.holds.set(hold.volume, hold);
  }

  /**
   * A new term's holds, as the last leader left them in the store: a hold of a volume the
   * catalog no longer has, and one that ended longer than `keepEndedMs` ago, are removed
   * there instead. A standing hold the cloud shows arrived (`arrivedNow`, core/moves.ts
   * moveArrived) is marked so before anything can end it: the old leader's grant died
   * with it. A standing hold past its bound ends at its volume's first reconcile.
   * Without a store there is nothing to restore.
   */
  async restore(hasVolume: (name: string) => boolean, arrivedNow: (hold: MoveHold) => boolean = () => false): Promise<{ restored: number; removed: number }> {
    const { store, logger = silentLogger } = this.options;
    const result = { restored: 0, removed: 0 };
    if (!store) return result;
    try {
      for (const hold of await store.listMoveHolds()) {
        if (!hasVolume(hold.volume) || this.forgotten(hold)) {
          result.removed += 1;
          await store.removeMoveHold(hold.volume, hold.id).catch((err: unknown) => logger.debug({ volume: hold.volume, err: (err as Error).message }, "could not remove an old move's hold"));
        } else if (!this.holds.has(hold.volume)) {
          result.restored += 1;
          this.holds.set(hold.volume, hold);
          if (!hold.ended && hold.arrivedAt === undefined && arrivedNow(hold)) this.markArrived(hold);
        }
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message }, "could not restore the moves under way; their volumes stay where they are");
    }
    this.restored = true;
    return result;
  }

  /** The volume's latest hold, standing or recently ended. */
  get(volume: string): MoveHold | undefined {
    this.assertRestored();
    const hold = this.holds.get(volume);
    if (hold && this.forgotten(hold)) {
      this.forget(hold);
      return undefined;
    }
    return hold;
  }

  /**
   * The reconciler granted the volume to `nodeId`: a standing hold there has arrived, which
   * is written to the store (in the background, like an end) so that it outlives the grant.
   */
  arrived(volume: string, nodeId: string): void {
    const hold = this.holds.get(volume);
    if (hold && !hold.ended && hold.nodeId === nodeId && hold.arrivedAt === undefined) this.markArrived(hold);
  }

  /**
   * The hold's want when it still stands beside the volume's other wants (tasks and
   * claims); a hold these end is ended here, once, and wants nothing any more.
   */
  wants(volume: string, others: readonly Want[]): Want[] {
    const hold = this.holds.get(volume);
    if (hold && this.forgotten(hold)) this.forget(hold);
    if (!hold || hold.ended) return [];
    const ending = holdEnding(hold, others, this.clock.now());
    if (ending) {
      this.end(hold, ending.reason, ending.message, true);
      return [];
    }
    return [holdWant(hold)];
  }

  /**
   * When the volume's reconcile must come again for its hold: a standing hold's bound (it
   * ends then), an ended one's forgetting (its config is removed from the store then).
   */
  nextLapse(volume: string): number | undefined {
    const hold = this.holds.get(volume);
    if (!hold) return undefined;
    return hold.ended ? hold.ended.at + this.keepEndedMs + 1 : hold.until;
  }

  /** Holds standing (for tests and metrics). */
  get standing(): number {
    return [...this.holds.values()].filter((hold) => !hold.ended).length;
  }

  /** Resolves when every write issued so far has been made (or failed). */
  async flushed(): Promise<void> {
    await Promise.allSettled([...this.writes.values()]);
  }

  private get keepEndedMs(): number {
    return this.options.keepEndedMs ?? 600_000;
  }

  private forgotten(hold: MoveHold): boolean {
    return hold.ended !== undefined && this.clock.now() - hold.ended.at > this.keepEndedMs;
  }

  /** Drops an ended hold here and (in the background, after the volume's earlier writes) from the store. */
  private forget(hold: MoveHold): void {
    this.holds.delete(hold.volume);
    this.write(hold, (store) => store.removeMoveHold(hold.volume, hold.id)).catch((err: unknown) => {
      (this.options.logger ?? silentLogger).debug({ volume: hold.volume, move: hold.id, err: (err as Error).message }, "could not remove an ended move's hold; the next leader removes it");
    });
  }

  private markArrived(hold: MoveHold): void {
    const arrived: MoveHold = { ...hold, arrivedAt: this.clock.now() };
    this.holds.set(hold.volume, arrived);
    this.persist(arrived).catch((err: unknown) => {
      (this.options.logger ?? silentLogger).warn({ volume: hold.volume, move: hold.id, err: (err as Error).message }, "could not record a move's arrival; a next leader proves it from the cloud");
    });
  }

  /** UNAVAILABLE until the term has restored its holds: before, it cannot say what moves are under way. */
  assertRestored(): void {
    if (!this.restored) throw unavailable("this controller became the leader a moment ago and is still restoring the moves under way; retry in a second");
  }

  private end(hold: MoveHold, reason: HoldEnd, message: string, write: boolean): void {
    const ended: MoveHold = { ...hold, ended: { reason, at: this.clock.now(), message } };
    this.holds.set(hold.volume, ended);
    this.options.events?.record(holdEndedEvent(ended));
    if (!write) return;
    this.persist(ended).catch((err: unknown) => {
      (this.options.logger ?? silentLogger).warn({ volume: hold.volume, move: hold.id, err: (err as Error).message }, "could not record a move's end; the next leader decides it again");
    });
  }

  /** Writes `hold` after the volume's earlier writes; rejects (nothing written) on a closed gate. */
  private async persist(hold: MoveHold): Promise<void> {
    await this.write(hold, (store) => store.putMoveHold(hold));
  }

  private async write(hold: MoveHold, op: (store: MoveHoldStore) => Promise<void>): Promise<void> {
    const store = this.options.store;
    if (!store) return;
    this.options.gate?.();
    const write = (this.writes.get(hold.volume) ?? Promise.resolve()).catch(() => undefined).then(() => op(store));
    this.writes.set(hold.volume, write);
    try {
      await write;
    } finally {
      if (this.writes.get(hold.volume) === write) this.writes.delete(hold.volume);
    }
  }
}
