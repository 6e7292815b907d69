import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { Low } from "lowdb";
import { invalidArgument, unsafe } from "../../core/errors.js";
import { DurableJsonFile } from "./durableJsonFile.js";

/** Every state file carries the version of its schema so a newer file is never misread. */
export interface VersionedDocument {
  schemaVersion: number;
}

/**
 * Opens a versioned JSON document through lowdb. A missing file starts from `initial`; a
 * file that does not parse, or that a newer swarmvol wrote, stops the start with an error
 * that names the file — it is never reset, because resetting would forget volumes.
 */
export async function openDocument<T extends VersionedDocument>(path: string, initial: T, options: { sync?: boolean } = {}): Promise<Low<T>> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const adapter = new DurableJsonFile<T>(path, options.sync ?? true);
  await adapter.discardStaleTemp();
  const db = new Low<T>(adapter, initial);
  try {
    await db.read();
  } catch (err) {
    throw unsafe(
      `state file ${path} is not valid JSON (${(err as Error).message}); restore it from a backup or move it away to rebuild it`,
      { path },
      err,
    );
  }
  const version = db.data.schemaVersion;
  if (typeof version !== "number" || version > initial.schemaVersion) {
    throw invalidArgument(
      `state file ${path} has schema version ${String(version)}, newer than this swarmvol understands (${initial.schemaVersion}); upgrade swarmvol`,
      { path },
    );
  }
  return db;
}
