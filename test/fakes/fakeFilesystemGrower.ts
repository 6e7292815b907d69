import type { FilesystemGrower } from "../../core/ports.js";

/**
 * A recording FilesystemGrower over pretend devices: `devices` holds each device's size,
 * a grow makes its filesystem fill it (`filesystems`, bytes as statfs shows them: 98% of
 * the device, like a real filesystem's own overhead). `failNext` makes the next grow of
 * that kind throw once (ext4 online in the lab: no CAP_SYS_RESOURCE); `broken` makes every
 * grow exit well and change nothing (a grower that silently does nothing).
 */
export class FakeFilesystemGrower implements FilesystemGrower {
  readonly calls: string[] = [];
  readonly devices = new Map<string, number>();
  readonly filesystems = new Map<string, number>();
  failNext: Partial<Record<"mounted" | "unmounted", Error>> = {};
  broken = false;

  async growMounted(device: string, mountPoint: string, fsType: string): Promise<void> {
    this.calls.push(`grow mounted ${fsType} ${device} at ${mountPoint}`);
    this.fail("mounted");
    this.fill(device);
  }

  async growUnmounted(device: string, fsType: string): Promise<void> {
    this.calls.push(`grow unmounted ${fsType} ${device}`);
    this.fail("unmounted");
    this.fill(device);
  }

  async sizes(device: string): Promise<{ deviceBytes: number; filesystemBytes: number }> {
    const deviceBytes = this.devices.get(device) ?? 0;
    return { deviceBytes, filesystemBytes: this.filesystems.get(device) ?? Math.floor(deviceBytes * 0.98) };
  }

  private fill(device: string): void {
    if (this.broken) return;
    this.filesystems.set(device, Math.floor((this.devices.get(device) ?? 0) * 0.98));
  }

  private fail(kind: "mounted" | "unmounted"): void {
    const error = this.failNext[kind];
    if (error) {
      delete this.failNext[kind];
      throw error;
    }
  }
}
