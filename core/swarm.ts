/**
 * Swarm as the controller sees it, reduced to what volume placement needs. The adapter
 * (controller/swarm/dockerSwarm.ts, dockerode) lists tasks, nodes and services from a
 * manager; tests use a fake. Lists are truth; events only hint that a relist is due.
 */

export type SwarmNodeState = "unknown" | "down" | "ready" | "disconnected";
export type SwarmAvailability = "active" | "pause" | "drain";

export interface SwarmNode {
  id: string;
  version: number;
  hostname: string;
  role: "manager" | "worker";
  availability: SwarmAvailability;
  state: SwarmNodeState;
  address: string;
  labels: Readonly<Record<string, string>>;
  /** Volume plugins the node's engine advertises (Description.Engine.Plugins). */
  volumePlugins: readonly string[];
  /** A manager that is Swarm's Raft leader right now (ManagerStatus.Leader). */
  raftLeader?: boolean;
}

/**
 * How a task's mount names its driver: `swarmvol` (our driver, with or without `:latest`),
 * or `unnamed`: no driver at all, as `docker stack deploy` leaves an `external: true` volume
 * (`"VolumeOptions":{}` or none). Docker on the node then asks every driver for the name,
 * so an unnamed mount is swarmvol's exactly when the catalog holds a volume of that name
 * (core/wants.ts); mounts naming any other driver are not kept.
 */
export type TaskVolumeDriver = "swarmvol" | "unnamed";

/** A named volume mount of a task that swarmvol may serve (see TaskVolumeDriver). */
export interface TaskVolume {
  source: string;
  driver: TaskVolumeDriver;
  target: string;
  readOnly: boolean;
  options: Readonly<Record<string, string>>;
}

export interface SwarmTask {
  id: string;
  version: number;
  serviceId: string;
  serviceName: string;
  slot: number | undefined;
  nodeId: string | undefined;
  desiredState: string;
  state: string;
  volumes: readonly TaskVolume[];
  updatedAt: string;
}

export interface SwarmEvent {
  type: "node" | "service" | "container";
  action: string;
  id: string;
}

export interface Swarm {
  listNodes(): Promise<SwarmNode[]>;
  /** Tasks whose desired state is running (or the given states), with swarmvol and driverless mounts parsed. */
  listTasks(desiredStates?: readonly string[]): Promise<SwarmTask[]>;
  /** Streams events until the signal aborts; resolves when the stream ends (reconnect then). */
  watchEvents(onEvent: (event: SwarmEvent) => void, signal: AbortSignal): Promise<void>;
}

/** Task states in which a task already occupies its node (and needs its volume there). */
export const liveTaskStates: ReadonlySet<string> = new Set(["new", "pending", "assigned", "accepted", "preparing", "ready", "starting", "running"]);
