/** AttachVolume and DetachVolume: the attachment half of the state machine. */
import type { CloudEngine } from "./engine.js";
import { errors } from "./ec2Error.js";
import { bool, optional, required, type Params } from "./params.js";
import { attachmentXml } from "./render.js";
import type { InstanceRecord, VolumeRecord } from "./types.js";

/** `/dev/sdf`, `/dev/xvdf`, `/dev/xvdaa`, `/dev/sda1`: the names EC2 accepts on Linux. */
const DEVICE_NAME = /^\/dev\/(sd[a-z]{1,2}[0-9]{0,2}|xvd[a-z]{1,2})$/;
const ROOT_DEVICES = ["/dev/xvda", "/dev/sda1", "/dev/sda"];

function checkDeviceFree(engine: CloudEngine, instanceId: string, device: string): void {
  if (ROOT_DEVICES.includes(device)) throw errors.deviceInUse(device);
  for (const v of Object.values(engine.state.volumes)) {
    if (v.attachment?.instanceId === instanceId && v.attachment.device === device) throw errors.deviceInUse(device);
  }
}

function attachmentCount(engine: CloudEngine, instanceId: string): number {
  return Object.values(engine.state.volumes).filter((v) => v.attachment?.instanceId === instanceId).length;
}

function lookup(engine: CloudEngine, volumeId: string, instanceId: string): [VolumeRecord, InstanceRecord] {
  const v = engine.state.volumes[volumeId];
  if (v === undefined) throw errors.volumeNotFound([volumeId]);
  const instance = engine.state.instances[instanceId];
  if (instance === undefined) throw errors.instanceNotFound([instanceId]);
  return [v, instance];
}

/** AttachVolume: the volume goes `in-use` at once, the attachment `attaching` then `attached`. */
export function attachVolume(engine: CloudEngine, p: Params): string {
  const volumeId = required(p, "VolumeId");
  const instanceId = required(p, "InstanceId");
  const device = required(p, "Device");
  if (!DEVICE_NAME.test(device)) {
    throw errors.invalidValue(`Value (${device}) for parameter device is invalid. ${device} is not a valid EBS device name.`);
  }
  const [v, instance] = lookup(engine, volumeId, instanceId);
  if (instance.state !== "running" && instance.state !== "stopped") throw errors.incorrectInstanceState(instanceId);
  if (v.zone !== instance.zone) throw errors.zoneMismatch(volumeId, instanceId);
  if (v.attachment !== undefined) throw errors.alreadyAttached(volumeId);
  if (v.status !== "available") throw errors.incorrectState(`The volume '${volumeId}' is not in the 'available' state.`);
  checkDeviceFree(engine, instanceId, device);
  if (attachmentCount(engine, instanceId) >= engine.faults.attachLimit) throw errors.attachmentLimit(instanceId);
  engine.dryRunGate(p);
  const stuck = engine.faults.stickNextAttach > 0;
  if (stuck) engine.faults.stickNextAttach--;
  const now = engine.now();
  v.attachment = {
    instanceId, device, status: "attaching", attachTime: now, dueAt: now + engine.faults.latencyMs.attach,
    stuck, forced: false, deviceAttached: false,
  };
  v.status = "in-use";
  engine.event({ type: "attach-requested", volumeId, instanceId, device, ...(stuck ? { detail: "stuck" } : {}) });
  if (!stuck) engine.schedule(v.attachment.dueAt);
  return attachmentXml(v);
}

/**
 * DetachVolume: `detaching`, then the attachment disappears and the volume is `available`.
 * While the instance still has the device mounted the attachment stays `busy`, unless Force.
 * Repeating a detach is answered with the attachment as it is; adding Force to a pending one
 * forces it, also one stuck `detaching` by the `stickNextDetach` fault (as on EBS, where
 * Force is the remedy for a volume that stays detaching).
 */
export function detachVolume(engine: CloudEngine, p: Params): string {
  const volumeId = required(p, "VolumeId");
  const instanceId = optional(p, "InstanceId");
  const device = optional(p, "Device");
  const force = bool(p, "Force") ?? false;
  const v = engine.state.volumes[volumeId];
  if (v === undefined) throw errors.volumeNotFound([volumeId]);
  if (instanceId !== undefined && engine.state.instances[instanceId] === undefined) {
    throw errors.instanceNotFound([instanceId]);
  }
  const a = v.attachment;
  if (a === undefined) throw errors.incorrectState(`Volume '${volumeId}' is in the '${v.status}' state.`);
  if ((instanceId !== undefined && a.instanceId !== instanceId) || (device !== undefined && a.device !== device)) {
    throw errors.attachmentNotFound(volumeId, instanceId ?? a.instanceId);
  }
  engine.dryRunGate(p);
  const now = engine.now();
  if (a.status === "detaching" || a.status === "busy") {
    if (force && !a.forced) {
      a.forced = true;
      a.stuck = false;
      a.dueAt = now;
      engine.event({ type: "detach-requested", volumeId, instanceId: a.instanceId, detail: "force" });
      engine.schedule(now);
    }
    return attachmentXml(v);
  }
  const stuck = !force && engine.faults.stickNextDetach > 0;
  if (stuck) engine.faults.stickNextDetach--;
  a.status = "detaching";
  a.forced = force;
  a.stuck = stuck; // from here on: the detach (not the attach) never finishes on its own
  a.dueAt = now + engine.faults.latencyMs.detach;
  const detail = force ? "force" : stuck ? "stuck" : undefined;
  engine.event({ type: "detach-requested", volumeId, instanceId: a.instanceId, ...(detail === undefined ? {} : { detail }) });
  if (!stuck) engine.schedule(a.dueAt);
  return attachmentXml(v);
}
