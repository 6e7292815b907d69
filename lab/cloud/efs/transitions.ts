/**
 * The EFS half of the state machine: due lifecycle transitions (run by CloudEngine before
 * every request and on its timers), and the NFS exports the state implies, handed to the
 * FileShareHost after every exclusive section. A file system is reachable over NFS only
 * while it has an available mount target, as on EFS; then it is served at `/<fs-id>`, and
 * each of its available access points at `/<fsap-id>` (rooted at its root directory,
 * every user squashed to its PosixUser).
 */
import type { CloudEngine } from "../engine.js";
import type { ShareExport } from "./shareHost.js";
import type { AccessPointRecord, EfsState, FileSystemRecord } from "./types.js";

async function advanceFileSystem(engine: CloudEngine, fs: FileSystemRecord, now: number): Promise<void> {
  if (fs.dueAt > now) return;
  const efs = engine.state.efs;
  if (fs.state === "creating") {
    try {
      await engine.shares.createFileSystem(fs.fileSystemId);
      fs.state = "available";
    } catch (err) {
      engine.logger.warn({ err, fileSystemId: fs.fileSystemId }, "file system storage could not be created");
      fs.state = "error";
    }
  } else if (fs.state === "deleting") {
    await engine.shares.deleteFileSystem(fs.fileSystemId);
    for (const ap of Object.values(efs.accessPoints)) if (ap.fileSystemId === fs.fileSystemId) delete efs.accessPoints[ap.accessPointId];
    delete efs.fileSystems[fs.fileSystemId];
  }
}

/** An access point's root is made when it becomes available (EFS makes it at the first mount through it). */
async function advanceAccessPoint(engine: CloudEngine, ap: AccessPointRecord, now: number): Promise<void> {
  if (ap.state !== "creating" || ap.dueAt > now) return;
  const info = ap.creationInfo;
  if (info !== undefined && ap.rootPath !== "/") {
    await engine.shares.createDirectory(ap.fileSystemId, ap.rootPath, { uid: info.ownerUid, gid: info.ownerGid, mode: parseInt(info.permissions, 8) });
  }
  ap.state = "available";
}

/** Applies every EFS transition that is due; a failed one is retried `busyPollMs` later. */
export async function advanceEfs(engine: CloudEngine, now: number): Promise<void> {
  const efs = engine.state.efs;
  const retry = (err: unknown, record: { dueAt: number }, id: string) => {
    engine.logger.error({ err, id }, "efs transition failed; will retry");
    record.dueAt = now + engine.faults.busyPollMs;
    engine.schedule(record.dueAt);
  };
  for (const fs of Object.values(efs.fileSystems)) await advanceFileSystem(engine, fs, now).catch((err: unknown) => retry(err, fs, fs.fileSystemId));
  for (const ap of Object.values(efs.accessPoints)) await advanceAccessPoint(engine, ap, now).catch((err: unknown) => retry(err, ap, ap.accessPointId));
  for (const mt of Object.values(efs.mountTargets)) {
    if (mt.dueAt > now) continue;
    if (mt.state === "creating") mt.state = "available";
    else if (mt.state === "deleting") delete efs.mountTargets[mt.mountTargetId];
  }
}

/** Re-arms timers for every EFS transition in flight (after a restart). */
export function rearmEfs(engine: CloudEngine): void {
  const efs = engine.state.efs;
  const pending = (state: string) => state === "creating" || state === "deleting";
  for (const record of [...Object.values(efs.fileSystems), ...Object.values(efs.accessPoints), ...Object.values(efs.mountTargets)]) {
    if (pending(record.state)) engine.schedule(record.dueAt);
  }
}

/** The exports the state implies (pure). */
export function exportsOf(efs: EfsState): ShareExport[] {
  const reachable = new Set(Object.values(efs.mountTargets).filter((m) => m.state === "available").map((m) => m.fileSystemId));
  const out: ShareExport[] = [];
  for (const fs of Object.values(efs.fileSystems)) {
    if (fs.state !== "available" || !reachable.has(fs.fileSystemId)) continue;
    out.push({ exportId: fs.exportId, pseudo: `/${fs.fileSystemId}`, fileSystemId: fs.fileSystemId, path: "/" });
  }
  const served = new Set(out.map((e) => e.fileSystemId));
  for (const ap of Object.values(efs.accessPoints)) {
    if (ap.state !== "available" || !served.has(ap.fileSystemId)) continue;
    const squashTo = ap.posixUser === undefined ? undefined : { uid: ap.posixUser.uid, gid: ap.posixUser.gid };
    out.push({
      exportId: ap.exportId, pseudo: `/${ap.accessPointId}`, fileSystemId: ap.fileSystemId, path: ap.rootPath,
      ...(squashTo === undefined ? {} : { squashTo }),
    });
  }
  return out;
}

/** Hands the current exports to the host; a failure is logged and tried again after the next request. */
export async function syncShares(engine: CloudEngine): Promise<void> {
  try {
    await engine.shares.serve(exportsOf(engine.state.efs));
  } catch (err) {
    engine.logger.error({ err }, "nfs exports could not be applied; will retry");
  }
}
