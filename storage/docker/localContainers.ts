import { realTimers, withDeadline } from "../../core/clock.js";
import { timeout } from "../../core/errors.js";
import type { LocalContainers, MountHolders, Timers } from "../../core/ports.js";

type Signal = { abortSignal?: AbortSignal };

/** The dockerode calls self-fencing and the mount review need; a `new Docker()` fits as is. */
export interface ContainerApi {
  listContainers(options?: Signal & { all?: boolean; filters?: Record<string, string[]> }): Promise<Array<{
    Id: string; Names?: string[]; State?: string; Mounts?: Array<{ Type?: string; Name?: string; Driver?: string }>;
  }>>;
  getContainer(id: string): {
    kill(options?: Signal & { signal?: string }): Promise<unknown>;
    wait(options?: Signal & { condition?: "not-running" }): Promise<unknown>;
    inspect(options?: Signal): Promise<{ State?: { Status?: string; Error?: string } }>;
  };
}

export interface LocalContainersOptions {
  /**
   * Upper bound of the list and of the kill request. Self-fencing must be done within the
   * controller's fence grace (4 s by default), so a hung dockerd costs at most this before
   * the agent unmounts anyway. @default 2_000
   */
  callTimeoutMs?: number;
  /** How long a killed container may take to stop (a process stuck in the kernel never does). @default 2_000 */
  stopTimeoutMs?: number;
  /** @default realTimers */
  timers?: Timers;
}

/** Names of the volumes of `wanted` a listed container mounts. */
function mountedOf(container: { Mounts?: Array<{ Type?: string; Name?: string }> }, wanted: ReadonlySet<string>): string[] {
  return (container.Mounts ?? []).filter((mount) => mount.Type === "volume" && mount.Name !== undefined && wanted.has(mount.Name)).map((mount) => mount.Name as string);
}

/**
 * The local engine's containers through its API. Used by the agent when its lease lapses:
 * every running container that mounts a swarmvol volume is killed before the volume is
 * unmounted, so no writer is left on a node the controller may already have fenced. Every
 * call has a deadline (TIMEOUT past it): the lease keeper goes on to unmount whatever
 * dockerd does, and a lapse is no time to wait on a dockerd that does not answer. Also
 * says which containers may hold a volume's mounts (the mount review, plugin/mountReview.ts).
 */
export class DockerLocalContainers implements LocalContainers, MountHolders {
  private readonly callTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly timers: Timers;

  constructor(private readonly docker: ContainerApi, options: LocalContainersOptions = {}) {
    this.callTimeoutMs = options.callTimeoutMs ?? 2_000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 2_000;
    this.timers = options.timers ?? realTimers;
  }

  async usingVolumes(volumes: readonly string[]): Promise<Array<{ id: string; name: string; volumes: string[] }>> {
    const wanted = new Set(volumes);
    const running = await this.bounded("list the containers", this.callTimeoutMs, (abortSignal) =>
      this.docker.listContainers({ filters: { status: ["running", "restarting", "paused"] }, abortSignal }));
    return running
      .map((container) => ({
        id: container.Id,
        name: (container.Names?.[0] ?? container.Id).replace(/^\//, ""),
        volumes: mountedOf(container, wanted),
      }))
      .filter((container) => container.volumes.length > 0);
  }

  /**
   * Containers that may hold a mount of each volume (see MountHolders): running, paused,
   * restarting, and created ones unless their start failed (State.Error set: Docker
   * gave up on their mounts). Exited, dead and removing ones hold none.
   */
  async holders(volumes: readonly string[]): Promise<ReadonlyMap<string, number>> {
    const wanted = new Set(volumes);
    const counts = new Map(volumes.map((volume) => [volume, 0]));
    const listed = await this.bounded("list the containers", this.callTimeoutMs, (abortSignal) =>
      this.docker.listContainers({ all: true, filters: { status: ["created", "running", "paused", "restarting"] }, abortSignal }));
    for (const container of listed) {
      const mounted = mountedOf(container, wanted);
      if (mounted.length === 0) continue;
      if (container.State === "created" && (await this.startFailed(container.Id))) continue;
      for (const volume of mounted) counts.set(volume, (counts.get(volume) ?? 0) + 1);
    }
    return counts;
  }

  /** A created container whose start failed, or that has stopped or gone since it was listed: it holds nothing. */
  private async startFailed(id: string): Promise<boolean> {
    try {
      const state = (await this.bounded(`inspect container ${id}`, this.callTimeoutMs, (abortSignal) => this.docker.getContainer(id).inspect({ abortSignal }))).State;
      if (state?.Status === "created") return (state.Error ?? "") !== "";
      return !["running", "paused", "restarting"].includes(state?.Status ?? "");
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return true;
      throw err;
    }
  }

  /** Kills and resolves once the container has stopped, so its mounts can be released. */
  async kill(id: string): Promise<void> {
    const container = this.docker.getContainer(id);
    try {
      await this.bounded(`kill container ${id}`, this.callTimeoutMs, (abortSignal) => container.kill({ signal: "SIGKILL", abortSignal }));
      await this.bounded(`see container ${id} stop`, this.stopTimeoutMs, (abortSignal) => container.wait({ condition: "not-running", abortSignal }));
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 409) throw err;
    }
  }

  private bounded<T>(what: string, ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withDeadline(this.timers, ms, () => timeout(`Docker did not ${what} within ${ms} ms`, { timeoutMs: ms }), call);
  }
}
