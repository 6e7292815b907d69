/**
 * The seam between the emulator's state machine and real block devices. The emulator
 * calls these at the moments EBS would make something happen on a host: a volume's
 * storage exists once `creating` ends, a device appears on the instance when the
 * attachment reaches `attached` and disappears when a detach completes.
 *
 * Implementations must be idempotent: after a crash the emulator may repeat a call.
 */
import type { InstanceSpec } from "./types.js";

export interface DeviceHost {
  /** Makes the backing storage for a new volume, optionally filled from a snapshot. */
  createVolume(volumeId: string, sizeGiB: number, fromSnapshotId?: string): Promise<void>;
  /** Removes a volume's backing storage. Missing storage is not an error. */
  deleteVolume(volumeId: string): Promise<void>;
  /** Makes the volume visible on the instance (`nvme-Amazon_Elastic_Block_Store_vol…`). */
  attach(volumeId: string, instance: InstanceSpec, deviceName: string): Promise<void>;
  /**
   * Removes the device from the instance. Without `force` the caller has checked `isBusy`
   * first; with `force` the device goes even if a filesystem on it is still mounted.
   */
  detach(volumeId: string, instance: InstanceSpec, options: { force: boolean }): Promise<void>;
  /** Whether the instance still uses the device (a filesystem on it is mounted). */
  isBusy(volumeId: string, instance: InstanceSpec): Promise<boolean>;
  /** Grows the volume's storage to `sizeGiB` while it may be attached (ModifyVolume); the device sees the new size. */
  resizeVolume(volumeId: string, sizeGiB: number): Promise<void>;
  /** A point-in-time copy of the volume's data. */
  createSnapshot(volumeId: string, snapshotId: string): Promise<void>;
  deleteSnapshot(snapshotId: string): Promise<void>;
}

/** A host with no devices at all: the API behaves, nothing appears anywhere. */
export const nullDeviceHost: DeviceHost = {
  async createVolume() {},
  async deleteVolume() {},
  async attach() {},
  async detach() {},
  async isBusy() {
    return false;
  },
  async resizeVolume() {},
  async createSnapshot() {},
  async deleteSnapshot() {},
};
