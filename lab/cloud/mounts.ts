/**
 * Whether a block device is mounted in any mount namespace on the host. Each lab node has
 * its own mount namespace, so /proc/self/mountinfo is not enough: every namespace is read
 * once, through the first process found in it.
 */
import { readFile, readdir, readlink } from "node:fs/promises";

/** `major:minor` of a block device by its kernel name (`loop3`), from sysfs. */
export async function deviceNumber(name: string): Promise<string | undefined> {
  try {
    return (await readFile(`/sys/block/${name}/dev`, "utf8")).trim();
  } catch {
    return undefined;
  }
}

/** Every distinct mountinfo text, one per mount namespace. Processes that vanish are skipped. */
async function mountTables(): Promise<string[]> {
  const seen = new Set<string>();
  const tables: string[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ns = await readlink(`/proc/${entry}/ns/mnt`);
      if (seen.has(ns)) continue;
      seen.add(ns);
      tables.push(await readFile(`/proc/${entry}/mountinfo`, "utf8"));
    } catch {
      // the process exited or is not ours to read
    }
  }
  return tables;
}

/** Mount points of the device `major:minor` across all namespaces (field 3 of mountinfo). */
export async function mountsOf(devNumbers: readonly string[]): Promise<string[]> {
  if (devNumbers.length === 0) return [];
  const wanted = new Set(devNumbers);
  const points: string[] = [];
  for (const table of await mountTables()) {
    for (const line of table.split("\n")) {
      const fields = line.split(" ");
      if (fields[2] !== undefined && wanted.has(fields[2])) points.push(fields[4] ?? "?");
    }
  }
  return points;
}
