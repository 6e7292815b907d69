import { BUSYBOX_IMAGE, type LabState } from "../../lab/cluster/index.js";
import { dockerOn, managerOf, tasksOf, waitFor, type TaskRow } from "./labDocker.js";

/** The running task that is newer than `after`, once there is one. */
async function newRunningTask(state: LabState, service: string, after: number): Promise<TaskRow> {
  return waitFor(`a new running task of ${service}`, 180_000, async () =>
    (await tasksOf(state, service)).find((task) => task.state === "running" && task.desired === "running" && task.createdAt > after));
}

/**
 * Seconds from Swarm creating a task to it running, for `moves` moves forced with
 * `service update --constraint-add node.hostname!=<current>` (stop-first, Swarm's default).
 */
export async function handoffTimes(state: LabState, service: string, moves: number): Promise<number[]> {
  const times: number[] = [];
  let current = await newRunningTask(state, service, 0);
  let previousConstraint: string | undefined;
  for (let move = 0; move < moves; move += 1) {
    const constraint = `node.hostname!=${current.node}`;
    const args = ["service", "update", "-d", "--constraint-add", constraint];
    if (previousConstraint) args.push("--constraint-rm", previousConstraint);
    await dockerOn(managerOf(state), [...args, service]);
    const next = await newRunningTask(state, service, current.createdAt);
    times.push(next.stateAt - next.createdAt);
    previousConstraint = constraint;
    current = next;
  }
  return times;
}

/** Creates a 1-replica service on workers, with a swarmvol volume or without. */
export async function createMover(state: LabState, name: string, volume: string | undefined): Promise<void> {
  const mount = volume ? ["--mount", `type=volume,source=${volume},target=/data,volume-driver=swarmvol`] : [];
  if (volume) await dockerOn(managerOf(state), ["volume", "create", "-d", "swarmvol", "-o", "size=1", volume]);
  await dockerOn(managerOf(state), [
    "service", "create", "-d", "--name", name, "--restart-delay", "0s", "--stop-grace-period", "1s", "--constraint", "node.role==worker",
    ...mount, BUSYBOX_IMAGE, "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done",
  ]);
}
