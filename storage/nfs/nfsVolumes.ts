/**
 * The controller verbs of the NFS backend (core/cloud.ts BackendVolumes, ADR 0027, 0031)
 * over the ExportDirectories port: a volume is a directory of the operator's export, and
 * its marker (`<export>/.swarmvol/<id>.json`) holds what EFS keeps in an access point's
 * tags, so decide(), epochs, fencing and the rebuild drive it as they drive EFS.
 *
 * - `create`: the directory `<name>-<uid hash>` (with the volume's owner and mode), then the
 *   marker; the id comes from the uid, so a retry finds both (an existing marker is the answer).
 * - `attach` (place on a node): the tag `swarmvol/at/<instance>` in the marker ("marker-file
 *   placement"); the grant's device names the export, the directory and the mount options
 *   as they are set now (core/nfsShares.ts nfsShareDevice). A single-writer volume placed
 *   elsewhere is refused CONFLICT, as EC2 refuses a second attach.
 * - `detach` (release): the tag goes. An NFS server cannot cut one client off: a fenced
 *   holder is stopped by its lapsed lease and the epoch, as for EFS (ADR 0025).
 * - `delete`: never while placed; with `-o onRemove=delete` the directory and its files go,
 *   then the marker; otherwise (the default) the directory is kept, the marker marked
 *   `swarmvol/retained` so the volume is never rebuilt, and a warning names the directory.
 * Mutations of one volume are serialized (each rewrites the whole marker).
 */
import { cloudTags, specTagOf, type BackendVolumes, type CloudAttachment, type CloudVolume, type CreateCloudVolume } from "../../core/cloud.js";
import { conflict, inUse, notFound } from "../../core/errors.js";
import { seamOptions } from "../../core/backends.js";
import { placedInstanceOf, placementTag } from "../../core/fileShares.js";
import { KeyedMutex } from "../../core/keyedMutex.js";
import {
  formatNfsExport, nfsDirectoryName, nfsShareDevice, nfsVolumeId, type ExportDirectories, type NfsExport, type NfsVolumeMarker,
} from "../../core/nfsShares.js";
import type { Logger } from "../../core/ports.js";
import { accessTag } from "../efs/efsVolumes.js";
import { parseEfsOwner } from "../efs/options.js";
import { nfsOnRemoveOf } from "./options.js";

/** In a marker: what `docker volume rm` does with the directory (`delete`; absent: retain). */
export const onRemoveTag = "swarmvol/onRemove";

export interface NfsVolumesOptions {
  /** The export every volume is a directory of, as nodes mount it (`--nfs-export`). */
  export: NfsExport;
  /** The operator's extra mount options (`--nfs-mount-options`), put in every grant. */
  mountOptions: readonly string[];
  /** The controller's region: a share is regional (every zone reaches it), its `zone` is the region. */
  region: string;
  logger: Logger;
  /** RFC 3339 now, for the retained tag. */
  now(): string;
}

export class NfsVolumes implements BackendVolumes {
  private readonly serial = new KeyedMutex();

  constructor(private readonly exports: ExportDirectories, private readonly options: NfsVolumesOptions) {}

  async create(request: CreateCloudVolume): Promise<CloudVolume> {
    const id = nfsVolumeId(request.uid);
    return this.serial.run(id, async () => {
      const found = await this.exports.readMarker(id);
      if (found !== undefined) return this.toVolume(found);
      const directory = nfsDirectoryName(request.name, request.uid);
      await this.exports.makeDirectory(directory, parseEfsOwner(request.options));
      const marker: NfsVolumeMarker = { id, directory, tags: markerTags(request) };
      await this.exports.writeMarker(marker);
      this.options.logger.info({ volume: request.name, backendId: id, directory, export: formatNfsExport(this.options.export) }, "NFS volume directory made");
      return this.toVolume(marker);
    });
  }

  /** All: every marker. Some: one read each. Retained ones are answered too (the rebuild skips them by their tag). */
  async describe(ids?: readonly string[]): Promise<CloudVolume[]> {
    const markers = ids === undefined
      ? await this.exports.listMarkers()
      : (await Promise.all([...new Set(ids)].map((id) => this.exports.readMarker(id)))).filter((marker): marker is NfsVolumeMarker => marker !== undefined);
    return markers.map((marker) => this.toVolume(marker));
  }

