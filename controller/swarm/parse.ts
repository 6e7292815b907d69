/**
 * Engine API v1.41 JSON (GET /tasks, /nodes, /services, /events) to core/swarm.ts types.
 * Pure and defensive: the input is whatever the manager sent, so every field is checked
 * and a missing optional one gets a neutral value instead of an exception.
 */
import type { SwarmAvailability, SwarmEvent, SwarmNode, SwarmNodeState, SwarmTask, TaskVolume } from "../../core/swarm.js";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const obj = (value: unknown): Json => (isObject(value) ? value : {});
const str = (value: unknown, fallback = ""): string => (typeof value === "string" ? value : fallback);
const num = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : undefined);

/** A string map (labels, driver options); non-string values are dropped. */
function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(obj(value))) if (typeof item === "string") out[key] = item;
  return out;
}

/**
 * Whether a DriverConfig.Name means swarmvol. Managed plugins report `NAME:latest`, and
 * users may write either form in `volume-driver=` (protocols.md §1).
 */
export function matchesDriver(name: string, driverNames: readonly string[]): boolean {
  return driverNames.some((driver) => name === driver || name === `${driver}:latest`);
}

/**
 * The named volume mounts of a task or service spec that swarmvol may serve: Type "volume"
 * naming our driver, or naming none (`external: true` in a stack file: no DriverConfig, or
 * one with an empty Name; protocols.md §2). Those are kept as `driver: "unnamed"` and are
 * swarmvol's only if the catalog knows the name (core/wants.ts). Another driver's are dropped.
 */
export function parseVolumeMounts(mounts: unknown, driverNames: readonly string[]): TaskVolume[] {
  if (!Array.isArray(mounts)) return [];
  const volumes: TaskVolume[] = [];
  for (const raw of mounts) {
    const mount = obj(raw);
    const driver = obj(obj(mount.VolumeOptions).DriverConfig);
    const source = str(mount.Source);
    const name = str(driver.Name);
    // Anonymous volumes (no Source) get a random name per container: nothing to follow.
    if (mount.Type !== "volume" || source === "") continue;
    if (name !== "" && !matchesDriver(name, driverNames)) continue;
    volumes.push({
      source, driver: name === "" ? "unnamed" : "swarmvol", target: str(mount.Target), readOnly: mount.ReadOnly === true, options: stringMap(driver.Options),
    });
  }
  return volumes;
}

const serviceNameLabel = "com.docker.swarm.service.name";

/**
 * One /tasks item. `serviceNames` maps service IDs to names (from /services); a task's own
 * labels are the fallback. Returns undefined for an item without an ID.
 */
export function parseTask(raw: unknown, driverNames: readonly string[], serviceNames: ReadonlyMap<string, string>): SwarmTask | undefined {
  const task = obj(raw);
  const id = str(task.ID);
  if (id === "") return undefined;
  const spec = obj(task.Spec);
  const containerSpec = obj(spec.ContainerSpec);
  const serviceId = str(task.ServiceID);
  const labelName = stringMap(task.Labels)[serviceNameLabel] ?? stringMap(containerSpec.Labels)[serviceNameLabel];
  const nodeId = str(task.NodeID);
  return {
    id,
    version: num(obj(task.Version).Index) ?? 0,
    serviceId,
    serviceName: serviceNames.get(serviceId) ?? labelName ?? "",
    slot: num(task.Slot),
    nodeId: nodeId === "" ? undefined : nodeId,
    desiredState: str(task.DesiredState, "unknown"),
    state: str(obj(task.Status).State, "unknown"),
    volumes: parseVolumeMounts(containerSpec.Mounts, driverNames),
    updatedAt: str(task.UpdatedAt),
  };
}

const nodeStates: readonly SwarmNodeState[] = ["unknown", "down", "ready", "disconnected"];
const availabilities: readonly SwarmAvailability[] = ["active", "pause", "drain"];

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

/** One /nodes item; undefined without an ID. Unknown states read as "unknown". */
export function parseNode(raw: unknown): SwarmNode | undefined {
  const node = obj(raw);
  const id = str(node.ID);
  if (id === "") return undefined;
  const spec = obj(node.Spec);
  const description = obj(node.Description);
  const status = obj(node.Status);
  const plugins = obj(description.Engine).Plugins;
  const volumePlugins = Array.isArray(plugins)
    ? plugins.map(obj).filter((plugin) => plugin.Type === "Volume").map((plugin) => str(plugin.Name)).filter((name) => name !== "")
    : [];
  return {
    id,
    version: num(obj(node.Version).Index) ?? 0,
    hostname: str(description.Hostname, str(spec.Name)),
    role: spec.Role === "manager" ? "manager" : "worker",
    // An unknown availability must never look schedulable.
    availability: oneOf(spec.Availability, availabilities, "pause"),
    state: oneOf(status.State, nodeStates, "unknown"),
    address: str(status.Addr),
    labels: stringMap(spec.Labels),
    volumePlugins,
    ...(obj(node.ManagerStatus).Leader === true ? { raftLeader: true } : {}),
  };
}

/** ID → name from a /services list. */
export function parseServiceNames(services: unknown): Map<string, string> {
  const names = new Map<string, string>();
  if (!Array.isArray(services)) return names;
  for (const raw of services) {
    const service = obj(raw);
    const id = str(service.ID);
    const name = str(obj(service.Spec).Name);
    if (id !== "" && name !== "") names.set(id, name);
  }
  return names;
}

const eventTypes: ReadonlySet<string> = new Set(["node", "service", "container"]);

/** One /events line; undefined for types the controller does not watch or junk. */
export function parseEvent(raw: unknown): SwarmEvent | undefined {
  const event = obj(raw);
  const type = str(event.Type);
  if (!eventTypes.has(type)) return undefined;
  return { type: type as SwarmEvent["type"], action: str(event.Action), id: str(obj(event.Actor).ID, str(event.id)) };
}
