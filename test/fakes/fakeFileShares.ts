/**
 * An in-memory FileShares that records every call, with EfsCloud's semantics (checked by
 * test/component/fileSharesContract.test.ts): file systems found by their derived
 * CreationToken, access points by their ClientToken, one mount target per zone, deletes
 * only of what swarmvol made. Everything is available at once.
 */
import { cloudTags } from "../../core/cloud.js";
import { conflict, inUse, notFound, unsafe } from "../../core/errors.js";
import {
  accessPointRootPath, accessPointTags, accessPointToken, fileShareTags, fileSystemTags, fileSystemToken,
  type AccessPointRequest, type CloudAccessPoint, type CloudFileSystem, type CloudMountTarget, type FileShares,
  type FileSystemOwner, type FileSystemRequest, type NodeSubnet,
} from "../../core/fileShares.js";

export type FileSharesCall = { op: keyof FileShares; args: unknown[] };

export class FakeFileShares implements FileShares {
  readonly calls: FileSharesCall[] = [];
  readonly fileSystems = new Map<string, CloudFileSystem>();
  readonly accessPoints = new Map<string, CloudAccessPoint>();
  readonly mountTargets = new Map<string, CloudMountTarget>();
  /** Makes the next call of this op fail once (UNAVAILABLE-like: a plain Error). */
  failNext?: keyof FileShares;
  private counter = 0;

  private record(op: keyof FileShares, ...args: unknown[]): void {
    this.calls.push({ op, args });
    if (this.failNext === op) {
      this.failNext = undefined;
      throw new Error(`injected failure of ${op}`);
    }
  }

  private id(prefix: string): string {
    return `${prefix}-0${(++this.counter).toString(16).padStart(16, "0")}`;
  }

  ops(): string[] {
    return this.calls.map((c) => c.op);
  }

  async ensureFileSystem(request: FileSystemRequest): Promise<CloudFileSystem> {
    this.record("ensureFileSystem", request);
    const token = fileSystemToken(request.owner);
    const found = [...this.fileSystems.values()].find((fs) => fs.creationToken === token);
    if (found !== undefined) return found;
    const fs: CloudFileSystem = { id: this.id("fs"), creationToken: token, state: "available", mountTargets: 0, tags: fileSystemTags(request.owner) };
    this.fileSystems.set(fs.id, fs);
    return fs;
  }

  async ensureAccessPoint(request: AccessPointRequest): Promise<CloudAccessPoint> {
    this.record("ensureAccessPoint", request);
    if (!this.fileSystems.has(request.fileSystemId)) throw notFound(`file system ${request.fileSystemId} not found`, { awsCode: "FileSystemNotFound" });
    const token = accessPointToken(request.uid);
    const found = [...this.accessPoints.values()].find((ap) => ap.clientToken === token);
    if (found !== undefined && found.fileSystemId !== request.fileSystemId) throw conflict(`access point ${found.id} is on another file system`, {});
    if (found !== undefined) return found;
    const ap: CloudAccessPoint = {
      id: this.id("fsap"), fileSystemId: request.fileSystemId, clientToken: token, rootPath: accessPointRootPath(request.name),
      state: "available", tags: { ...request.tags, ...accessPointTags(request) },
    };
    this.accessPoints.set(ap.id, ap);
    return ap;
  }

  async ensureMountTarget(fileSystemId: string, subnet: NodeSubnet): Promise<CloudMountTarget> {
    this.record("ensureMountTarget", fileSystemId, subnet);
    const fs = this.fileSystems.get(fileSystemId);
    if (fs === undefined) throw notFound(`file system ${fileSystemId} not found`, { awsCode: "FileSystemNotFound" });
    const found = [...this.mountTargets.values()].find((m) => m.fileSystemId === fileSystemId && m.zone === subnet.zone);
    if (found !== undefined) return found;
    const mt: CloudMountTarget = { id: this.id("fsmt"), fileSystemId, subnetId: subnet.subnetId, zone: subnet.zone, ipAddress: `172.31.0.${4 + this.mountTargets.size}`, state: "available" };
    this.mountTargets.set(mt.id, mt);
    this.fileSystems.set(fileSystemId, { ...fs, mountTargets: fs.mountTargets + 1 });
    return mt;
  }

  async listFileSystems(): Promise<CloudFileSystem[]> {
    this.record("listFileSystems");
    return [...this.fileSystems.values()].filter((fs) => fs.tags[fileShareTags.share] !== undefined);
  }

  async listAccessPoints(fileSystemId: string): Promise<CloudAccessPoint[]> {
    this.record("listAccessPoints", fileSystemId);
    return [...this.accessPoints.values()].filter((ap) => ap.fileSystemId === fileSystemId);
  }

  async getAccessPoint(accessPointId: string): Promise<CloudAccessPoint | undefined> {
    this.record("getAccessPoint", accessPointId);
    return this.accessPoints.get(accessPointId);
  }

  async listMountTargets(fileSystemId: string): Promise<CloudMountTarget[]> {
    this.record("listMountTargets", fileSystemId);
    return [...this.mountTargets.values()].filter((m) => m.fileSystemId === fileSystemId);
  }

  async deleteAccessPoint(accessPointId: string, uid: string): Promise<void> {
    this.record("deleteAccessPoint", accessPointId, uid);
    const ap = this.accessPoints.get(accessPointId);
    if (ap === undefined) return;
    if (ap.tags[cloudTags.uid] !== uid) throw unsafe(`access point ${accessPointId} is not volume ${uid}'s`, { accessPointId });
    this.accessPoints.delete(accessPointId);
  }

  async tagAccessPoint(accessPointId: string, tags: Readonly<Record<string, string>>): Promise<void> {
    this.record("tagAccessPoint", accessPointId, tags);
    const ap = this.accessPointOrThrow(accessPointId);
    this.accessPoints.set(accessPointId, { ...ap, tags: { ...ap.tags, ...tags } });
  }

  async untagAccessPoint(accessPointId: string, keys: readonly string[]): Promise<void> {
    this.record("untagAccessPoint", accessPointId, keys);
    const ap = this.accessPointOrThrow(accessPointId);
    this.accessPoints.set(accessPointId, { ...ap, tags: Object.fromEntries(Object.entries(ap.tags).filter(([key]) => !keys.includes(key))) });
  }

  private accessPointOrThrow(accessPointId: string): CloudAccessPoint {
    const ap = this.accessPoints.get(accessPointId);
    if (ap === undefined) throw notFound(`access point ${accessPointId} not found`, { awsCode: "AccessPointNotFound" });
    return ap;
  }

  async deleteFileSystem(fileSystemId: string, owner: FileSystemOwner): Promise<void> {
    this.record("deleteFileSystem", fileSystemId, owner);
    const fs = this.fileSystems.get(fileSystemId);
    if (fs === undefined) return;
    if (fs.creationToken !== fileSystemToken(owner)) throw unsafe(`file system ${fileSystemId} was not made by swarmvol for this owner`, { fileSystemId });
    if ([...this.accessPoints.values()].some((ap) => ap.fileSystemId === fileSystemId)) throw inUse(`file system ${fileSystemId} still has access points`, { fileSystemId });
    for (const mt of [...this.mountTargets.values()]) if (mt.fileSystemId === fileSystemId) this.mountTargets.delete(mt.id);
    this.fileSystems.delete(fileSystemId);
  }
}
