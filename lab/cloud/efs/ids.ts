/** EFS-style ids from the emulator's seeded generator, and the NFS export ids they are served under. */
import type { CloudEngine } from "../engine.js";
import { randomHex } from "../rng.js";

/** `fs-0…`, `fsap-0…`, `fsmt-0…`, `eni-0…`: the prefix, `0` and 16 hex digits, as AWS's long ids. */
export function efsId(engine: CloudEngine, prefix: "fs" | "fsap" | "fsmt" | "eni"): string {
  return `${prefix}-0${randomHex(engine.rng, 16)}`;
}

/** The lowest export id (1..65535) no file system or access point holds. */
export function freeExportId(engine: CloudEngine): number {
  const used = new Set<number>();
  for (const fs of Object.values(engine.state.efs.fileSystems)) used.add(fs.exportId);
  for (const ap of Object.values(engine.state.efs.accessPoints)) used.add(ap.exportId);
  for (let id = 1; id <= 65535; id++) if (!used.has(id)) return id;
  throw new Error("no free NFS export id: more than 65535 file systems and access points");
}

export const FILE_SYSTEM_ID = /^fs-[0-9a-f]{8,40}$/;
export const ACCESS_POINT_ID = /^fsap-[0-9a-f]{8,40}$/;
export const MOUNT_TARGET_ID = /^fsmt-[0-9a-f]{8,40}$/;
