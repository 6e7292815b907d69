/**
 * Which Swarm tasks want a volume, pure: the task half of decide()'s `wants`.
 *
 * A mount that names swarmvol's driver is the volume's whatever the catalog holds. A mount
 * that names no driver (a stack file's `external: true` volume: `docker stack deploy`
 * leaves the driver out of the service) is resolved by name, the way Docker on the node
 * resolves it: dockerd asks every volume driver for the name, and swarmvol's Get answers
 * from the cluster-wide catalog. So a driverless mount of a name the catalog holds is
 * treated exactly like a driver mount (placement, pre-attach, moves); one the catalog does
 * not hold is some other driver's volume (or nobody's yet) and is never created nor
 * claimed (ADR 0015). Whether the catalog holds the name is data passed in, so this stays
 * table-testable and the reconciler decides on one read of its catalog.
 */
import type { Want } from "./placement.js";
import { liveTaskStates, type SwarmTask, type TaskVolume } from "./swarm.js";

/**
 * Desired states of a task that will run where it is: `ready` is a rolling update's new
 * task waiting for the old one to stop, so the volume's next home is known before the old
 * holder releases it and the move starts the moment it does.
 */
const wantedStates: ReadonlySet<string> = new Set(["running", "ready"]);

/** Whether this mount of a task is of swarmvol's volume `name`, given whether the catalog holds that name. */
export function mountIsOurs(mount: TaskVolume, name: string, inCatalog: boolean): boolean {
  if (mount.source !== name) return false;
  return mount.driver === "swarmvol" || inCatalog;
}

/** Whether the task mounts swarmvol's volume `name` at all (by driver, or by name through the catalog). */
export function taskMounts(task: SwarmTask, name: string, inCatalog: boolean): boolean {
  return task.volumes.some((mount) => mountIsOurs(mount, name, inCatalog));
}

/**
 * The wants of `name` from tasks Swarm placed: desired running (or ready), on a node, not
 * yet finished, with a mount of the volume that is ours. `since` is the task's UpdatedAt.
 */
export function taskWants(name: string, tasks: readonly SwarmTask[], inCatalog: boolean): Want[] {
  return tasks
    .filter((task) => task.nodeId !== undefined && wantedStates.has(task.desiredState) && liveTaskStates.has(task.state) && taskMounts(task, name, inCatalog))
    .map((task): Want => ({ nodeId: task.nodeId as string, source: "task", since: Date.parse(task.updatedAt) || 0, ref: task.id }));
}

/**
 * The driver options of `name` as the tasks Swarm placed declare it (a stack file's
 * `driver: swarmvol` with `driver_opts`, or `--mount …,volume-driver=swarmvol,volume-opt=…`),
 * when every such mount agrees; undefined when no wanted task mounts it by swarmvol's
 * driver, or when they disagree (Docker's own Create then says which one is refused).
 * dockerd on the node asks for the volume only after Swarm prepared the task's network,
 * seconds after the placement; the controller can start the cloud work from this (ADR 0029).
 */
export function declaredOptions(name: string, tasks: readonly SwarmTask[]): Readonly<Record<string, string>> | undefined {
  const placed = tasks.filter((task) => taskWants(name, [task], false).length > 0);
  const declared = placed.flatMap((task) => task.volumes.filter((mount) => mount.driver === "swarmvol" && mount.source === name).map((mount) => mount.options));
  const [first] = declared;
  if (first === undefined) return undefined;
  const key = (options: Readonly<Record<string, string>>) => JSON.stringify(Object.entries(options).sort(([a], [b]) => a.localeCompare(b)));
  return declared.every((options) => key(options) === key(first)) ? first : undefined;
}
