import type { ShareMount, ShareMounter } from "../../core/fileShares.js";

/**
 * A recording ShareMounter: `actions` lists each mount and unmount it ran (pass another
 * fake's list to see the order across both). Like the real ones, a mount of a target
 * already mounted is success and runs nothing.
 */
export class FakeShareMounter implements ShareMounter {
  readonly mounted = new Map<string, ShareMount>();
  /** Set to make the next unmount fail once (a busy mount). */
  failNextUnmount: Error | undefined;

  constructor(readonly actions: string[] = []) {}

  async mount(share: ShareMount, target: string): Promise<void> {
    if (this.mounted.has(target)) return;
    this.actions.push(`share mount ${share.mountTargetIp}:${share.fileSystemId}/${share.accessPointId}${share.rootPath} ${target}`);
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
