import { holdEnding, holdWant, type HoldEnd, type MoveHold } from "../../core/moves.js";
import type { Want } from "../../core/placement.js";
import type { Clock } from "../../core/ports.js";

/**
 * The operators' moves under way (ADR 0023): at most one hold per volume, in the leader's
 * memory like the agents' claims (controller/claims.ts). A hold is a want of the volume on
 * the move's target that the reconciler counts with the tasks and claims; it ends by the
 * rules of core/moves.ts `holdEnding`, checked each time the volume's wants are read, or
 * when a newer move of the same volume replaces it. An ended hold is kept `keepEndedMs`
 * more so `GET /v1/volumes/{name}/move` can still say how the move went; a new leader
 * knows none (the CLI then says so, and the volume stays wherever the old leader left it).
 */
export class MoveHolds {
  private readonly holds = new Map<string, MoveHold>();

  constructor(
    private readonly clock: Clock,
    private readonly options: { keepEndedMs?: number; onEnded?: (hold: MoveHold) => void } = {},
  ) {}

  /** Places `hold`, ending (as `replaced`) any hold of the same volume still standing. */
  place(hold: MoveHold): void {
    const previous = this.holds.get(hold.volume);
    if (previous && !previous.ended) this.end(previous, "replaced", `replaced by move ${hold.id} to ${hold.hostname}`);
    this.holds.set(hold.volume, hold);
  }

  /** The volume's latest hold, standing or recently ended. */
  get(volume: string): MoveHold | undefined {
    const hold = this.holds.get(volume);
    if (hold?.ended && this.clock.now() - hold.ended.at > (this.options.keepEndedMs ?? 600_000)) {
      this.holds.delete(volume);
      return undefined;
    }
    return hold;
  }

  /**
   * The hold's want when it still stands beside the volume's other wants (tasks and
   * claims); a hold these end is ended here, once, and wants nothing any more.
   */
  wants(volume: string, others: readonly Want[]): Want[] {
    const hold = this.get(volume);
    if (!hold || hold.ended) return [];
    const ending = holdEnding(hold, others, this.clock.now());
    if (ending) {
      this.end(hold, ending.reason, ending.message);
      return [];
    }
    return [holdWant(hold)];
  }

  /** When the volume's standing hold reaches its bound (a reconcile must decide again then). */
  nextLapse(volume: string): number | undefined {
    const hold = this.holds.get(volume);
    return hold && !hold.ended ? hold.until : undefined;
  }

  /** Holds standing (for tests and metrics). */
  get standing(): number {
    return [...this.holds.values()].filter((hold) => !hold.ended).length;
  }

  private end(hold: MoveHold, reason: HoldEnd, message: string): void {
    const ended: MoveHold = { ...hold, ended: { reason, at: this.clock.now(), message } };
    this.holds.set(hold.volume, ended);
    this.options.onEnded?.(ended);
  }
}
