import type { EventSink } from "../../core/events.js";
import type { Catalog } from "../../core/ports.js";
import type { VolumeRecord } from "../../core/volume.js";
import { removedEvent, volumeEvents } from "./volumeEvents.js";

/**
 * The leader's catalog that tells its events: each durable write is compared with the
 * record it replaces (volumeEvents.ts) and the differences are recorded once it is
 * durable, so an event never tells of a state that a crash could take back. Reads pass
 * through. Only a term's controller writes through it: a takeover's restore and a
 * resync's rebuild write the plain catalog, since they change nothing an operator did.
 */
export class RecordingCatalog implements Catalog {
  constructor(private readonly inner: Catalog, private readonly events: EventSink) {}

  get(name: string): VolumeRecord | undefined {
    return this.inner.get(name);
  }

  list(): VolumeRecord[] {
    return this.inner.list();
  }

  async put(record: VolumeRecord): Promise<void> {
    const before = this.inner.get(record.spec.name);
    await this.inner.put(record);
    for (const event of volumeEvents(before, record)) this.events.record(event);
  }

  async remove(name: string): Promise<void> {
    const before = this.inner.get(name);
    await this.inner.remove(name);
    if (before) this.events.record(removedEvent(before));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
