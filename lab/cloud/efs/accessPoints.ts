/** CreateAccessPoint, DescribeAccessPoints and DeleteAccessPoint. */
import { isQuotable } from "../../nfs/ganeshaConfig.js";
import type { CloudEngine } from "../engine.js";
import {
  optionalObject, pathId, queryInt, queryString, requiredString, tagList, type Body, type EfsRequest,
} from "./body.js";
import { efsErrors } from "./efsError.js";
import { efsPage, type EfsResponse } from "./fileSystems.js";
import { efsId, freeExportId } from "./ids.js";
import { accessPointJson } from "./render.js";
import type { AccessPointRecord, CreationInfoRecord, PosixUserRecord } from "./types.js";

const MAX_ID = 4294967295;
/** EFS's RootDirectory.Path: `/`, or one to four components, none starting with a dot. */
const ROOT_PATH = /^(\/|(\/(?!\.)[^$#<>;`|&?{}^*/\n]+){1,4})$/;

function posixId(body: Body, key: string, where: string): number {
  const v = body[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > MAX_ID) throw efsErrors.badRequest(`${where}.${key} must be an integer between 0 and ${MAX_ID}.`);
  return v;
}

function posixUser(body: Body): PosixUserRecord | undefined {
  const raw = optionalObject(body, "PosixUser");
  if (raw === undefined) return undefined;
  const user: PosixUserRecord = { uid: posixId(raw, "Uid", "PosixUser"), gid: posixId(raw, "Gid", "PosixUser") };
  const secondary = raw.SecondaryGids;
  if (secondary === undefined || secondary === null) return user;
  if (!Array.isArray(secondary) || secondary.length > 16) throw efsErrors.badRequest("PosixUser.SecondaryGids must be a list of at most 16 group ids.");
  return { ...user, secondaryGids: secondary.map((_, n) => posixId(secondary as unknown as Body, String(n), "PosixUser.SecondaryGids")) };
}

function creationInfo(raw: Body | undefined): CreationInfoRecord | undefined {
  if (raw === undefined) return undefined;
  const permissions = raw.Permissions;
  if (typeof permissions !== "string" || !/^[0-7]{3,4}$/.test(permissions)) {
    throw efsErrors.badRequest("RootDirectory.CreationInfo.Permissions must be 3 or 4 octal digits, like 0755.");
  }
  return { ownerUid: posixId(raw, "OwnerUid", "CreationInfo"), ownerGid: posixId(raw, "OwnerGid", "CreationInfo"), permissions };
}

function rootDirectory(body: Body): Pick<AccessPointRecord, "rootPath" | "creationInfo"> {
  const raw = optionalObject(body, "RootDirectory");
  if (raw === undefined) return { rootPath: "/" };
  const path = raw.Path ?? "/";
  if (typeof path !== "string" || path.length > 100 || !ROOT_PATH.test(path)) {
    throw efsErrors.badRequest("RootDirectory.Path must be / or up to four directories like /swarmvol/data, at most 100 characters.");
  }
  // Not an EFS rule: the lab's NFS server config cannot quote these (docs/emulator.md).
  if (!isQuotable(path)) throw efsErrors.badRequest("RootDirectory.Path must not contain quotes or backslashes in this emulator.");
  const info = creationInfo(optionalObject(raw, "CreationInfo"));
  return { rootPath: path, ...(info === undefined ? {} : { creationInfo: info }) };
}

/**
 * CreateAccessPoint: 200 with LifeCycleState `creating`, `available` after its latency. A
 * ClientToken already used gives 409 AccessPointAlreadyExists carrying the access point's id
 * (the EFS API reference); at most `accessPointLimit` per file system.
 */
export function createAccessPoint(engine: CloudEngine, request: EfsRequest): EfsResponse {
  const token = requiredString(request.body, "ClientToken", 64);
  const fileSystemId = requiredString(request.body, "FileSystemId", 128);
  const known = Object.values(engine.state.efs.accessPoints).find((ap) => ap.clientToken === token);
  if (known !== undefined) throw efsErrors.accessPointAlreadyExists(known.accessPointId, token);
  const fs = engine.state.efs.fileSystems[fileSystemId];
  if (fs === undefined) throw efsErrors.fileSystemNotFound(fileSystemId);
  const spec = { posixUser: posixUser(request.body), ...rootDirectory(request.body), tags: tagList(request.body.Tags) };
  if (fs.state !== "available") throw efsErrors.incorrectFileSystemState(fileSystemId, fs.state);
  const count = Object.values(engine.state.efs.accessPoints).filter((ap) => ap.fileSystemId === fileSystemId).length;
  if (count >= engine.faults.accessPointLimit) throw efsErrors.accessPointLimit(fileSystemId);
  const now = engine.now();
  const ap: AccessPointRecord = {
    accessPointId: efsId(engine, "fsap"), fileSystemId, clientToken: token, createdAt: now, state: "creating",
    dueAt: now + engine.faults.latencyMs.accessPointCreate, exportId: freeExportId(engine),
    rootPath: spec.rootPath, tags: spec.tags,
    ...(spec.posixUser === undefined ? {} : { posixUser: spec.posixUser }),
    ...(spec.creationInfo === undefined ? {} : { creationInfo: spec.creationInfo }),
  };
  engine.state.efs.accessPoints[ap.accessPointId] = ap;
  engine.schedule(ap.dueAt);
  return { status: 200, body: accessPointJson(engine, ap) };
}

export function describeAccessPoints(engine: CloudEngine, request: EfsRequest): EfsResponse {
  const { query } = request;
  const id = queryString(query, "AccessPointId");
  const fileSystemId = queryString(query, "FileSystemId");
  if (id !== undefined && fileSystemId !== undefined) throw efsErrors.badRequest("Specify AccessPointId or FileSystemId, not both.");
  const max = queryInt(query, "MaxResults", 1, 1000) ?? 100;
  let list = Object.values(engine.state.efs.accessPoints);
  if (id !== undefined) {
    list = list.filter((ap) => ap.accessPointId === id);
    if (list.length === 0) throw efsErrors.accessPointNotFound(id);
  }
  if (fileSystemId !== undefined) {
    if (engine.state.efs.fileSystems[fileSystemId] === undefined) throw efsErrors.fileSystemNotFound(fileSystemId);
    list = list.filter((ap) => ap.fileSystemId === fileSystemId);
  }
  const page = efsPage(list, (ap) => ap.accessPointId, max, queryString(query, "NextToken"));
  return {
    status: 200,
    body: { AccessPoints: page.items.map((ap) => accessPointJson(engine, ap)), ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }) },
  };
}

/** DeleteAccessPoint: 204 and gone at once (its directory and data stay in the file system, as on EFS). */
export function deleteAccessPoint(engine: CloudEngine, request: EfsRequest): EfsResponse {
  const id = pathId(request);
  if (engine.state.efs.accessPoints[id] === undefined) throw efsErrors.accessPointNotFound(id);
  delete engine.state.efs.accessPoints[id];
  return { status: 204 };
}
