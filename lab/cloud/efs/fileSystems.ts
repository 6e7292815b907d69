/** CreateFileSystem, DescribeFileSystems and DeleteFileSystem. */
import type { CloudEngine } from "../engine.js";
import { Ec2Error } from "../ec2Error.js";
import { paginate, type Page } from "../filters.js";
import { ACCOUNT_ID } from "../types.js";
import {
  oneOf, optionalBool, optionalString, pathId, queryInt, queryString, requiredString, tagList, type Body, type EfsRequest,
} from "./body.js";
import { efsErrors } from "./efsError.js";
import { efsId, freeExportId } from "./ids.js";
import { fileSystemJson, mountTargetCount } from "./render.js";
import type { FileSystemRecord, PerformanceMode, ThroughputMode } from "./types.js";

/** What a handler answers: the HTTP status and the JSON body (none for 204). */
export interface EfsResponse {
  status: number;
  body?: unknown;
}

const PERFORMANCE_MODES: readonly PerformanceMode[] = ["generalPurpose", "maxIO"];
const THROUGHPUT_MODES: readonly ThroughputMode[] = ["bursting", "provisioned", "elastic"];

type FileSystemSpec = Pick<FileSystemRecord,
  "performanceMode" | "throughputMode" | "provisionedThroughputInMibps" | "encrypted" | "kmsKeyId" | "availabilityZoneName" | "tags">;

function throughput(body: Body, mode: ThroughputMode): number | undefined {
  const raw = body.ProvisionedThroughputInMibps;
  if (raw === undefined || raw === null) {
    if (mode === "provisioned") throw efsErrors.badRequest("ProvisionedThroughputInMibps is required when ThroughputMode is provisioned.");
    return undefined;
  }
  if (mode !== "provisioned") throw efsErrors.badRequest("ProvisionedThroughputInMibps is only valid when ThroughputMode is provisioned.");
  if (typeof raw !== "number" || !Number.isFinite(raw) || raw < 1 || raw > 10240) {
    throw efsErrors.badRequest("ProvisionedThroughputInMibps must be a number between 1 and 10240.");
  }
  return raw;
}

function encryption(engine: CloudEngine, body: Body): Pick<FileSystemSpec, "encrypted" | "kmsKeyId"> {
  const encrypted = optionalBool(body, "Encrypted") ?? false;
  const kmsKeyId = optionalString(body, "KmsKeyId", 2048);
  if (kmsKeyId !== undefined && !encrypted) throw efsErrors.badRequest("KmsKeyId requires Encrypted to be true.");
  if (!encrypted) return { encrypted };
  return { encrypted, kmsKeyId: kmsKeyId ?? `arn:aws:kms:${engine.region}:${ACCOUNT_ID}:key/0e5e0000-0000-4000-8000-00000000ef50` };
}

function parseSpec(engine: CloudEngine, body: Body): FileSystemSpec {
  const performanceMode = oneOf(optionalString(body, "PerformanceMode"), PERFORMANCE_MODES, "PerformanceMode") ?? "generalPurpose";
  const throughputMode = oneOf(optionalString(body, "ThroughputMode"), THROUGHPUT_MODES, "ThroughputMode") ?? "bursting";
  const provisioned = throughput(body, throughputMode);
  const zone = optionalString(body, "AvailabilityZoneName", 64);
  if (zone !== undefined && !engine.zones().has(zone)) throw efsErrors.unsupportedZone(zone);
  if (performanceMode === "maxIO" && throughputMode === "elastic") throw efsErrors.badRequest("Max I/O performance mode is not supported with elastic throughput.");
  if (performanceMode === "maxIO" && zone !== undefined) throw efsErrors.badRequest("One Zone file systems do not support Max I/O performance mode.");
  optionalBool(body, "Backup");
  return {
    performanceMode, throughputMode, ...encryption(engine, body), tags: tagList(body.Tags),
    ...(provisioned === undefined ? {} : { provisionedThroughputInMibps: provisioned }),
    ...(zone === undefined ? {} : { availabilityZoneName: zone }),
  };
}

/**
 * CreateFileSystem: 201 with LifeCycleState `creating`. A CreationToken already used by a
 * file system that still exists gives 409 FileSystemAlreadyExists carrying its id, whatever
 * the other parameters: that is EFS's idempotency, and how a retry finds its file system.
 */
export function createFileSystem(engine: CloudEngine, request: EfsRequest): EfsResponse {
  const token = requiredString(request.body, "CreationToken", 64);
  const existing = Object.values(engine.state.efs.fileSystems).find((fs) => fs.creationToken === token);
  if (existing !== undefined) throw efsErrors.fileSystemAlreadyExists(existing.fileSystemId, token);
  const spec = parseSpec(engine, request.body);
  if (Object.keys(engine.state.efs.fileSystems).length >= engine.faults.fileSystemLimit) throw efsErrors.fileSystemLimit();
  const now = engine.now();
  const fs: FileSystemRecord = {
    fileSystemId: efsId(engine, "fs"), creationToken: token, createdAt: now, state: "creating",
    dueAt: now + engine.faults.latencyMs.fileSystemCreate, exportId: freeExportId(engine), ...spec,
  };
  engine.state.efs.fileSystems[fs.fileSystemId] = fs;
  engine.schedule(fs.dueAt);
  return { status: 201, body: fileSystemJson(engine, fs) };
}

/** Pages sorted by id behind an opaque marker; a marker that is not one of ours is BadRequest. */
export function efsPage<T>(items: readonly T[], key: (t: T) => string, max: number, marker: string | undefined): Page<T> {
  try {
    return paginate(items, key, max, marker);
  } catch (err) {
    if (err instanceof Ec2Error) throw efsErrors.badRequest("The pagination marker is not valid.");
    throw err;
  }
}

export function describeFileSystems(engine: CloudEngine, request: EfsRequest): EfsResponse {
  const { query } = request;
  const id = queryString(query, "FileSystemId");
  const token = queryString(query, "CreationToken");
  const max = queryInt(query, "MaxItems", 1, 1000) ?? 100;
  const marker = queryString(query, "Marker");
  let list = Object.values(engine.state.efs.fileSystems);
  if (id !== undefined) {
    list = list.filter((fs) => fs.fileSystemId === id);
    if (list.length === 0) throw efsErrors.fileSystemNotFound(id);
  }
  if (token !== undefined) list = list.filter((fs) => fs.creationToken === token);
  const page = efsPage(list, (fs) => fs.fileSystemId, max, marker);
  return {
    status: 200,
    body: {
      FileSystems: page.items.map((fs) => fileSystemJson(engine, fs)),
      ...(marker === undefined ? {} : { Marker: marker }),
      ...(page.nextToken === undefined ? {} : { NextMarker: page.nextToken }),
    },
  };
}

/**
 * DeleteFileSystem: 204, `deleting` for the delete latency, then gone (Describe by id:
 * FileSystemNotFound) with its access points and its directory. Refused with
 * FileSystemInUse while any mount target exists, even one being deleted.
 */
export function deleteFileSystem(engine: CloudEngine, request: EfsRequest): EfsResponse {
  const id = pathId(request);
  const fs = engine.state.efs.fileSystems[id];
  if (fs === undefined) throw efsErrors.fileSystemNotFound(id);
  if (mountTargetCount(engine, id) > 0) throw efsErrors.fileSystemInUse(id);
  if (fs.state !== "deleting") {
    fs.state = "deleting";
    fs.dueAt = engine.now() + engine.faults.latencyMs.fileSystemDelete;
    engine.schedule(fs.dueAt);
  }
  return { status: 204 };
}