  async attach(volumeId: string, instanceId: string): Promise<CloudAttachment> {
    return this.serial.run(volumeId, async () => {
      const marker = await this.marker(volumeId);
      const others = placements(marker).filter((placed) => placed !== instanceId);
      if (others.length > 0 && marker.tags[accessTag] !== "multi-writer") {
        throw conflict(`NFS volume ${volumeId} is a single-writer volume placed on ${others.join(", ")}; it is released from there first`, { volumeId, holders: others });
      }
      await this.exports.writeMarker({ ...marker, tags: { ...marker.tags, [placementTag(instanceId)]: "placed" } });
      return { instanceId, device: this.deviceOf(marker), state: "attached" };
    });
  }

  /** `force` changes nothing for a share: the caller has fenced the holder or it let go. */
  async detach(volumeId: string, instanceId: string): Promise<void> {
    await this.serial.run(volumeId, async () => {
      const marker = await this.exports.readMarker(volumeId);
      if (marker?.tags[placementTag(instanceId)] === undefined) return;
      const { [placementTag(instanceId)]: _released, ...tags } = marker.tags;
      await this.exports.writeMarker({ ...marker, tags });
    });
  }

  async delete(volumeId: string): Promise<void> {
    await this.serial.run(volumeId, async () => {
      const marker = await this.exports.readMarker(volumeId);
      if (marker === undefined) return;
      const placed = placements(marker);
      if (placed.length > 0) throw inUse(`NFS volume ${volumeId} is placed on ${placed.join(", ")}; release it first`, { volumeId, holders: placed });
      if (marker.tags[onRemoveTag] === "delete") {
        await this.exports.removeDirectory(marker.directory);
        await this.exports.removeMarker(volumeId);
        this.options.logger.info({ backendId: volumeId, directory: marker.directory }, "NFS volume directory deleted");
        return;
      }
      if (marker.tags[cloudTags.retained] === undefined) {
        await this.exports.writeMarker({ ...marker, tags: { ...marker.tags, [cloudTags.retained]: this.options.now() } });
      }
      this.options.logger.warn({ volume: marker.tags[cloudTags.name], backendId: volumeId, kept: this.pathOf(marker) }, "NFS volume removed; its directory and files are kept on the export (-o onRemove=delete deletes them)");
    });
  }

  async setTags(volumeId: string, tags: Readonly<Record<string, string>>): Promise<void> {
    await this.serial.run(volumeId, async () => {
      const marker = await this.marker(volumeId);
      await this.exports.writeMarker({ ...marker, tags: { ...marker.tags, ...tags } });
    });
  }

  private async marker(volumeId: string): Promise<NfsVolumeMarker> {
    const marker = await this.exports.readMarker(volumeId);
    if (marker === undefined) throw notFound(`NFS volume ${volumeId} has no marker on ${formatNfsExport(this.options.export)}: it is gone`, { volumeId });
    return marker;
  }

  /** `server:/export/<directory>`, where the operator finds a kept volume. */
  private pathOf(marker: NfsVolumeMarker): string {
    return formatNfsExport({ ...this.options.export, path: joinPath(this.options.export.path, marker.directory) });
  }

  private deviceOf(marker: NfsVolumeMarker): string {
    const { server, port, path } = this.options.export;
    return nfsShareDevice({ server, ...(port === undefined ? {} : { port }), path: joinPath(path, marker.directory), options: [...this.options.mountOptions] });
  }

  private toVolume(marker: NfsVolumeMarker): CloudVolume {
    const placed = placements(marker);
    const device = this.deviceOf(marker);
    return {
      id: marker.id, zone: this.options.region, regional: true, sizeBytes: 0, state: placed.length > 0 ? "in-use" : "available", tags: marker.tags,
      attachments: placed.map((instanceId) => ({ instanceId, device, state: "attached" })),
    };
  }
}

/** A new marker's tags: what the rebuild needs (name, uid, epoch, spec) and what rm and placement read. */
function markerTags(request: CreateCloudVolume): Record<string, string> {
  const spec = request.createdAt === undefined ? undefined : specTagOf({ fsType: request.fsType ?? "ext4", createdAt: request.createdAt, options: { ...request.options } });
  return {
    [cloudTags.name]: request.name, [cloudTags.uid]: request.uid, [cloudTags.epoch]: "0",
    ...(spec === undefined ? {} : { [cloudTags.spec]: spec }),
    ...(nfsOnRemoveOf(request.options) === "delete" ? { [onRemoveTag]: "delete" } : {}),
    ...(request.options[seamOptions.access] === "multi-writer" ? { [accessTag]: "multi-writer" } : {}),
  };
}

function placements(marker: NfsVolumeMarker): string[] {
  return Object.keys(marker.tags).map(placedInstanceOf).filter((instance): instance is string => instance !== undefined);
}

function joinPath(exportPath: string, directory: string): string {
  return exportPath === "/" ? `/${directory}` : `${exportPath}/${directory}`;
}
