/**
 * The lab's PowerHost (lab/cloud/power.ts): an emulated instance is the lab node with its
 * instance id, and its power is the node's PID namespace. StopInstances ends with SIGKILL
 * to the node's PID 1 (killNode: dockerd, containers, the agent, a SIGSTOP'd one too, all
 * at once), so `stopped` in the emulator means the node really runs nothing any more.
 * The emulator runs as root in the root namespace; it reads the lab's state file for the
 * node's PID 1 on every call and writes nothing (killNode checks the PID is still that
 * node's PID 1, and `lab restart` finds the node down), so no state file race with the
 * process that runs the drill.
 *
 * Power on does nothing: booting a lab node needs its supervisor, the swarm and the
 * plugin checks of `restartLabNode`, which the drill runs itself after StartInstances.
 */
import type { Clock, Logger } from "../../core/ports.js";
import type { PowerHost } from "../cloud/power.js";
import type { InstanceSpec } from "../cloud/types.js";
import { killNode } from "./node.js";
import { readState } from "./state.js";

export function labPowerHost(labDir: string, clock: Clock, logger: Logger): PowerHost {
  return {
    async powerOff(instance: InstanceSpec) {
      const state = await readState(labDir);
      const node = state?.nodes.find((n) => n.instanceId === instance.instanceId);
      if (node === undefined) {
        logger.warn({ instanceId: instance.instanceId, labDir }, "no lab node for this instance; nothing to power off");
        return;
      }
      await killNode(node, clock);
      logger.info({ instanceId: instance.instanceId, node: node.name }, "lab node powered off");
    },
    async powerOn(instance: InstanceSpec) {
      logger.info({ instanceId: instance.instanceId }, "power on is the lab's job (lab restart); nothing done");
    },
  };
}
