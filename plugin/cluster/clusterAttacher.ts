import { conflict, ErrorCode, isSwarmvolError, timeout } from "../../core/errors.js";
import { parseGrantedShare } from "../../core/nfsShares.js";
import type { Attachment, Clock, CrashPoints, DeviceLocator, Logger, NodeAttacher } from "../../core/ports.js";
import type { VolumeRecord } from "../../core/volume.js";
import type { ControllerApi } from "../../api/client/apiClient.js";

export interface ClusterAttacherOptions {
  api: Pick<ControllerApi, "claim" | "release" | "wanted">;
  locator: DeviceLocator;
  clock: Clock;
  logger: Logger;
  /** This node's Swarm NodeID (from the local engine's /info; may wait for dockerd). */
  nodeId: () => Promise<string>;
  /**
   * Whether this node's lease with the controller is live. While it is not (never had one,
   * or lapsed), no claim is sent: a node that may be fenced must not take volumes.
   * @default () => true
   */
  leaseLive?: () => boolean;
  /**
   * Total time attach may take, claims and device wait included. Docker gives Mount 2 min;
   * failing inside that budget lets our message, not Docker's deadline, reach the user.
   * @default 100_000
   */
  budgetMs?: number;
  /** @default 250 */
  pollMs?: number;
  /** Deadline of one claim call; above `claimWaitMs`. @default 5000 */
  claimTimeoutMs?: number;
  /** How long the controller may hold a pending claim answer for the grant (long poll). @default 2000 */
  claimWaitMs?: number;
  /** Where a kill -9 may land (core/crashPoints.ts): here, right after the grant. */
  crashPoints?: CrashPoints;
}

/**
 * Puts a volume on this node through the controller: the agent claims it, the controller
 * fences and detaches any previous holder and attaches it here, and the agent finds and
 * verifies the device. The claim is repeated until the answer is final; each call renews
 * it, so a claim stops by itself when the agent stops asking.
 */
export class ClusterAttacher implements NodeAttacher {
  private readonly budgetMs: number;
  private readonly pollMs: number;
  private readonly claimTimeoutMs: number;
  private readonly claimWaitMs: number;

  constructor(private readonly options: ClusterAttacherOptions) {
    this.budgetMs = positive(options.budgetMs ?? 100_000, "budgetMs");
    this.pollMs = positive(options.pollMs ?? 250, "pollMs");
    this.claimTimeoutMs = positive(options.claimTimeoutMs ?? 5000, "claimTimeoutMs");
    this.claimWaitMs = Math.min(options.claimWaitMs ?? 2000, this.claimTimeoutMs / 2);
  }

  /**
   * Claims until `granted` (then waits for the device within what is left of the budget),
   * `refused` (CONFLICT with the controller's words, which name the holder) or the budget
   * runs out (TIMEOUT: Docker fails the task and Swarm retries it). An unreachable
   * controller counts as "still pending": it may come back within the budget.
   */
  async attach(record: VolumeRecord): Promise<Attachment> {
    const { clock, locator, logger } = this.options;
    const name = record.spec.name;
    const deadline = clock.now() + this.budgetMs;
    const nodeId = await this.options.nodeId();
    let last = "waiting for the controller's first answer";
    for (;;) {
      const remaining = deadline - clock.now();
      if (remaining <= 0) break;
      const asked = clock.now();
      const answer = await this.claimOnce(name, nodeId, Math.min(remaining, this.claimTimeoutMs));
      if (answer.state === "granted") {
        logger.info({ volume: name, volumeId: answer.volumeId, device: answer.device, epoch: answer.epoch }, "claim granted");
        this.options.crashPoints?.reached("agent.mount.granted");
        // A file share's grant names what to mount (`efs://…`, `nfs://…`): there is no device to wait for.
        if (parseGrantedShare(answer.device) !== undefined) return { device: answer.device, epoch: answer.epoch };
        const device = await locator.locate(answer.volumeId, answer.device, Math.max(0, deadline - clock.now()));
        // The volume grew while nobody mounted it: the Mount grows its filesystem (ADR 0026).
        return { device, epoch: answer.epoch, ...(answer.grow ? { grow: { id: answer.grow.id, sizeBytes: answer.grow.sizeBytes } } : {}) };
      }
      if (answer.state === "refused") throw conflict(answer.message, { name, nodeId });
      if (answer.message !== last) logger.info({ volume: name, message: answer.message }, "claim pending");
      last = answer.message;
      const left = deadline - clock.now();
      if (left <= 0) break;
      // A held answer already waited; one that came back at once (no lease, controller away) paces the next.
      const pause = this.pollMs - (clock.now() - asked);
      if (pause > 0) await clock.sleep(Math.min(pause, left));
    }
    throw timeout(`volume "${name}" is still being moved to this node: ${last}; Docker will retry the task`, { name, nodeId });
  }

  /**
   * Best effort: the controller also learns from heartbeats that the volume is no longer
   * mounted here, so an unreachable controller only delays the volume's next move.
   */
  async release(record: VolumeRecord): Promise<void> {
    const name = record.spec.name;
    if (!(this.options.leaseLive?.() ?? true)) {
      // Fencing is under way (or the controller is away): the next heartbeat reports it.
      this.options.logger.info({ volume: name }, "release left to the next heartbeat: no live lease");
      return;
    }
    try {
      await this.options.api.release(name, { nodeId: await this.options.nodeId() });
    } catch (err) {
      if (!isSwarmvolError(err, ErrorCode.Unavailable) && !isSwarmvolError(err, ErrorCode.NotFound)) throw err;
      this.options.logger.warn({ volume: name, err: err.message }, "release not delivered; the next heartbeat reports it");
    }
  }

  /** Asks the controller; any failure (no lease, controller away) counts as "not wanted": the mount is let go. */
  async wantedHere(record: VolumeRecord): Promise<boolean> {
    if (!(this.options.leaseLive?.() ?? true)) return false;
    try {
      return await this.options.api.wanted(record.spec.name, { nodeId: await this.options.nodeId() }, { timeoutMs: 2000 });
    } catch {
      return false;
    }
  }

  /** One claim round; "not yet" answers (no lease, controller away) become pending. */
  private async claimOnce(name: string, nodeId: string, timeoutMs: number) {
    if (!(this.options.leaseLive?.() ?? true)) {
      return { state: "pending", message: "this node has no live lease with the controller yet (or it lapsed)" } as const;
    }
    try {
      return await this.options.api.claim(name, { nodeId, waitMs: Math.min(this.claimWaitMs, timeoutMs / 2) }, { timeoutMs });
    } catch (err) {
      if (!isSwarmvolError(err, ErrorCode.Unavailable)) throw err;
      return { state: "pending", message: err.message } as const;
    }
  }
}

function positive(value: number, option: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new TypeError(`\`${option}\` must be a positive number of milliseconds, not ${String(value)}`);
  return value;
}
