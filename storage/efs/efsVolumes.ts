/**
 * The controller verbs of the EFS backend (core/cloud.ts BackendVolumes, ADR 0027) over the
 * FileShares port: a volume is an access point on the pool file system (ADR 0025), and
 * decide(), epochs and fencing drive it exactly as they drive an EBS volume.
 *
 * - `create`: the pool file system (made once, found by its CreationToken after), then the
 *   volume's access point (its ClientToken from the uid): a retry finds both. It carries
 *   the volume's options in its `swarmvol/spec` tag (specTag.ts), which `describe` decodes
 *   into `CloudVolume.spec`, so a catalog rebuilt from the cloud has them.
 * - `attach` (place on a node): the zone's mount target for the instance's subnet (made
 *   on first use), then the tag `swarmvol/at/<instance>` valued with its address. That tag
 *   is the attachment decide() reads; the grant's device names the share
 *   (core/fileShares.ts shareDevice). A single-writer volume placed elsewhere is refused
 *   (CONFLICT), as EC2 refuses a second attach: decide() releases the holder first.
 * - `detach` (release): the tag goes. There is nothing for the cloud to cut: a fenced
 *   holder is kept from writing by its lapsed lease and the epoch, as for EBS (ADR 0025).
 * - `delete`: only an access point swarmvol made (tagged with a uid), never while placed;
 *   the pool stays, shared by the other volumes.
 * A volume is read by its id (one DescribeAccessPoints); only a describe of all pages
 * through the pool's access points.
 * No mkfs, no device and no snapshot belong to a share: none is asked of this backend.
 */
import { cloudTags, type BackendVolumes, type CloudAttachment, type CloudVolume, type CloudVolumeState, type CreateCloudVolume } from "../../core/cloud.js";
import { conflict, inUse, isSwarmvolError, notFound, unsafe, ErrorCode } from "../../core/errors.js";
import { seamOptions } from "../../core/backends.js";
import {
  fileSystemToken, placedInstanceOf, placementTag, shareDevice, type CloudAccessPoint, type FileShares, type FileSystemRequest, type NodeSubnet,
} from "../../core/fileShares.js";
import { parseEfsOwner } from "./options.js";
import { decodeShareSpec, encodeShareSpec } from "./specTag.js";

/** On an access point made for `-o access=multi-writer`: several nodes may hold it at once. */
export const accessTag = "swarmvol/access";

export interface EfsVolumesOptions {
  /** The pool file system every volume's access point is on (its modes are the first volume's, ADR 0025). */
  pool: FileSystemRequest & { owner: { kind: "pool" } };
  /** The region: an access point is regional, so it is every volume's `zone`. */
  region: string;
  /** The subnet an instance is in, where its zone's mount target must be (EC2 DescribeInstances). */
  subnetOf(instanceId: string): Promise<NodeSubnet>;
}

export class EfsVolumes implements BackendVolumes {
  private poolId: string | undefined;

  constructor(private readonly shares: FileShares, private readonly options: EfsVolumesOptions) {}

  /**
   * The access point is created with its spec tag (specTag.ts: a rebuilt entry gets its
   * options back) and, for `-o access=multi-writer`, the access tag; an access point an
   * earlier attempt made without them is given them.
   */
  async create(request: CreateCloudVolume): Promise<CloudVolume> {
    const fs = await this.shares.ensureFileSystem(this.options.pool);
    this.poolId = fs.id;
    const tags: Record<string, string> = {
      [cloudTags.spec]: encodeShareSpec({ options: request.options, ...(request.createdAt === undefined ? {} : { createdAt: request.createdAt }) }),
      ...(request.options[seamOptions.access] === "multi-writer" ? { [accessTag]: "multi-writer" } : {}),
    };
    const ap = await this.shares.ensureAccessPoint({ fileSystemId: fs.id, uid: request.uid, name: request.name, owner: parseEfsOwner(request.options), tags });
    const missing = Object.fromEntries(Object.entries(tags).filter(([key, value]) => ap.tags[key] !== value));
    if (Object.keys(missing).length === 0) return this.toVolume(ap);
    await this.shares.tagAccessPoint(ap.id, missing);
    return this.toVolume({ ...ap, tags: { ...ap.tags, ...missing } });
  }

  /** All: the pool's access points (pages of 100). Some: one DescribeAccessPoints each, as a reconcile asks for one. */
  async describe(ids?: readonly string[]): Promise<CloudVolume[]> {
    const points = ids === undefined
      ? await this.accessPoints()
      : (await Promise.all([...new Set(ids)].map((id) => this.shares.getAccessPoint(id)))).filter((ap): ap is CloudAccessPoint => ap?.tags[cloudTags.uid] !== undefined);
    return points.map((ap) => this.toVolume(ap));
  }

