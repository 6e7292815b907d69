/**
 * The seam between the emulator's instance states and a machine's power, like DeviceHost
 * is for block devices. The emulator calls `powerOff` at the end of `stopping`, before the
 * instance reads `stopped`: whoever sees `stopped` may rely on nothing of it running any
 * more (that is what power fencing relies on, ADR 0012). In the lab the power of a node is
 * its PID namespace (lab/cluster/nodePower.ts kills it); tests record the calls.
 *
 * Implementations must be idempotent: after a crash the emulator may repeat a call.
 */
import type { InstanceSpec } from "./types.js";

export interface PowerHost {
  /** Cuts the instance's power; resolves once nothing of it runs. A failure leaves it `stopping` (retried). */
  powerOff(instance: InstanceSpec, options: { force: boolean }): Promise<void>;
  /**
   * Powers it on at the end of `pending`. May do nothing where booting is someone else's
   * job (the lab: the drill restarts its node itself, with its supervisor).
   */
  powerOn(instance: InstanceSpec): Promise<void>;
}

/** No machines behind the instances: states change, nothing else happens. */
export const nullPowerHost: PowerHost = {
  async powerOff() {},
  async powerOn() {},
};
