import type { LocalContainers, MountHolders } from "../../core/ports.js";

/** The dockerode calls self-fencing and the mount review need; a `new Docker()` fits as is. */
export interface ContainerApi {
  listContainers(options?: { all?: boolean; filters?: Record<string, string[]> }): Promise<Array<{
    Id: string; Names?: string[]; State?: string; Mounts?: Array<{ Type?: string; Name?: string; Driver?: string }>;
  }>>;
  getContainer(id: string): {
    kill(options?: { signal?: string }): Promise<unknown>;
    wait(options?: { condition?: string }): Promise<unknown>;
    inspect(): Promise<{ State?: { Status?: string; Error?: string } }>;
  };
}

/** Names of the volumes of `wanted` a listed container mounts. */
function mountedOf(container: { Mounts?: Array<{ Type?: string; Name?: string }> }, wanted: ReadonlySet<string>): string[] {
  return (container.Mounts ?? []).filter((mount) => mount.Type === "volume" && mount.Name !== undefined && wanted.has(mount.Name)).map((mount) => mount.Name as string);
}

/**
 * The local engine's containers through its API. Used by the agent when its lease lapses:
 * every running container that mounts a swarmvol volume is killed before the volume is
 * unmounted, so no writer is left on a node the controller may already have fenced.
 */
export class DockerLocalContainers implements LocalContainers, MountHolders {
  constructor(private readonly docker: ContainerApi) {}

  async usingVolumes(volumes: readonly string[]): Promise<Array<{ id: string; name: string; volumes: string[] }>> {
    const wanted = new Set(volumes);
    const running = await this.docker.listContainers({ filters: { status: ["running", "restarting", "paused"] } });
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
    const listed = await this.docker.listContainers({ all: true, filters: { status: ["created", "running", "paused", "restarting"] } });
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
      const state = (await this.docker.getContainer(id).inspect()).State;
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
      await container.kill({ signal: "SIGKILL" });
      await container.wait({ condition: "not-running" });
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 409) throw err;
    }
  }
}
