import { ErrorCode, isSwarmvolError } from "../core/errors.js";
import type { Catalog, Logger } from "../core/ports.js";
import type { SwarmTask } from "../core/swarm.js";
import { declaredOptions } from "../core/wants.js";
import type { VolumeService } from "./volumeService.js";

export interface DeclaredVolumesDeps {
  tasksForVolume(volume: string): readonly SwarmTask[];
  catalog: Pick<Catalog, "get">;
  service: Pick<VolumeService, "create">;
  /** Throws unless this replica may write (the leader's gate). */
  gate?: () => void;
  logger: Logger;
}

/**
 * A volume a placed task declares with swarmvol's driver (and its options) but nobody
 * created yet is created now, as Docker's Create on that node would (ADR 0029): dockerd
 * asks only once Swarm prepared the task's network, seconds later on a busy node, and
 * create() queues it, so the cloud volume is made and pre-attached meanwhile. Docker's
 * Create then finds it. Options the backend refuses are left to Docker's Create to report,
 * and not tried again at every relist.
 */
export class DeclaredVolumes {
  private readonly refused = new Set<string>();

  constructor(private readonly deps: DeclaredVolumesDeps) {}

  async create(volume: string): Promise<void> {
    const { catalog, logger } = this.deps;
    const options = declaredOptions(volume, this.deps.tasksForVolume(volume));
    if (options === undefined || catalog.get(volume) !== undefined || this.refused.has(volume)) return;
    try {
      this.deps.gate?.();
      await this.deps.service.create(volume, options);
      logger.info({ volume }, "volume created from a placed task's mount, ahead of Docker's Create");
    } catch (err) {
      if (isSwarmvolError(err, ErrorCode.InvalidArgument)) this.refused.add(volume);
      logger.warn({ volume, err: (err as Error).message }, "could not create a volume a placed task declares; Docker's Create on its node will ask again");
    }
  }
}
