import type { BlockFilesystem, FilesystemFeatures, NodeBackend } from "../../core/ports.js";
import type { FsType, VolumeRecord, VolumeSpec } from "../../core/volume.js";
import { LocalBackend } from "../../storage/local/localBackend.js";

/** What a fake block device holds: a filesystem signature, or raw data, or nothing. */
export interface FakeDevice {
  signature: string | null;
  headZero: boolean;
}

/**
 * A recording backend and filesystem sharing one set of fake devices. `actions` lists
 * every side effect in order, so tests can assert the exact sequence (and its absence).
 */
export class FakeNode {
  readonly actions: string[] = [];
  readonly devices = new Map<string, FakeDevice>();
  readonly mounted = new Map<string, string>();
  /** Set to make the next call of that name fail once. */
  failNext: Partial<Record<"create" | "attach" | "mount" | "mkfs" | "unmount", Error>> = {};
  /** Attach of the named volume waits for this promise (to prove calls run in parallel). */
  readonly attachGates = new Map<string, Promise<void>>();
  private readonly validation = new LocalBackend("/unused", { run: async () => ({ code: 0, stdout: "", stderr: "" }) });

  private failIfArmed(what: keyof FakeNode["failNext"]): void {
    const error = this.failNext[what];
    if (error) {
      delete this.failNext[what];
      throw error;
    }
  }

  readonly backend: NodeBackend = {
    name: "local",
    options: this.validation.options,
    buildSpec: (name, options): VolumeSpec => this.validation.buildSpec(name, options),
    create: async (record: VolumeRecord) => {
      this.actions.push(`create ${record.spec.name}`);
      this.failIfArmed("create");
      if (!this.devices.has(deviceOf(record))) this.devices.set(deviceOf(record), { signature: null, headZero: true });
    },
    remove: async (record) => {
      this.actions.push(`remove ${record.spec.name}`);
      this.devices.delete(deviceOf(record));
    },
    attach: async (record) => {
      this.actions.push(`attach ${record.spec.name}`);
      await this.attachGates.get(record.spec.name);
      this.failIfArmed("attach");
      return deviceOf(record);
    },
    detach: async (record) => {
      this.actions.push(`detach ${record.spec.name}`);
    },
  };

  readonly filesystem: BlockFilesystem = {
    probe: async (device) => this.devices.get(device)?.signature ?? null,
    headIsZero: async (device) => this.devices.get(device)?.headZero ?? true,
    makeFilesystem: async (device: string, fsType: FsType, _label: string, features?: FilesystemFeatures) => {
      this.actions.push(`mkfs ${fsType} ${device}${features?.multiMountProtection === true ? " mmp" : ""}`);
      this.failIfArmed("mkfs");
      this.devices.set(device, { signature: fsType, headZero: false });
    },
    check: async (device) => {
      this.actions.push(`fsck ${device}`);
    },
    mount: async (device, target) => {
      this.actions.push(`mount ${device} ${target}`);
      this.failIfArmed("mount");
      this.mounted.set(target, device);
    },
    ensureDirectory: async () => {},
    unmount: async (target) => {
      this.actions.push(`unmount ${target}`);
      this.failIfArmed("unmount");
      this.mounted.delete(target);
    },
    isMounted: async (target) => this.mounted.has(target),
  };
}

export function deviceOf(record: VolumeRecord): string {
  return `/dev/fake-${record.uid}`;
}
