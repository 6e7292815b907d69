import type { CloudResize } from "../../core/cloud.js";
import { conflict, invalidArgument, notFound, timeout } from "../../core/errors.js";
import type { FakeCloud } from "./fakeCloud.js";

const GiB = 1024 ** 3;

/**
 * A recording CloudResize over a FakeCloud's volumes, with EBS's rules: sizes in whole
 * GiB, a smaller size refused, a modification `modifying` for `modifyingCalls` calls of
 * `grow` (each answering TIMEOUT, as a wait that ran out) before the volume takes its new
 * size. `refuseNext` makes the next grow throw that error once (the six-hour rule: CONFLICT).
 */
export class FakeResize implements CloudResize {
  readonly calls: string[] = [];
  /** How many grow calls of a new modification answer TIMEOUT before it is usable. */
  modifyingCalls = 0;
  refuseNext: Error | undefined;
  private readonly running = new Map<string, { sizeBytes: number; left: number }>();

  constructor(private readonly cloud: FakeCloud) {}

  async grow(volumeId: string, sizeBytes: number, timeoutMs: number): Promise<{ sizeBytes: number }> {
    this.calls.push(`grow ${volumeId} ${sizeBytes / GiB}GiB`);
    const refusal = this.refuseNext;
    this.refuseNext = undefined;
    if (refusal) throw refusal;
    const volume = this.cloud.volumes.get(volumeId);
    if (!volume) throw notFound(`EBS volume ${volumeId} does not exist`);
    const target = Math.ceil(sizeBytes / GiB) * GiB;
    if (target < volume.sizeBytes) throw invalidArgument(`volume ${volumeId} is ${volume.sizeBytes / GiB} GiB and EBS volumes only grow`);
    const modification = this.running.get(volumeId);
    if (modification && modification.sizeBytes < target) throw conflict(`volume ${volumeId} is being modified to ${modification.sizeBytes / GiB} GiB now`);
    if (target === volume.sizeBytes && !modification) return { sizeBytes: target };
    const current = modification ?? { sizeBytes: target, left: this.modifyingCalls };
    this.running.set(volumeId, current);
    if (current.left > 0) {
      current.left -= 1;
      throw timeout(`EBS volume ${volumeId} not grown to ${target / GiB} GiB after ${timeoutMs} ms`);
    }
    this.running.delete(volumeId);
    volume.sizeBytes = current.sizeBytes;
    return { sizeBytes: current.sizeBytes };
  }
}