  async attach(volumeId: string, instanceId: string): Promise<CloudAttachment> {
    const ap = await this.accessPoint(volumeId);
    const others = placements(ap).filter((placed) => placed !== instanceId);
    if (others.length > 0 && ap.tags[accessTag] !== "multi-writer") {
      throw conflict(`access point ${volumeId} is a single-writer volume placed on ${others.join(", ")}; it is released from there first`, { volumeId, holders: others });
    }
    const mountTarget = await this.shares.ensureMountTarget(ap.fileSystemId, await this.options.subnetOf(instanceId));
    await this.shares.tagAccessPoint(volumeId, { [placementTag(instanceId)]: mountTarget.ipAddress });
    return { instanceId, device: deviceOf(ap, mountTarget.ipAddress), state: "attached" };
  }

  /** `force` changes nothing for a share: the caller has fenced the holder or it let go. */
  async detach(volumeId: string, instanceId: string): Promise<void> {
    await this.shares.untagAccessPoint(volumeId, [placementTag(instanceId)]).catch(absentIsDone);
  }

  async delete(volumeId: string): Promise<void> {
    const ap = await this.shares.getAccessPoint(volumeId);
    if (ap === undefined) return;
    const placed = placements(ap);
    if (placed.length > 0) throw inUse(`access point ${volumeId} is placed on ${placed.join(", ")}; release it first`, { volumeId, holders: placed });
    const uid = ap.tags[cloudTags.uid];
    if (uid === undefined) throw unsafe(`access point ${volumeId} has no ${cloudTags.uid} tag: swarmvol did not make it; not deleting it`, { volumeId });
    await this.shares.deleteAccessPoint(volumeId, uid);
  }

  async setTags(volumeId: string, tags: Readonly<Record<string, string>>): Promise<void> {
    await this.shares.tagAccessPoint(volumeId, tags);
  }

  /** swarmvol's access points on the pool (tagged with a uid); none while the pool is not made. */
  private async accessPoints(): Promise<CloudAccessPoint[]> {
    const poolId = this.poolId ?? await this.findPool();
    if (poolId === undefined) return [];
    return (await this.shares.listAccessPoints(poolId)).filter((ap) => ap.tags[cloudTags.uid] !== undefined);
  }

  private async accessPoint(volumeId: string): Promise<CloudAccessPoint> {
    const ap = await this.shares.getAccessPoint(volumeId);
    if (ap?.tags[cloudTags.uid] === undefined) throw notFound(`access point ${volumeId} is gone, or is not swarmvol's (no ${cloudTags.uid} tag)`, { volumeId });
    return ap;
  }

  private async findPool(): Promise<string | undefined> {
    const token = fileSystemToken(this.options.pool.owner);
    const found = (await this.shares.listFileSystems()).find((fs) => fs.creationToken === token);
    if (found !== undefined) this.poolId = found.id;
    return found?.id;
  }

  private toVolume(ap: CloudAccessPoint): CloudVolume {
    const placed = placements(ap);
    const spec = decodeShareSpec(ap.tags[cloudTags.spec]);
    return {
      id: ap.id, zone: this.options.region, regional: true, sizeBytes: 0, state: stateOf(ap, placed.length > 0), tags: ap.tags,
      attachments: placed.map((instanceId) => ({ instanceId, device: deviceOf(ap, ap.tags[placementTag(instanceId)] ?? ""), state: "attached" })),
      ...(spec === undefined ? {} : { spec }),
    };
  }
}

/** The instances an access point is placed on, from its `swarmvol/at/<instance>` tags. */
function placements(ap: CloudAccessPoint): string[] {
  return Object.keys(ap.tags).map(placedInstanceOf).filter((instance): instance is string => instance !== undefined);
}

function deviceOf(ap: CloudAccessPoint, mountTargetIp: string): string {
  return shareDevice({ fileSystemId: ap.fileSystemId, accessPointId: ap.id, rootPath: ap.rootPath, mountTargetIp });
}

function stateOf(ap: CloudAccessPoint, placed: boolean): CloudVolumeState {
  if (ap.state === "available" || ap.state === "updating") return placed ? "in-use" : "available";
  return ap.state;
}

function absentIsDone(err: unknown): void {
  if (isSwarmvolError(err, ErrorCode.NotFound)) return;
  throw err;
}
