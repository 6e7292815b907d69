import { alreadyExists } from "../core/errors.js";
import type { Attachment, Catalog, Clock, Logger, NodeAttacher, NodeBackend, VolumeDirectory } from "../core/ports.js";
import { sameRequest, type VolumeRecord, type VolumeSpec } from "../core/volume.js";

/**
 * The directory and attacher of a single host (all-in-one): the local catalog and a
 * backend whose devices appear on this machine. There is nobody to move volumes between.
 */
export class LocalDirectory implements VolumeDirectory, NodeAttacher {
  constructor(
    private readonly deps: {
      catalog: Catalog; backend: NodeBackend; clock: Clock; logger: Logger; newUid: () => string;
      /**
       * Builds a Create's spec: all-in-one's backend registry (core/backends.ts, so `-o
       * backend=` and `-o access=` are read as on a controller); the backend's own parser
       * when left out.
       */
      specs?: { buildSpec(name: string, options: Readonly<Record<string, unknown>> | null | undefined): VolumeSpec };
    },
  ) {}

  async get(name: string): Promise<VolumeRecord | undefined> {
    return this.deps.catalog.get(name);
  }

  async list(): Promise<VolumeRecord[]> {
    return this.deps.catalog.list();
  }

  /**
   * Writes the record as `creating` before touching the backend and `ready` after, so a
   * crash in between is finished by the next Create with the same uid (no orphan storage).
   */
  async create(name: string, options: Readonly<Record<string, unknown>> | null | undefined): Promise<VolumeRecord> {
    const spec = (this.deps.specs ?? this.deps.backend).buildSpec(name, options);
    let existing = this.deps.catalog.get(name);
    if (existing?.status.phase === "creating" && !sameRequest(existing.spec, spec.options)) {
      // An unfinished create (crash) never held data: the new request replaces it.
      await this.discard(existing);
      existing = undefined;
    }
    if (existing && !sameRequest(existing.spec, spec.options)) {
      throw alreadyExists(
        `volume "${name}" already exists with options ${JSON.stringify(existing.spec.options)}; use another name or remove it first (docker volume rm ${name})`,
        { name },
      );
    }
    if (existing?.status.phase === "ready") return existing;
    const record: VolumeRecord = existing ?? {
      uid: this.deps.newUid(),
      createdAt: new Date(this.deps.clock.now()).toISOString(),
      spec,
      status: { phase: "creating", fresh: true, epoch: 0 },
    };
    await this.deps.catalog.put(record);
    try {
      await this.deps.backend.create(record);
    } catch (err) {
      // A create the backend refused (EFBIG, no space) must not leave a name stuck in `creating`.
      await this.discard(record).catch((cleanup: unknown) => {
        this.deps.logger.error({ volume: name, err: (cleanup as Error).message }, "could not undo a failed create; the next create of this name retries it");
      });
      throw err;
    }
    const ready: VolumeRecord = { ...record, status: { ...record.status, phase: "ready" } };
    await this.deps.catalog.put(ready);
    this.deps.logger.info({ volume: name, uid: record.uid, sizeBytes: spec.sizeBytes }, "volume created");
    return ready;
  }

  /** Removes what a create that never finished may have made, then its catalog entry. */
  private async discard(record: VolumeRecord): Promise<void> {
    await this.deps.backend.remove(record);
    await this.deps.catalog.remove(record.spec.name);
    this.deps.logger.warn({ volume: record.spec.name, uid: record.uid }, "unfinished create discarded");
  }

  async remove(name: string): Promise<void> {
    const record = this.deps.catalog.get(name);
    if (!record) return;
    await this.deps.backend.detach(record);
    await this.deps.backend.remove(record);
    await this.deps.catalog.remove(name);
    this.deps.logger.info({ volume: name, uid: record.uid }, "volume removed");
  }

  async markFormatted(name: string): Promise<void> {
    const current = this.deps.catalog.get(name);
    if (current?.status.fresh) await this.deps.catalog.put({ ...current, status: { ...current.status, fresh: false } });
  }

  async attach(record: VolumeRecord): Promise<Attachment> {
    return { device: await this.deps.backend.attach(record), epoch: record.status.epoch };
  }

  async release(record: VolumeRecord): Promise<void> {
    await this.deps.backend.detach(record);
  }
}
