import { BUSYBOX_IMAGE, killLabNode, restartLabNode, type LabDeps, type LabState } from "../../lab/cluster/index.js";
import { dockerOn, managerOf, nodeNamed, sleep, tasksOf, waitFor } from "./labDocker.js";

const writer = "i=0; while true; do i=$((i+1)); echo $i >> /data/log; sync; sleep 0.2; done";

export async function createWriter(state: LabState, name: string, volume: string): Promise<void> {
  await dockerOn(managerOf(state), ["volume", "create", "-d", "swarmvol", "-o", "size=1", volume]);
  await dockerOn(managerOf(state), [
    "service", "create", "-d", "--name", name, "--restart-delay", "0s", "--constraint", "node.role==worker",
    "--mount", `type=volume,source=${volume},target=/data,volume-driver=swarmvol`, BUSYBOX_IMAGE, "sh", "-c", writer,
  ]);
}

export interface KillSample {
  /** Kill → Swarm lists the node down. */
  detectionMs: number;
  /** Kill → the new task's container reads back the data written before the kill. */
  dataBackMs: number;
}

/** Kills the node running `service`, times detection and data back, then restarts the node. */
export async function killAndTime(state: LabState, dir: string, deps: LabDeps, service: string): Promise<KillSample> {
  const running = await waitFor("the writer running", 180_000, async () => (await tasksOf(state, service)).find((task) => task.state === "running" && task.desired === "running"));
  await sleep(2000);
  const victim = nodeNamed(state, running.node);
  const killedAt = Date.now();
  await killLabNode(dir, victim.name, deps);
  const downAt = await waitFor("Swarm to list the killed node down", 120_000, async () => {
    const nodeState = await dockerOn(managerOf(state), ["node", "inspect", "-f", "{{.Status.State}}", victim.name]);
    return nodeState === "down" ? Date.now() : undefined;
  }, 200);
  const backAt = await waitFor("the data back on another node", 180_000, async () => {
    const task = (await tasksOf(state, service)).find((t) => t.state === "running" && t.desired === "running" && t.node !== victim.name);
    if (!task) return undefined;
    const node = nodeNamed(state, task.node);
    const container = (await dockerOn(node, ["ps", "-q", "--filter", `name=${service}.`])).split("\n")[0];
    if (!container) return undefined;
    const lines = Number(await dockerOn(node, ["exec", container, "sh", "-c", "wc -l < /data/log"]));
    return lines > 0 ? Date.now() : undefined;
  }, 100);
  await restartLabNode(dir, victim.name, deps);
  return { detectionMs: downAt - killedAt, dataBackMs: backAt - killedAt };
}
