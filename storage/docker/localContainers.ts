import { realTimers, withDeadline } from "../../core/clock.js";
import { timeout } from "../../core/errors.js";
import type { LocalContainers, Timers } from "../../core/ports.js";

type Signal = { abortSignal?: AbortSignal };

/** The two dockerode calls self-fencing needs; a `new Docker()` fits as is. */
export interface ContainerApi {
  listContainers(options?: Signal & { filters?: Record<string, string[]> }): Promise<Array<{ Id: string; Names?: string[]; Mounts?: Array<{ Type?: string; Name?: string; Driver?: string }> }>>;
  getContainer(id: string): { kill(options?: Signal & { signal?: string }): Promise<unknown>; wait(options?: Signal & { condition?: "not-running" }): Promise<unknown> };
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

/**
 * The local engine's containers through its API. Used by the agent when its lease lapses:
 * every running container that mounts a swarmvol volume is killed before the volume is
 * unmounted, so no writer is left on a node the controller may already have fenced. Every
 * call has a deadline (TIMEOUT past it): the lease keeper goes on to unmount whatever
 * dockerd does, and a lapse is no time to wait on a dockerd that does not answer.
 */
export class DockerLocalContainers implements LocalContainers {
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
        volumes: (container.Mounts ?? []).filter((mount) => mount.Type === "volume" && mount.Name !== undefined && wanted.has(mount.Name)).map((mount) => mount.Name as string),
      }))
      .filter((container) => container.volumes.length > 0);
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
