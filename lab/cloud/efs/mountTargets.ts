/** CreateMountTarget, DescribeMountTargets and DeleteMountTarget. */
import type { CloudEngine } from "../engine.js";
import { optionalString, pathId, queryInt, queryString, requiredString, type EfsRequest } from "./body.js";
import { efsErrors } from "./efsError.js";
import { efsPage, type EfsResponse } from "./fileSystems.js";
import { efsId } from "./ids.js";
import { mountTargetJson } from "./render.js";
import { freeAddress, inCidr } from "./subnets.js";
import type { FileSystemRecord, MountTargetRecord, SubnetSpec } from "./types.js";

const SECURITY_GROUP = /^sg-[0-9a-f]{8,40}$/;

function securityGroups(engine: CloudEngine, raw: unknown): string[] {
  if (raw === undefined || raw === null) return [engine.efs.defaultSecurityGroup];
  if (!Array.isArray(raw) || !raw.every((g) => typeof g === "string")) throw efsErrors.badRequest("SecurityGroups must be a list of security group ids.");
  if (raw.length > 5) throw efsErrors.securityGroupLimit();
  const bad = (raw as string[]).find((g) => !SECURITY_GROUP.test(g));
  if (bad !== undefined) throw efsErrors.securityGroupNotFound(bad);
  return raw.length === 0 ? [engine.efs.defaultSecurityGroup] : [...(raw as string[])];
}

/** The mount target's address: the lab's one NFS server when set, else the asked one or the next free one. */
function address(engine: CloudEngine, subnet: SubnetSpec, asked: string | undefined): string {
  const used = new Set(Object.values(engine.state.efs.mountTargets).filter((m) => m.subnetId === subnet.subnetId).map((m) => m.ipAddress));
  if (asked !== undefined) {
    if (!inCidr(asked, subnet.cidr)) throw efsErrors.badRequest(`IpAddress ${asked} is not in subnet ${subnet.subnetId} (${subnet.cidr}).`);
    if (used.has(asked)) throw efsErrors.ipAddressInUse(asked);
  }
  if (engine.efs.mountAddress !== undefined) return engine.efs.mountAddress;
  const ip = asked ?? freeAddress(subnet.cidr, used);
  if (ip === undefined) throw efsErrors.noFreeAddresses(subnet.subnetId);
  return ip;
}

/** EFS's rules for a new mount target: one per availability zone, all in one VPC, a One Zone file system only in its zone. */
function checkPlacement(engine: CloudEngine, fs: FileSystemRecord, subnet: SubnetSpec): void {
  if (fs.availabilityZoneName !== undefined && fs.availabilityZoneName !== subnet.zone) throw efsErrors.zonesMismatch(fs.availabilityZoneName, subnet.zone);
  for (const other of Object.values(engine.state.efs.mountTargets)) {
    if (other.fileSystemId !== fs.fileSystemId) continue;
    if (other.zone === subnet.zone) {
      throw efsErrors.mountTargetConflict(`File system '${fs.fileSystemId}' already has a mount target in availability zone '${subnet.zone}' (${other.mountTargetId}).`);
    }
    const otherVpc = engine.efs.subnets.find((s) => s.subnetId === other.subnetId)?.vpcId;
    if (otherVpc !== undefined && otherVpc !== subnet.vpcId) {
      throw efsErrors.mountTargetConflict(`File system '${fs.fileSystemId}' has mount targets in VPC '${otherVpc}', not '${subnet.vpcId}'.`);
    }
  }
}

/**
 * CreateMountTarget: 200 with LifeCycleState `creating`, `available` after its latency.
 * EFS takes no idempotency token here: a second one in the same zone is MountTargetConflict,
 * which is how a retry learns its first attempt went through.
 */
export function createMountTarget(engine: CloudEngine, request: EfsRequest): EfsResponse {
  const fileSystemId = requiredString(request.body, "FileSystemId", 128);
  const subnetId = requiredString(request.body, "SubnetId", 47);
  const fs = engine.state.efs.fileSystems[fileSystemId];
  if (fs === undefined) throw efsErrors.fileSystemNotFound(fileSystemId);
  if (fs.state !== "available") throw efsErrors.incorrectFileSystemState(fileSystemId, fs.state);
  const subnet = engine.efs.subnets.find((s) => s.subnetId === subnetId);
  if (subnet === undefined) throw efsErrors.subnetNotFound(subnetId);
  const groups = securityGroups(engine, request.body.SecurityGroups);
  checkPlacement(engine, fs, subnet);
  const now = engine.now();
  const mt: MountTargetRecord = {
    mountTargetId: efsId(engine, "fsmt"), fileSystemId, subnetId, zone: subnet.zone,
    ipAddress: address(engine, subnet, optionalString(request.body, "IpAddress", 15)),
    networkInterfaceId: efsId(engine, "eni"), securityGroups: groups, createdAt: now, state: "creating",
    dueAt: now + engine.faults.latencyMs.mountTargetCreate,
  };
  engine.state.efs.mountTargets[mt.mountTargetId] = mt;
  engine.schedule(mt.dueAt);
  return { status: 200, body: mountTargetJson(engine, mt) };
}

function targetsOf(engine: CloudEngine, request: EfsRequest): MountTargetRecord[] {
  const { query } = request;
  const fileSystemId = queryString(query, "FileSystemId");
  const mountTargetId = queryString(query, "MountTargetId");
  const accessPointId = queryString(query, "AccessPointId");
  const given = [fileSystemId, mountTargetId, accessPointId].filter((v) => v !== undefined).length;
  if (given !== 1) throw efsErrors.badRequest("Specify exactly one of FileSystemId, MountTargetId or AccessPointId.");
  const all = Object.values(engine.state.efs.mountTargets);
  if (mountTargetId !== undefined) {
    const found = all.filter((m) => m.mountTargetId === mountTargetId);
    if (found.length === 0) throw efsErrors.mountTargetNotFound(mountTargetId);
    return found;
  }
  let fsId = fileSystemId ?? "";
  if (accessPointId !== undefined) {
    const ap = engine.state.efs.accessPoints[accessPointId];
    if (ap === undefined) throw efsErrors.accessPointNotFound(accessPointId);
    fsId = ap.fileSystemId;
  }
  if (engine.state.efs.fileSystems[fsId] === undefined) throw efsErrors.fileSystemNotFound(fsId);
  return all.filter((m) => m.fileSystemId === fsId);
}

export function describeMountTargets(engine: CloudEngine, request: EfsRequest): EfsResponse {
  const list = targetsOf(engine, request);
  const max = queryInt(request.query, "MaxItems", 1, 100) ?? 10;
  const marker = queryString(request.query, "Marker");
  const page = efsPage(list, (m) => m.mountTargetId, max, marker);
  return {
    status: 200,
    body: {
      MountTargets: page.items.map((m) => mountTargetJson(engine, m)),
      ...(marker === undefined ? {} : { Marker: marker }),
      ...(page.nextToken === undefined ? {} : { NextMarker: page.nextToken }),
    },
  };
}

/** DeleteMountTarget: 204, `deleting` for the delete latency, then gone; the file system counts it until then. */
export function deleteMountTarget(engine: CloudEngine, request: EfsRequest): EfsResponse {
  const id = pathId(request);
  const mt = engine.state.efs.mountTargets[id];
  if (mt === undefined) throw efsErrors.mountTargetNotFound(id);
  if (mt.state !== "deleting") {
    mt.state = "deleting";
    mt.dueAt = engine.now() + engine.faults.latencyMs.mountTargetDelete;
    engine.schedule(mt.dueAt);
  }
  return { status: 204 };
}
