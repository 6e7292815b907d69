import type { ShareMounter } from "../../core/fileShares.js";
import { isNfsShare, nfsShareDevice, type GrantedShare } from "../../core/nfsShares.js";

/**
 * A recording ShareMounter: `actions` lists each mount and unmount it ran (pass another
 * fake's list to see the order across both). Like the real ones, a mount of a target
 * already mounted is success and runs nothing.
 */
export class FakeShareMounter implements ShareMounter {
  readonly mounted = new Map<string, GrantedShare>();
  /** Set to make the next unmount fail once (a busy mount). */
  failNextUnmount: Error | undefined;

  constructor(readonly actions: string[] = []) {}

  async mount(share: GrantedShare, target: string): Promise<void> {
    if (this.mounted.has(target)) return;
    const what = isNfsShare(share) ? nfsShareDevice(share) : `${share.mountTargetIp}:${share.fileSystemId}/${share.accessPointId}${share.rootPath}`;
    this.actions.push(`share mount ${what} ${target}`);
    this.mounted.set(target, share);
  }

  async unmount(target: string): Promise<void> {
    this.actions.push(`share unmount ${target}`);
    const error = this.failNextUnmount;
    this.failNextUnmount = undefined;
    if (error) throw error;
    this.mounted.delete(target);
  }

  async isMounted(target: string): Promise<boolean> {
    return this.mounted.has(target);
  }
}
