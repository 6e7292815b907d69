import type { LocalContainers } from "../../core/ports.js";

/** The two dockerode calls self-fencing needs; a `new Docker()` fits as is. */
export interface ContainerApi {
  listContainers(options?: { filters?: Record<string, string[]> }): Promise<Array<{ Id: string; Names?: string[]; Mounts?: Array<{ Type?: string; Name?: string; Driver?: string }> }>>;
  getContainer(id: string): { kill(options?: { signal?: string }): Promise<unknown>; wait(options?: { condition?: string }): Promise<unknown> };
}

/**
 * The local engine's containers through its API. Used by the agent when its lease lapses:
 * every running container that mounts a swarmvol volume is killed before the volume is
 * unmounted, so no writer is left on a node the controller may already have fenced.
 */
export class DockerLocalContainers implements LocalContainers {
  constructor(private readonly docker: ContainerApi) {}

  async usingVolumes(volumes: readonly string[]): Promise<Array<{ id: string; name: string; volumes: string[] }>> {
    const wanted = new Set(volumes);
    const running = await this.docker.listContainers({ filters: { status: ["running", "restarting", "paused"] } });
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
      await container.kill({ signal: "SIGKILL" });
      await container.wait({ condition: "not-running" });
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 409) throw err;
    }
  }
}
