/**
 * Chooses the device name for AttachVolume, per instance. On Nitro the name is only a hint
 * (the disk shows up as /dev/nvmeXn1), but EC2 still refuses a name that is taken, and a
 * name reused right after a detach can leave the next attach stuck in `attaching`
 * (REX-Ray #773, ebs-csi-driver's allocator). So a name is never handed out while it is in
 * use, nor within `cooldownMs` of its release, nor for `badMs` after EC2 called it in use.
 * Pure: time comes in as arguments, nothing is read from the cloud.
 */
import { limitExceeded } from "../../core/errors.js";

/** `/dev/xvdba` … `/dev/xvdbz`, `/dev/xvdca` … `/dev/xvdcz`: 52 names outside the root and ephemeral ranges. */
export function defaultDeviceNames(): string[] {
  const names: string[] = [];
  for (const first of ["b", "c"]) {
    for (let code = "a".charCodeAt(0); code <= "z".charCodeAt(0); code++) names.push(`/dev/xvd${first}${String.fromCharCode(code)}`);
  }
  return names;
}

type SlotState = "reserved" | "in-use" | "cooldown" | "bad";

interface Slot {
  state: SlotState;
  /** For `cooldown` and `bad`: when the name may be handed out again (epoch ms). */
  until: number;
}

export interface DeviceAllocatorOptions {
  /** Candidate names in preference order. @default defaultDeviceNames() */
  names?: readonly string[];
  /** A released name rests this long before reuse. @default 10 minutes */
  cooldownMs?: number;
  /** A name EC2 said is in use (not by us) is avoided this long. @default 60 minutes */
  badMs?: number;
}

export class DeviceAllocator {
  private readonly names: readonly string[];
  private readonly cooldownMs: number;
  private readonly badMs: number;
  private readonly instances = new Map<string, Map<string, Slot>>();

  constructor(options: DeviceAllocatorOptions = {}) {
    this.names = options.names ?? defaultDeviceNames();
    this.cooldownMs = options.cooldownMs ?? 10 * 60_000;
    this.badMs = options.badMs ?? 60 * 60_000;
    if (this.names.length === 0) throw new TypeError("`names` must list at least one device name");
  }

  private slots(instanceId: string): Map<string, Slot> {
    let slots = this.instances.get(instanceId);
    if (slots === undefined) {
      slots = new Map();
      this.instances.set(instanceId, slots);
    }
    return slots;
  }

  private isFree(slot: Slot | undefined, now: number): boolean {
    if (slot === undefined) return true;
    return (slot.state === "cooldown" || slot.state === "bad") && slot.until <= now;
  }

  /**
   * Reserves the first free name for an attach about to be requested. Throws LIMIT_EXCEEDED
   * when every name is in use or resting.
   */
  allocate(instanceId: string, now: number): string {
    const slots = this.slots(instanceId);
    for (const name of this.names) {
      if (!this.isFree(slots.get(name), now)) continue;
      slots.set(name, { state: "reserved", until: 0 });
      return name;
    }
    throw limitExceeded(
      `no free device name on instance ${instanceId}: all ${this.names.length} are in use or resting after a detach; move a volume off this node or wait a few minutes`,
      { instanceId },
    );
  }

  /** The name is attached (we attached it, or a describe showed it). */
  markInUse(instanceId: string, device: string): void {
    this.slots(instanceId).set(device, { state: "in-use", until: 0 });
  }

  /** The name was detached (or the attach never happened): rest it before reuse. */
  release(instanceId: string, device: string, now: number): void {
    this.slots(instanceId).set(device, { state: "cooldown", until: now + this.cooldownMs });
  }

  /** A reservation whose AttachVolume was refused before anything was attached: free at once. */
  cancel(instanceId: string, device: string): void {
    const slots = this.slots(instanceId);
    if (slots.get(device)?.state === "reserved") slots.delete(device);
  }

  /** EC2 said the name is taken (by something we do not know of) or an attach on it got stuck. */
  markBad(instanceId: string, device: string, now: number): void {
    this.slots(instanceId).set(device, { state: "bad", until: now + this.badMs });
  }

  /**
   * Learns from a describe of swarmvol volumes. Every device seen becomes in use. When the
   * describe covered every swarmvol volume (`complete`), our in-use names it did not show were
   * detached behind our back (another controller run, a console click): they start resting.
   */
  observe(attachments: Iterable<{ instanceId: string; device: string }>, now: number, complete: boolean): void {
    const seen = new Map<string, Set<string>>();
    for (const { instanceId, device } of attachments) {
      this.markInUse(instanceId, device);
      const devices = seen.get(instanceId) ?? new Set<string>();
      devices.add(device);
      seen.set(instanceId, devices);
    }
    if (!complete) return;
    for (const [instanceId, slots] of this.instances) {
      for (const [device, slot] of slots) {
        if (slot.state === "in-use" && !seen.get(instanceId)?.has(device)) this.release(instanceId, device, now);
      }
    }
  }

  /** For logs and tests: the state of every name we know on an instance. */
  stateOf(instanceId: string, now: number): Record<string, SlotState | "free"> {
    const result: Record<string, SlotState | "free"> = {};
    for (const [device, slot] of this.instances.get(instanceId) ?? []) {
      result[device] = this.isFree(slot, now) ? "free" : slot.state;
    }
    return result;
  }
}
